"""Which as-of dates a fact report may carry: a window around its cycle, never the future.

A fact describes the company at one moment. For a quarter's report that moment lies in the
quarter, or shortly before (last quarter's audit, still the latest) or after it (the quarter's
figures are often ready a few weeks after it closes); never in the future, and never years
away, where the gap report would compare this quarter's beliefs with a stale fact.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class AsOfWindow:
    """The as-of dates allowed for one cycle's facts, both ends included."""

    cycle_id: str
    earliest: dt.date
    latest: dt.date
    days_before: int
    days_after: int
    today: dt.date

    @property
    def span(self) -> str:
        """E.g. '1 September 2026 to 7 December 2026'."""
        return f"{plain_date(self.earliest)} to {plain_date(self.latest)}"

    def problem(self, as_of: dt.date) -> str | None:
        """What is wrong with ``as_of``, in words a fact owner can act on; None when allowed."""
        if self.earliest <= as_of <= self.latest:
            return None
        if self.earliest > self.latest:  # a cycle far ahead: nothing can describe it yet
            return (
                f"A fact for {self.cycle_id} can be reported from {plain_date(self.earliest)} "
                f"on: {self.days_before} days before the cycle opens."
            )
        future = f"{plain_date(as_of)} is in the future. " if as_of > self.today else ""
        return (
            f"{future}A fact for {self.cycle_id} must describe the company between "
            f"{plain_date(self.earliest)} and {plain_date(self.latest)}: from "
            f"{self.days_before} days before the cycle opens to {self.days_after} days after "
            "it closes, and never later than today."
        )


def as_of_window(
    cycle_id: str,
    opens: dt.date,
    closes: dt.date,
    today: dt.date,
    *,
    days_before: int,
    days_after: int,
) -> AsOfWindow:
    """From ``days_before`` the cycle opens to the earlier of ``days_after`` it closes and
    today. (Before a cycle comes near, the window is empty: nothing can describe it yet.)"""
    return AsOfWindow(
        cycle_id=cycle_id,
        earliest=_shifted(opens, -days_before),
        latest=min(_shifted(closes, days_after), today),
        days_before=days_before,
        days_after=days_after,
        today=today,
    )


def _shifted(day: dt.date, days: int) -> dt.date:
    """``day`` moved by ``days``, held at the calendar's ends (a cycle may be dated 9999)."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def default_as_of(closes: dt.date, today: dt.date) -> dt.date:
    """The date a new entry describes unless its owner says otherwise: the cycle's closing
    date once it has passed, today while the cycle runs."""
    return min(closes, today)


def plain_date(day: dt.date) -> str:
    """E.g. '7 December 2026': no month/day order to misread."""
    return f"{day.day} {day:%B %Y}"
