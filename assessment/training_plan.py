"""Training planning glue: needs from stored scores, sessions as calendar events, mail."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from flask import current_app

from . import queries
from .catalogue import catalogue
from .cycle_scores import ScoredPerson, scores_of
from .extensions import db
from .mail import Attachment, send_mail
from .models import Cycle, Person, TrainingSession
from .services.calendar import SessionEvent, invitation_ics
from .services.training import Need, PersonLevels, training_needs


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Stored times are UTC; SQLite hands them back without a time zone."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def local_start(training: TrainingSession) -> dt.datetime:
    return as_utc(training.starts_at).astimezone(ZoneInfo(training.timezone))


def latest_scored_cycle() -> Cycle | None:
    """The newest cycle with at least one submitted response."""
    for cycle in queries.list_cycles(db.session):
        if queries.has_submissions(db.session, cycle.id):
            return cycle
    return None


def needs_for(cycle: Cycle, scored: Sequence[ScoredPerson] | None = None) -> list[Need]:
    """Training needs from a cycle's levels: person, role, domain, level, modules. No answers."""
    people = [
        PersonLevels(s.email, s.name, s.role, {d: v.get("level") for d, v in s.domains.items()})
        for s in (scored if scored is not None else scores_of(cycle))
    ]
    return training_needs(
        catalogue().rubric, catalogue().training, people, current_app.config["TRAINING_BELOW_LEVEL"]
    )


def scored_people(cycle: Cycle) -> Sequence[ScoredPerson]:
    return scores_of(cycle)


def session_event(training: TrainingSession, cancelled: bool = False) -> SessionEvent:
    module = catalogue().training[training.module_id]
    config = current_app.config
    return SessionEvent(
        uid=training.uid,
        sequence=training.sequence,
        summary=module.title,
        description=f"{module.description}\nFacilitator: {training.facilitator}",
        location=training.location,
        start=local_start(training),
        duration_minutes=training.duration_minutes,
        organizer=(config["MAIL_FROM_ADDRESS"], "Security steering committee"),
        attendees=tuple((a.person.email, a.person.name) for a in training.attendees),
        cancelled=cancelled,
    )


def mail_invitations(training: TrainingSession, people: list[Person], *, kind: str) -> int:
    """Send the .ics (REQUEST, or CANCEL when ``kind`` is "cancel") to each person."""
    module = catalogue().training[training.module_id]
    start = local_start(training)
    ics = invitation_ics(
        session_event(training, cancelled=kind == "cancel"), dt.datetime.now(dt.UTC)
    )
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    subject = {
        "invite": f"Training: {module.title}",
        "update": f"Updated: {module.title}",
        "cancel": f"Cancelled: {module.title}",
    }[kind]
    when = f"{start:%A %d %B %Y, %H:%M} ({training.timezone})"
    for person in people:
        body = (
            f"Dear {person.name},\n\n"
            + (
                f"The session “{module.title}” on {when} is cancelled.\n"
                if kind == "cancel"
                else f"You are invited to “{module.title}” on {when}, {training.duration_minutes} "
                f"minutes, at {training.location}. Facilitator: {training.facilitator}.\n\n"
                f"{module.description}\n"
            )
            + "\nThe calendar invitation is attached.\n"
        )
        send_mail(
            person.email,
            subject,
            body,
            (Attachment("invitation.ics", ics, f"text/calendar; method={method}; charset=utf-8"),),
        )
    now = dt.datetime.now(dt.UTC)
    for attendee in training.attendees:
        if attendee.person_id in {p.id for p in people}:
            attendee.invited_at = now
    return len(people)
