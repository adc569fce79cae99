"""Cycles and the questionnaire versions they pin."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from assessment.models import Cycle, CycleQuestionnaire, CycleStatus
from assessment.queries.session import AnySession
from assessment.tenancy import across_organisations


def get_cycle(session: AnySession, cycle_id: str) -> Cycle | None:
    """The cycle with this id, if any, with its pinned questionnaires (one query)."""
    if "\x00" in cycle_id:  # no id holds NUL, and PostgreSQL refuses it in a parameter
        return None
    # Not session.get: a cycle id is unique only within its organisation, and the tenancy
    # criterion on this SELECT picks the current organisation's cycle.
    return (
        session.scalars(select(Cycle).where(Cycle.id == cycle_id).options(joinedload(Cycle.pinned)))
        .unique()
        .first()
    )


def list_cycles(session: AnySession) -> list[Cycle]:
    """All cycles, newest first."""
    return list(session.scalars(select(Cycle).order_by(Cycle.opens.desc(), Cycle.id.desc())))


def open_cycles(session: AnySession) -> list[Cycle]:
    """Cycles currently taking answers, newest first."""
    return [c for c in list_cycles(session) if c.takes_answers]


def cycles_in_order(session: AnySession) -> list[Cycle]:
    """All cycles, oldest first."""
    return sorted(list_cycles(session), key=lambda c: (c.opens, c.id))


def previous_cycle(session: AnySession, cycle: Cycle) -> Cycle | None:
    """The cycle that opened last before this one, if any."""
    earlier = [c for c in cycles_in_order(session) if c.opens < cycle.opens]
    return earlier[-1] if earlier else None


def create_cycle(session: AnySession, cycle_id: str, opens: dt.date, closes: dt.date) -> Cycle:
    """Add a cycle in draft status."""
    cycle = Cycle(id=cycle_id, opens=opens, closes=closes, status=CycleStatus.DRAFT)
    session.add(cycle)
    session.flush()
    return cycle


def open_cycle(session: AnySession, cycle: Cycle, versions: dict[str, tuple[str, str]]) -> None:
    """Pin each role's questionnaire (role → (id, version)) and start taking answers."""
    pinned = {p.role for p in cycle.pinned}
    for role, (questionnaire_id, version) in versions.items():
        if role not in pinned:
            cycle.pinned.append(
                CycleQuestionnaire(role=role, questionnaire_id=questionnaire_id, version=version)
            )
    cycle.status = CycleStatus.OPEN
    session.flush()


def organisations_with_cycle(session: AnySession, cycle_id: str) -> list[int]:
    """The organisations that have a cycle with this id: for a browser that brings nothing
    else (no session) to a questionnaire address. Looks across organisations on purpose."""
    if "\x00" in cycle_id:
        return []
    with across_organisations():
        return list(
            session.scalars(select(Cycle.organisation_id).where(Cycle.id == cycle_id).distinct())
        )
