"""Training sessions and their attendees ("session" alone means the database session)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from assessment.models import Person, TrainingAttendee, TrainingSession, TrainingSessionStatus
from assessment.queries.session import AnySession


def list_training_sessions(session: AnySession) -> list[TrainingSession]:
    """All sessions, soonest first."""
    return list(session.scalars(select(TrainingSession).order_by(TrainingSession.starts_at)))


def get_training_session(session: AnySession, training_session_id: int) -> TrainingSession | None:
    """The training session with this id, if any."""
    return session.get(TrainingSession, training_session_id)


def add_training_session(session: AnySession, **fields: object) -> TrainingSession:
    """Schedule a new session."""
    created = TrainingSession(status=TrainingSessionStatus.SCHEDULED, sequence=0, **fields)
    session.add(created)
    session.flush()
    return created


def assign_attendees(
    session: AnySession, training: TrainingSession, people: list[Person]
) -> list[Person]:
    """Add people who are not yet assigned; returns those added."""
    present = {a.person_id for a in training.attendees}
    added = [p for p in people if p.id not in present]
    for person in added:
        training.attendees.append(TrainingAttendee(person_id=person.id, completed=False))
    session.flush()
    return added


def completed_modules(
    session: AnySession, recorded_before: dt.datetime | None = None
) -> list[tuple[str, str, dt.datetime]]:
    """(e-mail, module id, session start) for every completed attendance; with
    ``recorded_before``, only completions recorded before that moment."""
    query = (
        select(Person.email, TrainingSession.module_id, TrainingSession.starts_at)
        .join(TrainingAttendee, TrainingAttendee.person_id == Person.id)
        .join(TrainingSession, TrainingSession.id == TrainingAttendee.training_session_id)
        .where(TrainingAttendee.completed.is_(True))
    )
    if recorded_before is not None:
        query = query.where(TrainingAttendee.marked_at < recorded_before)
    return [(email, module, start) for email, module, start in session.execute(query)]
