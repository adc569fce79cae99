"""The fact report page's rows: value, evidence and status of each fact in a cycle."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from assessment.services.content.definitions import Fact
from assessment.services.facts.evidence import file_size, link_problem, link_text

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
    note: str = ""
    link: str = ""  # an http(s) address, checked when it was entered
    link_text: str = ""  # "Document on docs.example.com"
    attachment: str = ""  # the attached file's name and size, e.g. "restore.pdf (12 KB)"
    revision: int = 0  # the reported version (its attachment's address names it)


@dataclass(frozen=True)
class HistoryRow:
    """One version of a fact in the entry page's history table."""

    revision: int
    value: str
    as_of: str
    evidence: str
    link: str
    link_text: str
    attachment: str
    note: str
    entered: str  # "Name, 2026-11-27 14:05"
    reason: str


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
                note=row.note if row else "",
                link=safe_link(row) if row else "",
                link_text=link_text(safe_link(row)) if row and safe_link(row) else "",
                attachment=attachment_label(row) if row else "",
                revision=row.revision if row else 0,
            )
        )
    return rows


def history_rows(fact: Fact, rows: Sequence[Any]) -> list[HistoryRow]:
    """The versions of one fact (duck-typed FactValue records) as the history table shows
    them, in the order given."""
    return [
        HistoryRow(
            revision=row.revision,
            value=describe_value(fact, row),
            as_of=row.as_of.isoformat(),
            evidence=row.evidence,
            link=safe_link(row),
            link_text=link_text(safe_link(row)) if safe_link(row) else "",
            attachment=attachment_label(row),
            note=row.note,
            entered=f"{row.entered_by.name}, {row.entered_at:%Y-%m-%d %H:%M}",
            reason=row.reason,
        )
        for row in rows
    ]


def safe_link(row: Any) -> str:
    """The version's evidence link, checked again before it becomes clickable ("" if none)."""
    url = row.evidence_url or ""
    return url if url and link_problem(url) is None else ""


def attachment_label(row: Any) -> str:
    """'restore-test.pdf (120 KB)', or "" when the version has no attached file."""
    if not row.attachment_sha256:
        return ""
    return f"{row.attachment_name} ({file_size(row.attachment_size or 0)})"


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


UNITS = {"percent": "%", "hours": " hours", "days": " days", "count": "", "date": ""}
# A band label that repeats a number in brackets ("Every mailbox (100%)") drops the brackets
# next to the number itself.
BRACKETED_NUMBER = re.compile(r"\s*\([^()]*\d[^()]*\)$")


def describe_value(fact: Fact, row: Any) -> str:
    """The value once, with its unit, then its band in words: '12 days, band: under 15 days',
    '100%, band: every mailbox', or just the label ('Partly') for an answer chosen as such."""
    label = fact.label(row.category)
    if isinstance(row.value, str) and row.value == row.category:
        return label
    if special := fact.special_answer(row.value):
        counted = "" if special.category is None else f" (counts as {label})"
        return f"{special.label}{counted}"
    band = BRACKETED_NUMBER.sub("", label)
    band = band[:1].lower() + band[1:]
    unit = UNITS.get(fact.type, "")
    if row.value == 1 and unit.endswith("s"):
        unit = unit[:-1]  # "1 day"
    return f"{row.value}{unit}, band: {band}"
