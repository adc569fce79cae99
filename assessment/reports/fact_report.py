"""A cycle's fact report as its page shows it: rows, who attested, and what a member should
know about their own facts before attesting."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, FactAttestation
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.facts.attestation import (
    OwnFacts,
    attested_by,
    before_attesting,
    own_facts,
)
from assessment.services.facts.report_rows import FactRow, HistoryRow, fact_rows, history_rows


@dataclass(frozen=True)
class FactReportPage:
    rows: list[FactRow]
    attestation: FactAttestation | None
    attested_by: str  # "Dana Cruz (Legal executive), who reports 4 of these facts"
    own_notice: str  # for the member about to attest: the facts they report or check


def fact_report(
    cycle: Cycle, editable: Collection[str], viewer_id: int | None, viewer_role: str | None
) -> FactReportPage:
    """The page of ``cycle``'s fact report for a viewer who may edit ``editable`` facts."""
    current = queries.current_fact_values(db.session, cycle.id)
    attestations = queries.attestations(db.session, cycle.id)
    latest = attestations[-1] if attestations else None
    rows = fact_rows(
        catalogue().facts,
        current,
        queries.previous_fact_values(db.session, cycle),
        latest,
        set(editable),
        attestations,
    )
    signer = ""
    if latest is not None:
        person = latest.attested_by
        signed = _own(set(current), person.id, person.role)
        signer = attested_by(person.name, ROLE_LABELS.get(person.role or "", ""), signed)
    notice = before_attesting(_own(set(current), viewer_id, viewer_role))
    return FactReportPage(rows, latest, signer, notice)


def fact_history_rows(cycle_id: str, fact_id: str) -> list[HistoryRow]:
    """Every version of one fact in the cycle, newest first, as the entry page lists them."""
    fact = catalogue().facts[fact_id]
    return history_rows(fact, queries.fact_history(db.session, cycle_id, fact_id))


def _own(reported: set[str], person_id: int | None, role: str | None) -> OwnFacts:
    delegated = queries.delegated_facts(db.session, person_id) if person_id else set()
    return own_facts(catalogue().facts, reported, role, delegated)
