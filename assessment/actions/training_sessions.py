"""Training sessions: scheduling, assigning people, invitations with a calendar file,
rescheduling, cancelling and recording attendance. Each change is audited."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from assessment import queries
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, Invalid, NotFound
from assessment.actions.mail import Attachment, send_mail
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Person, TrainingSession, TrainingSessionStatus
from assessment.reports.training_calendar import local_start, session_event
from assessment.services.output.calendar import invitation_ics
from assessment.services.text import text_problem


@dataclass(frozen=True)
class SessionPlan:
    """What the planner enters for a session; the start is local to ``timezone``."""

    module_id: str
    date: dt.date
    time: dt.time
    timezone: str  # IANA name, e.g. Europe/Berlin
    duration_minutes: int
    location: str
    capacity: int
    facilitator: str

    def starts_at(self) -> dt.datetime:
        """The start in UTC, as stored."""
        local = dt.datetime.combine(self.date, self.time, ZoneInfo(self.timezone))
        return local.astimezone(dt.UTC)


def get(training_session_id: int) -> TrainingSession:
    """The training session, or ``NotFound``."""
    found = queries.get_training_session(db.session, training_session_id)
    if found is None:
        raise NotFound("There is no such training session.")
    return found


def schedule(actor: Actor, plan: SessionPlan) -> TrainingSession:
    """Add a session for a catalogue module; people are assigned afterwards."""
    _check_text(plan)
    if plan.module_id not in catalogue().training:
        raise Invalid("Choose a module of the catalogue.", {"module_id": "unknown module"})
    created = queries.add_training_session(
        db.session,
        uid=f"training-{secrets.token_hex(8)}@assessment",
        module_id=plan.module_id,
        starts_at=plan.starts_at(),
        timezone=plan.timezone,
        duration_minutes=plan.duration_minutes,
        location=plan.location,
        capacity=plan.capacity,
        facilitator=plan.facilitator,
    )
    audit.record(actor, "training_session_scheduled", _target(created), module=plan.module_id)
    return created


def assign(
    actor: Actor,
    training: TrainingSession,
    person_ids: Iterable[str] = (),
    emails: Iterable[str] = (),
) -> list[Person]:
    """Add the chosen people (by id, as a form posts them, or by e-mail address) who are not
    assigned yet, within the capacity. Anyone active may be chosen, with or without a need;
    an unknown id or address, or a deactivated account, refuses the whole choice."""
    if not training.is_scheduled:
        raise Conflict("This session is cancelled.")
    chosen = _people_by_id(person_ids) + _people_by_email(emails)
    if not chosen:
        raise Invalid("Nobody was selected: tick the people to assign.", {"person": "none"})
    inactive = [p.name for p in chosen if not _is_active(p)]
    if inactive:
        raise Invalid(
            f"Not assigned: the account of {', '.join(sorted(set(inactive)))} is deactivated. "
            "Choose people from the list.",
            {"person": "deactivated"},
        )
    return _add(actor, training, chosen, whole_team=False)


def assign_team(actor: Actor, training: TrainingSession) -> list[Person]:
    """Add every active executive (the whole leadership team) not assigned yet."""
    if not training.is_scheduled:
        raise Conflict("This session is cancelled.")
    team = [p for p in queries.training_candidates(db.session) if p.role is not None]
    return _add(actor, training, team, whole_team=True)


def _people_by_id(values: Iterable[str]) -> list[Person]:
    # Ids come from the form as text; anything that is not a plausible id is unknown too
    # (and never reaches the database, where a huge number would overflow the column).
    raw = [v.strip() for v in values if v.strip()]
    plausible = [v for v in raw if v.isascii() and v.isdigit() and len(v) <= 9]
    ids = {int(v) for v in plausible}
    found = queries.candidates_by_id(db.session, ids)
    if len(plausible) != len(raw) or len(found) != len(ids):
        raise Invalid(
            "Not assigned: a selected person is not known (perhaps removed meanwhile). "
            "Reload the page and choose again.",
            {"person": "unknown"},
        )
    return [found[i] for i in sorted(ids)]


def _people_by_email(values: Iterable[str]) -> list[Person]:
    unique = list(dict.fromkeys(e.strip().lower() for e in values if e.strip()))
    people = [queries.find_person_by_email(db.session, e) for e in unique]
    if any(p is None for p in people):
        raise Invalid("Not assigned: a selected address is not known.", {"person": "unknown"})
    return [p for p in people if p is not None]


def _is_active(person: Person) -> bool:
    return person.account is None or person.account.active


def _add(
    actor: Actor, training: TrainingSession, people: list[Person], *, whole_team: bool
) -> list[Person]:
    """Assign those not assigned yet (each once, however often chosen); audited when anyone
    was added, so a form posted twice leaves one entry."""
    present = {a.person_id for a in training.attendees}
    new = list({p.id: p for p in people if p.id not in present}.values())
    free = training.capacity - len(training.attendees)
    if len(new) > free:
        raise Conflict(
            f"Not assigned: the session has {free} free place{'s' if free != 1 else ''} and "
            f"{len(new)} people were selected. Choose fewer or raise the capacity."
        )
    added = queries.assign_attendees(db.session, training, new)
    if added:
        audit.record(
            actor,
            "training_attendees_assigned",
            _target(training),
            people=[p.email for p in added],
            whole_team=whole_team,
        )
    return added


def send_invitations(actor: Actor, training: TrainingSession) -> int:
    """Mail the calendar invitation to everyone assigned and not invited yet."""
    if not training.is_scheduled:
        return 0
    pending = [a.person for a in training.attendees if a.invited_at is None]
    sent = _mail(training, pending, kind="invite")
    audit.record(actor, "training_invitations_sent", _target(training), sent=sent)
    return sent


def reschedule(actor: Actor, training: TrainingSession, plan: SessionPlan) -> int:
    """Change time, place, capacity or facilitator (never below the people assigned) and
    send the updated invitation to everyone already invited; returns how many."""
    if not training.is_scheduled:
        raise Conflict("This session is cancelled.")
    _check_text(plan)
    training.starts_at, training.timezone = plan.starts_at(), plan.timezone
    training.duration_minutes = plan.duration_minutes
    training.location, training.facilitator = plan.location, plan.facilitator
    training.capacity = max(plan.capacity, len(training.attendees))
    training.sequence += 1  # calendars replace the event only when SEQUENCE grows
    invited = [a.person for a in training.attendees if a.invited_at is not None]
    _mail(training, invited, kind="update")
    audit.record(actor, "training_session_changed", _target(training), updates_sent=len(invited))
    return len(invited)


def cancel(actor: Actor, training: TrainingSession) -> int:
    """Cancel the session and send the cancellation to everyone invited; returns how many."""
    if not training.is_scheduled:
        return 0
    training.status = TrainingSessionStatus.CANCELLED
    training.sequence += 1
    invited = [a.person for a in training.attendees if a.invited_at is not None]
    _mail(training, invited, kind="cancel")
    audit.record(actor, "training_session_cancelled", _target(training), cancellations=len(invited))
    return len(invited)


def record_attendance(
    actor: Actor, training: TrainingSession, attended: set[int], completed: set[int]
) -> None:
    """Who attended and who completed (only someone who attended can have completed). Each
    change is stamped: the training effect counts only what was recorded before the later
    cycle closed (see ``reports.training_needs.effect_of_training``)."""
    now = dt.datetime.now(dt.UTC)
    for attendee in training.attendees:
        was = (attendee.attended, attendee.completed)
        attendee.attended = attendee.person_id in attended
        attendee.completed = attendee.person_id in completed and attendee.attended
        if (attendee.attended, attendee.completed) != was:
            attendee.marked_at = now
    db.session.flush()
    audit.record(
        actor,
        "training_attendance_recorded",
        _target(training),
        attended=sorted(a.person_id for a in training.attendees if a.attended),
        completed=sorted(a.person_id for a in training.attendees if a.completed),
    )


def _check_text(plan: SessionPlan) -> None:
    """Place and facilitator are shown in invitations and calendars: one line, no control or
    invisible formatting characters (F-15)."""
    problems = {
        name: f"The {name} {problem}."
        for name, value in (("location", plan.location), ("facilitator", plan.facilitator))
        if (problem := text_problem(value))
    }
    if problems:
        raise Invalid(next(iter(problems.values())), problems)


def _target(training: TrainingSession) -> str:
    return f"training-session-{training.id}"


def _mail(training: TrainingSession, people: list[Person], *, kind: str) -> int:
    """Send the .ics (REQUEST, or CANCEL when ``kind`` is "cancel") to each person."""
    module = catalogue().training[training.module_id]
    ics = invitation_ics(
        session_event(training, cancelled=kind == "cancel"), dt.datetime.now(dt.UTC)
    )
    method = "CANCEL" if kind == "cancel" else "REQUEST"
    subject = {
        "invite": f"Training: {module.title}",
        "update": f"Updated: {module.title}",
        "cancel": f"Cancelled: {module.title}",
    }[kind]
    when = f"{local_start(training):%A %d %B %Y, %H:%M} ({training.timezone})"
    for person in people:
        if kind == "cancel":
            what = f"The session “{module.title}” on {when} is cancelled.\n"
        else:
            what = (
                f"You are invited to “{module.title}” on {when}, {training.duration_minutes} "
                f"minutes, at {training.location}. Facilitator: {training.facilitator}.\n\n"
                f"{module.description}\n"
            )
        body = f"Dear {person.name},\n\n{what}\nThe calendar invitation is attached.\n"
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
