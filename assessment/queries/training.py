"""Training sessions and their attendees ("session" alone means the database session)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from assessment.models import (
    Account,
    AuditEntry,
    Person,
    TrainingAttendee,
    TrainingSession,
    TrainingSessionStatus,
)
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
    """Add people who are not yet assigned; returns those added. A person whom another
    request (the same form posted twice) assigned a moment ago is skipped, not an error."""
    present = {a.person_id for a in training.attendees}
    added = []
    for person in dict.fromkeys(p for p in people if p.id not in present):
        try:
            with session.begin_nested():
                session.add(
                    TrainingAttendee(
                        training_session_id=training.id, person_id=person.id, completed=False
                    )
                )
        except IntegrityError:
            continue
        added.append(person)
    session.flush()
    session.expire(training, ["attendees"])
    return added


def training_candidates(session: AnySession) -> list[Person]:
    """Everyone who can take part: people whose account is not deactivated (and people
    without an account, who are invited by link), by name."""
    return list(
        session.scalars(
            select(Person)
            .outerjoin(Account, Account.person_id == Person.id)
            .where((Account.id.is_(None)) | (Account.active.is_(True)))
            .options(selectinload(Person.account))
            .order_by(Person.name, Person.email)
        )
    )


def candidates_by_id(session: AnySession, ids: set[int]) -> dict[int, Person]:
    """The people with these ids that exist, by id."""
    if not ids:
        return {}
    found = session.scalars(
        select(Person).where(Person.id.in_(ids)).options(selectinload(Person.account))
    )
    return {p.id: p for p in found}


def last_session_timezone(session: AnySession, actor: str) -> str | None:
    """The time zone of the newest session this actor (an e-mail address) scheduled, read
    from the audit log, the only record of who scheduled what."""
    target = session.scalar(
        select(AuditEntry.target)
        .where(AuditEntry.actor == actor, AuditEntry.action == "training_session_scheduled")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    number = (target or "").removeprefix("training-session-")
    if not number.isdigit():
        return None
    found = session.get(TrainingSession, int(number))
    return found.timezone if found is not None else None


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
