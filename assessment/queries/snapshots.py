"""Stored report versions of frozen cycles."""

from __future__ import annotations

from sqlalchemy import func, select

from assessment.models import Person, ReportSnapshot
from assessment.queries.session import AnySession


def latest_snapshot(session: AnySession, cycle_id: str) -> ReportSnapshot | None:
    """The newest stored report version of a cycle, if it was frozen."""
    return session.scalar(
        select(ReportSnapshot)
        .where(ReportSnapshot.cycle_id == cycle_id)
        .order_by(ReportSnapshot.version.desc())
        .limit(1)
    )


def add_snapshot(
    session: AnySession,
    cycle_id: str,
    scoring_version: str,
    payload: dict[str, object],
    person: Person | None,
) -> ReportSnapshot:
    """Store a new report version; earlier versions stay."""
    latest = session.scalar(
        select(func.max(ReportSnapshot.version)).where(ReportSnapshot.cycle_id == cycle_id)
    )
    snapshot = ReportSnapshot(
        cycle_id=cycle_id,
        version=(latest or 0) + 1,
        scoring_version=scoring_version,
        payload=payload,
        created_by_id=person.id if person else None,
    )
    session.add(snapshot)
    session.flush()
    return snapshot
