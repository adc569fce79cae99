"""What a home card is made of, and the words the cards share."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from assessment.models import Cycle, Person

# Cards that wait until the same day keep this order: one's own check-in first.
KINDS = ("checkin", "facts", "fact_report", "cycle", "training", "committee")
SHOWN = 5  # names or lines listed before "and N more"


@dataclass(frozen=True)
class Viewer:
    """Who is looking: ``owned_facts`` are the facts they report (the write layer says which)."""

    person_id: int
    role: str | None
    permissions: frozenset[str]
    owned_facts: frozenset[str] = frozenset()

    def may(self, *permissions: str) -> bool:
        return any(p in self.permissions for p in permissions)


@dataclass(frozen=True)
class Link:
    """A next step: an endpoint and its arguments (the template builds the address);
    ``post`` holds the form's fields when the step is a button that posts."""

    label: str
    endpoint: str
    params: Mapping[str, str] = field(default_factory=dict)
    anchor: str | None = None
    post: Mapping[str, str] | None = None


@dataclass(frozen=True)
class Line:
    text: str
    link: Link | None = None
    note: str = ""


@dataclass(frozen=True)
class Card:
    kind: str  # one of KINDS
    title: str
    summary: str = ""
    lines: tuple[Line, ...] = ()
    primary: Link | None = None
    secondary: tuple[Link, ...] = ()
    deadline: dt.date | None = None
    due: str = ""  # the deadline in words, e.g. "Due by 2026-12-31, when 2026-Q4 closes."
    overdue: bool = False
    needs_action: bool = True  # False: shown for information, nothing waits


def urgency(card: Card) -> tuple[bool, bool, dt.date, int]:
    """Sort key: work before information, overdue first, then the nearest deadline."""
    return (
        not card.needs_action,
        not card.overdue,
        card.deadline or dt.date.max,
        KINDS.index(card.kind),
    )


def due_at_close(cycle: Cycle, today: dt.date) -> tuple[str, bool]:
    """A cycle's facts and their checks are due when it closes: (words, overdue)."""
    closes = cycle.closes.isoformat()
    if today > cycle.closes:
        return f"Due when {cycle.id} closed on {closes}.", True
    return f"Due by {closes}, when {cycle.id} closes.", False


def count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def names(people: Sequence[Person], emails: bool = False) -> str:
    return listed(f"{p.name} <{p.email}>" if emails else p.name for p in people)


def listed(words: Iterable[str]) -> str:
    """The first few, then how many more."""
    shown = list(words)
    more = f" and {len(shown) - SHOWN} more" if len(shown) > SHOWN else ""
    return ", ".join(shown[:SHOWN]) + more
