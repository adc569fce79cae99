"""Fact reports, attestations and delegations; submitted responses for reports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from assessment.models import Cycle, FactAttestation, FactDelegation, FactValue, Person
from assessment.queries.session import AnySession
from assessment.services.content.definitions import NOT_APPLICABLE
from assessment.services.facts.evidence import CheckedFile


def current_fact_values(session: AnySession, cycle_id: str) -> dict[str, FactValue]:
    """The newest entry of each fact reported for the cycle."""
    rows = session.scalars(
        select(FactValue).where(FactValue.cycle_id == cycle_id).order_by(FactValue.revision)
    )
    return {row.fact_id: row for row in rows}


def fact_categories(session: AnySession, cycle_id: str) -> dict[str, str]:
    """Reported category of each fact in the cycle that beliefs can be compared with."""
    return comparable_categories(current_fact_values(session, cycle_id))


def comparable_categories(current: Mapping[str, FactValue]) -> dict[str, str]:
    """The categories of entries already read: a fact answered "not applicable" has no
    category, so it is left out like an unreported one."""
    return {f: row.category for f, row in current.items() if row.category != NOT_APPLICABLE}


def fact_history(session: AnySession, cycle_id: str, fact_id: str) -> list[FactValue]:
    """Every entry of one fact in the cycle, newest first."""
    return list(
        session.scalars(
            select(FactValue)
            .where(FactValue.cycle_id == cycle_id, FactValue.fact_id == fact_id)
            .order_by(FactValue.revision.desc())
        )
    )


def fact_version(
    session: AnySession, cycle_id: str, fact_id: str, revision: int
) -> FactValue | None:
    """One version of a fact in a cycle."""
    return session.scalar(
        select(FactValue).where(
            FactValue.cycle_id == cycle_id,
            FactValue.fact_id == fact_id,
            FactValue.revision == revision,
        )
    )


def add_fact_value(
    session: AnySession,
    cycle_id: str,
    fact_id: str,
    *,
    value: object,
    category: str,
    as_of: dt.date,
    evidence: str,
    note: str,
    reason: str,
    person: Person,
    evidence_url: str | None = None,
    attachment: CheckedFile | None = None,
) -> FactValue:
    """Append a new revision of a fact; earlier revisions stay as they were. ``attachment`` is
    a file already stored under its hash."""
    latest = session.scalar(
        select(func.max(FactValue.revision)).where(
            FactValue.cycle_id == cycle_id, FactValue.fact_id == fact_id
        )
    )
    row = FactValue(
        cycle_id=cycle_id,
        fact_id=fact_id,
        revision=(latest or 0) + 1,
        value=value,
        category=category,
        as_of=as_of,
        evidence=evidence,
        note=note,
        reason=reason,
        entered_by=person,
        evidence_url=evidence_url or None,
    )
    if attachment is not None:
        row.attachment_sha256, row.attachment_name = attachment.sha256, attachment.name
        row.attachment_type, row.attachment_size = attachment.mime, attachment.size
    session.add(row)
    session.flush()
    return row


def previous_fact_values(session: AnySession, cycle: Cycle) -> dict[str, FactValue]:
    """The newest values of the latest earlier cycle that has a fact report."""
    earlier = session.scalars(
        select(Cycle).where(Cycle.opens < cycle.opens).order_by(Cycle.opens.desc())
    )
    for previous in earlier:
        values = current_fact_values(session, previous.id)
        if values:
            return values
    return {}


def latest_attestation(session: AnySession, cycle_id: str) -> FactAttestation | None:
    """The most recent sign-off of the cycle's fact report."""
    return session.scalar(
        select(FactAttestation)
        .where(FactAttestation.cycle_id == cycle_id)
        .order_by(FactAttestation.id.desc())
        .limit(1)
    )


def attestations(session: AnySession, cycle_id: str) -> list[FactAttestation]:
    """Every sign-off of the cycle's fact report, oldest first, with who signed it."""
    return list(
        session.scalars(
            select(FactAttestation)
            .where(FactAttestation.cycle_id == cycle_id)
            .options(selectinload(FactAttestation.attested_by))
            .order_by(FactAttestation.id)
        )
    )


def attest_facts(session: AnySession, cycle_id: str, person: Person) -> FactAttestation | None:
    """Record a sign-off covering every entry so far; None when nothing is reported."""
    newest = session.scalar(select(func.max(FactValue.id)).where(FactValue.cycle_id == cycle_id))
    if newest is None:
        return None
    attestation = FactAttestation(cycle_id=cycle_id, last_value_id=newest, attested_by=person)
    session.add(attestation)
    session.flush()
    return attestation


def delegated_facts(session: AnySession, person_id: int) -> set[str]:
    """Facts an administrator delegated to this person."""
    return set(
        session.scalars(select(FactDelegation.fact_id).where(FactDelegation.person_id == person_id))
    )


def list_delegations(session: AnySession) -> list[FactDelegation]:
    """All delegations, by fact."""
    return list(session.scalars(select(FactDelegation).order_by(FactDelegation.fact_id)))


def set_delegation(session: AnySession, fact_id: str, person_id: int, granted: bool) -> None:
    """Grant or withdraw one delegation."""
    existing = session.get(FactDelegation, (fact_id, person_id))
    if granted and existing is None:
        session.add(FactDelegation(fact_id=fact_id, person_id=person_id))
    elif not granted and existing is not None:
        session.delete(existing)
    session.flush()
