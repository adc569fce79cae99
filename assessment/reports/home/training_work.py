"""Home cards for the HR training coordinator: needs no session serves, sessions with
people to invite, and sessions held whose attendance is not recorded."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, TrainingSession
from assessment.reports.home.cards import Card, Line, Link, count, listed
from assessment.reports.training_calendar import local_start
from assessment.reports.training_needs import (
    as_utc,
    latest_scored_cycle,
    needs_for,
    needs_without_session,
)
from assessment.services.training.needs import Need


def training_cards(now: dt.datetime) -> list[Card]:
    """The needs card, then sessions to invite to, coming up, and to record."""
    sessions = [s for s in queries.list_training_sessions(db.session) if s.is_scheduled]
    cards = [_needs_card(sessions)]
    upcoming = [s for s in sessions if as_utc(s.starts_at) >= now]
    if to_invite := [s for s in upcoming if _invite_note(s)]:
        first = local_start(to_invite[0])
        cards.append(
            Card(
                "training",
                "Sessions with people to invite",
                "Assign people and send the invitations with a calendar file.",
                tuple(_session_line(s, _invite_note(s)) for s in to_invite),
                primary=_session_link(to_invite[0], "Open the next session"),
                deadline=first.date(),
                due=f"Next session on {first:%Y-%m-%d}.",
            )
        )
    if ready := [s for s in upcoming if not _invite_note(s)]:
        cards.append(
            Card(
                "training",
                "Upcoming sessions",
                "Everyone assigned is invited.",
                tuple(_session_line(s, f"{len(s.attendees)} invited") for s in ready),
                primary=_session_link(ready[0], "Open the next session"),
                needs_action=False,
            )
        )
    held = [s for s in sessions if as_utc(s.starts_at) < now]
    if unmarked := [s for s in held if any(a.attended is None for a in s.attendees)]:
        first = local_start(unmarked[0])
        cards.append(
            Card(
                "training",
                "Attendance to record",
                "Record who attended and completed: the training effect counts only what is "
                "recorded before the next cycle closes.",
                tuple(
                    _session_line(s, f"{sum(a.attended is None for a in s.attendees)} to mark")
                    for s in unmarked
                ),
                primary=_session_link(unmarked[0], "Record attendance"),
                deadline=first.date(),
                due=f"Held on {first:%Y-%m-%d}.",
                overdue=True,
            )
        )
    return cards


def _needs_card(sessions: Sequence[TrainingSession]) -> Card:
    """The latest answered cycle's needs that neither a scheduled session of a fitting module
    nor one the person completed serves (as the committee view counts them), by module."""
    cycle = latest_scored_cycle()
    planner = Link("Open the training planner", "training.index")
    if cycle is None:
        return Card(
            "training",
            "Training needs",
            "No check-in is submitted yet: training needs appear once executives submit.",
            primary=planner,
            needs_action=False,
        )
    needs = needs_for(cycle)
    by_module = unserved_by_module(cycle, needs)
    if not by_module:
        served = (
            f"{count(len(needs), 'training need', 'training needs')}, each person assigned "
            "to a coming session or trained since the quarter opened."
        )
        return Card(
            "training",
            f"Training needs, {cycle.id}",
            served if needs else f"No training needs in {cycle.id}.",
            primary=planner,
            needs_action=False,
        )
    lines = tuple(
        Line(
            _title(module),
            _schedule(module),
            f"{count(len(people), 'person', 'people')}: {listed(people.values())}",
        )
        for module, people in by_module.items()
    )
    first = next(iter(by_module))
    return Card(
        "training",
        f"Training needs with no session, {cycle.id}",
        "These people are not assigned to a coming session of a module that fits, and have "
        "not completed one since the quarter opened.",
        lines,
        primary=_schedule(first, f"Schedule “{_title(first)}”"),
        secondary=(planner,),
    )


def unserved_by_module(cycle: Cycle, needs: Sequence[Need]) -> dict[str, dict[str, str]]:
    """Module id → {e-mail: name} of the people whose unserved needs it fits (by the
    planner's rule, ``needs_without_session``), most people first: a person with two needs
    the module covers counts once."""
    found: dict[str, dict[str, str]] = {}
    for need in needs_without_session(cycle, needs):
        for module in need.modules:
            found.setdefault(module, {})[need.email] = need.name
    return dict(sorted(found.items(), key=lambda item: (-len(item[1]), _title(item[0]))))


def _title(module_id: str) -> str:
    module = catalogue().training.get(module_id)
    return module.title if module else module_id


def _schedule(module_id: str, label: str = "") -> Link:
    return Link(label or _title(module_id), "training.schedule", {"module": module_id})


def _session_link(training: TrainingSession, label: str) -> Link:
    return Link(label, "training.training_session", {"training_session_id": str(training.id)})


def _session_line(training: TrainingSession, note: str) -> Line:
    start = local_start(training)
    text = f"{_title(training.module_id)}, {start:%Y-%m-%d %H:%M} ({training.timezone})"
    return Line(text, _session_link(training, text), note)


def _invite_note(training: TrainingSession) -> str:
    """What an upcoming session still lacks ("" when everyone assigned is invited)."""
    if not training.attendees:
        return "nobody assigned yet"
    waiting = sum(1 for a in training.attendees if not a.invited_at)
    return f"{waiting} of {len(training.attendees)} assigned not invited yet" if waiting else ""
