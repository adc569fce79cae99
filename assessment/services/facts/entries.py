"""Checking a fact owner's entry: a number, a date or a category, mapped to a category."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from assessment.services.content.definitions import Fact
from assessment.services.gaps.classify import fact_category


@dataclass(frozen=True)
class FactEntry:
    value: object  # what is stored: a category id, a number, or an ISO date
    category: str


def read_entry(
    fact: Fact, *, category: str | None, number: str | None, date: dt.date | None, as_of: dt.date
) -> tuple[FactEntry | None, str | None]:
    """(entry, None) when valid, else (None, a message saying what to fix)."""
    given = [x for x in (category, number, date) if x not in (None, "")]
    if len(given) != 1:
        what = (
            "a value"
            if not fact.is_numeric
            else ("a date or a band" if fact.type == "date" else "a number or a band")
        )
        return None, f"Enter exactly one value: {what}."
    if category:
        found = fact_category(fact, category)
        return (FactEntry(category, found), None) if found else (None, "Choose one of the options.")
    if date is not None:
        if fact.type != "date":
            return None, "This fact takes a number, not a date."
        if date > as_of:
            return None, "The date cannot be after the as-of date."
        found = fact_category(fact, date, as_of)
        return (FactEntry(date.isoformat(), found), None) if found else (None, "Date out of range.")
    return _number_entry(fact, str(number))


def _number_entry(fact: Fact, text: str) -> tuple[FactEntry | None, str | None]:
    if fact.type in ("date", "yes_partly_no"):
        return None, "This fact does not take a number."
    try:
        value = float(text.replace(",", ".").strip().rstrip("%"))
    except ValueError:
        return None, "Enter a number, such as 12 or 97.5."
    if value != value or value in (float("inf"), float("-inf")):
        return None, "Enter a finite number."
    if fact.type == "percent" and not 0 <= value <= 100:
        return None, "A percentage lies between 0 and 100."
    if value < 0:
        return None, "The number cannot be negative."
    if fact.type == "count" and not value.is_integer():
        return None, "A count is a whole number."
    found = fact_category(fact, value)
    if found is None:
        return None, "That number falls in no band of this fact."
    stored: object = int(value) if value.is_integer() else value
    return FactEntry(stored, found), None
