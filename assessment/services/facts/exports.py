"""The reported facts in the gap report's exports: value, as-of date, evidence and note.

Rows are duck-typed FactValue records (value, category, as_of, evidence, evidence_url,
attachment_name, note, entered_by.name). Spreadsheet safety is the exporter's job
(``services.output.exports`` neutralises formulas in every cell).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessment.services.content.definitions import Fact
from assessment.services.facts.report_rows import describe_value
from assessment.services.output.exports import Table

REPORTED_COLUMNS = (
    "fact",
    "reported value",
    "as of",
    "evidence",
    "evidence link",
    "attached file",
    "note",
    "reported by",
)


def reported_facts_table(facts: Mapping[str, Fact], current: Mapping[str, Any]) -> Table:
    """One row per reported fact, in the catalogue's order."""
    rows = tuple(
        (
            fact.title,
            describe_value(fact, row),
            row.as_of.isoformat(),
            row.evidence,
            row.evidence_url or "",
            row.attachment_name or "",
            row.note,
            row.entered_by.name,
        )
        for fact_id, fact in facts.items()
        if (row := current.get(fact_id)) is not None
    )
    return Table("Reported facts", REPORTED_COLUMNS, rows)


def reported_facts_json(
    facts: Mapping[str, Fact], current: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """``{fact_id: {value, category, as_of, evidence, evidence_url, attachment, note}}``."""
    return {
        fact_id: {
            "value": row.value,
            "category": row.category,
            "as_of": row.as_of.isoformat(),
            "evidence": row.evidence,
            "evidence_url": row.evidence_url,
            "attachment": row.attachment_name,
            "note": row.note,
        }
        for fact_id in facts
        if (row := current.get(fact_id)) is not None
    }


def fact_notes(facts: Mapping[str, Fact], current: Mapping[str, Any]) -> dict[str, str]:
    """Each reported fact's note, by fact id (only facts with one)."""
    return {f: row.note for f in facts if (row := current.get(f)) is not None and row.note}
