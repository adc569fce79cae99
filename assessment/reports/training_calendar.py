"""Training sessions as calendar events, in the time zone they were planned in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from assessment.catalogue import catalogue
from assessment.models import TrainingSession
from assessment.reports.training_needs import as_utc
from assessment.services.output.calendar import SessionEvent


def local_start(training: TrainingSession) -> dt.datetime:
    """The start in the session's own time zone, as the invitation shows it."""
    return as_utc(training.starts_at).astimezone(ZoneInfo(training.timezone))


def session_event(training: TrainingSession, cancelled: bool = False) -> SessionEvent:
    """The calendar event of a session, for its invitations and the .ics feed."""
    module = catalogue().training[training.module_id]
    return SessionEvent(
        uid=training.uid,
        sequence=training.sequence,
        summary=module.title,
        description=f"{module.description}\nFacilitator: {training.facilitator}",
        location=training.location,
        start=local_start(training),
        duration_minutes=training.duration_minutes,
        organizer=(current_app.config["MAIL_FROM_ADDRESS"], "Security steering committee"),
        attendees=tuple((a.person.email, a.person.name) for a in training.attendees),
        cancelled=cancelled,
    )
