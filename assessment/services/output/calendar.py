"""Calendar invitations (RFC 5545/5546) for training sessions, built with icalendar.

An update is sent as METHOD:REQUEST and a cancellation as METHOD:CANCEL, both with the same UID
and a higher SEQUENCE, so calendar programs replace the earlier invitation instead of adding a
second event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Leadership security assessment//Training//EN"


@dataclass(frozen=True)
class SessionEvent:
    uid: str
    sequence: int
    summary: str
    description: str
    location: str
    start: dt.datetime  # timezone-aware, in the session's own time zone
    duration_minutes: int
    organizer: tuple[str, str]  # (e-mail, name)
    attendees: tuple[tuple[str, str], ...]
    cancelled: bool = False


def _event(session: SessionEvent, stamp: dt.datetime) -> Event:
    event = Event()
    event.add("uid", session.uid)
    event.add("sequence", session.sequence)
    event.add("dtstamp", stamp.astimezone(dt.UTC))
    event.add("dtstart", session.start)
    event.add("dtend", session.start + dt.timedelta(minutes=session.duration_minutes))
    event.add("summary", session.summary)
    event.add("description", session.description)
    event.add("location", session.location)
    event.add("status", "CANCELLED" if session.cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{session.organizer[0]}")
    organizer.params["cn"] = vText(session.organizer[1])
    event.add("organizer", organizer)
    for email, name in session.attendees:
        attendee = vCalAddress(f"mailto:{email}")
        attendee.params["cn"] = vText(name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["rsvp"] = vText("TRUE")
        event.add("attendee", attendee)
    return event


def invitation_ics(session: SessionEvent, stamp: dt.datetime) -> bytes:
    """One event as a REQUEST (new or updated) or a CANCEL."""
    return _calendar([session], "CANCEL" if session.cancelled else "REQUEST", stamp)


def feed_ics(sessions: Sequence[SessionEvent], stamp: dt.datetime) -> bytes:
    """Several events for import (METHOD:PUBLISH)."""
    return _calendar(sessions, "PUBLISH", stamp)


def _calendar(sessions: Sequence[SessionEvent], method: str, stamp: dt.datetime) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", method)
    for session in sessions:
        calendar.add_component(_event(session, stamp))
    calendar.add_missing_timezones()
    ics: bytes = calendar.to_ical()
    return ics
