"""The fact report page's rows: value, evidence and status of each fact in a cycle."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment.services.content.definitions import Fact

OWNER_LABELS = {
    "ceo": "CEO",
    "cio": "CIO",
    "it_manager": "IT manager",
    "hr": "HR",
    "legal": "Legal",
}


@dataclass(frozen=True)
class FactRow:
    fact_id: str
    title: str
    owner: str
    value: str  # the category label and, for numbers, the number itself
    as_of: str
    evidence: str
    entered: str  # "Name, 2026-11-27"
    status: str  # reported | not reported | not re-confirmed | changed since attestation
    previous: str  # last cycle's value, offered as a starting point
    editable: bool
    second_check: str = ""  # for a fact its owner measures about itself: who checked it


def fact_rows(
    facts: Mapping[str, Fact],
    current: Mapping[str, Any],
    previous: Mapping[str, Any],
    attestation: Any,
    editable: set[str],
    attestations: Sequence[Any] = (),
) -> list[FactRow]:
    """One row per fact; rows are duck-typed FactValue records (value, category, as_of …),
    attestations duck-typed FactAttestation records with ``attested_by`` loaded. A retired
    fact appears only in a cycle where it was reported."""
    rows = []
    for fact in facts.values():
        row, before = current.get(fact.id), previous.get(fact.id)
        if fact.retired and row is None:
            continue
        if row is not None:
            status = "reported"
            if attestation is not None and row.id > attestation.last_value_id:
                status = "changed since attestation"
        else:
            status = "not re-confirmed" if before is not None else "not reported"
        rows.append(
            FactRow(
                fact_id=fact.id,
                title=fact.title,
                owner=OWNER_LABELS.get(fact.owner, fact.owner),
                value=describe_value(fact, row) if row else "—",
                as_of=row.as_of.isoformat() if row else "",
                evidence=row.evidence if row else "",
                entered=f"{row.entered_by.name}, {row.entered_at:%Y-%m-%d}" if row else "",
                status=status,
                previous=describe_value(fact, before) if before else "",
                editable=fact.id in editable,
                second_check=second_check(fact, row, attestations),
            )
        )
    return rows


def second_check(fact: Fact, row: Any, attestations: Sequence[Any]) -> str:
    """Whether the fact's second attester has signed off the value now reported.

    The owner of such a fact measures their own work (IT reporting its own restore tests), so
    the value counts as checked only once a person of the attester role has attested the
    report after this value was entered.
    """
    if fact.attester is None:
        return ""
    who = OWNER_LABELS.get(fact.attester, fact.attester)
    if row is None:
        return f"To be checked by {who}"
    for attestation in attestations:
        person = attestation.attested_by
        if person.role == fact.attester and attestation.last_value_id >= row.id:
            return f"Checked by {who}: {person.name}, {attestation.attested_at:%Y-%m-%d}"
    return f"Awaiting a check by {who}"


def describe_value(fact: Fact, row: Any) -> str:
    """E.g. '12 days (under 15 days)' or 'Partly'."""
    label = fact.label(row.category)
    if isinstance(row.value, str) and row.value == row.category:
        return label
    if special := fact.special_answer(row.value):
        counted = "" if special.category is None else f" (counts as {label})"
        return f"{special.label}{counted}"
    units = {"percent": "%", "hours": " h", "days": " days", "count": "", "date": ""}
    unit = units.get(fact.type, "")
    return f"{row.value}{unit} ({label})"
