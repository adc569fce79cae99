"""What a frozen cycle stored, read back: every person's scores and the belief–fact pairs.

Report versions since the packed columns (format 2, see ``services.output.snapshot_columns``)
are read without building an object per person or pair; earlier versions (format 1) hold one
JSON object per person and per pair and are read as they always were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from assessment import queries
from assessment.extensions import db
from assessment.models import ReportSnapshot
from assessment.services.gaps.analysis import BeliefTable
from assessment.services.gaps.report import Belief
from assessment.services.output.snapshot_columns import (
    FORMAT,
    pairs_from_json,
    scores_from_json,
)
from assessment.services.scoring.people import ScoredPeople, ScoredPerson


def stored_scores(snapshot: ReportSnapshot) -> Sequence[ScoredPerson]:
    """Every person's scores as the report version stored them, in (role, email) order."""
    payload: Mapping[str, Any] = snapshot.payload
    if payload.get("format") == FORMAT:
        return ScoredPeople.from_columns(scores_from_json(payload["people"], payload["scores"]))
    return [ScoredPerson(**row) for row in payload["scores"]]


def stored_pairs(snapshot: ReportSnapshot) -> tuple[BeliefTable, dict[str, str]]:
    """The stored pairs as beliefs (with today's names of the people), and the reported
    category of each of their facts when the cycle froze."""
    payload: Mapping[str, Any] = snapshot.payload
    gaps = payload["gaps"]
    if payload.get("format") == FORMAT:
        people = payload["people"]
        emails: list[str] = people["email"]
        names = queries.names_by_email(db.session, set(emails))
        return pairs_from_json(
            gaps["pairs"], emails, [names.get(e, e) for e in emails], people["role"]
        )
    pairs = gaps["pairs"]
    names = queries.names_by_email(db.session, {p["email"] for p in pairs})
    beliefs = BeliefTable.from_beliefs(
        Belief(
            p["email"],
            names.get(p["email"], p["email"]),
            p["role"],
            p["item"],
            p["fact"],
            p["belief"],
        )
        for p in pairs
    )
    return beliefs, {p["fact"]: p["actual"] for p in pairs}
