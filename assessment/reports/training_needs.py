"""Training needs: the one place that turns a cycle's levels into needs, at the configured
level (``TRAINING_BELOW_LEVEL``). The results page, the planner, the committee view, the
pack, the API and the CSV all read needs from here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from flask import current_app

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus
from assessment.reports.scores import ScoredPerson, scores_of
from assessment.reports.trends import person_scores
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.training.effect import EffectRow, training_effect
from assessment.services.training.needs import (
    Need,
    PersonLevels,
    completion_by_role,
    training_needs,
    unserved,
)


def needs_below() -> str:
    """The level under which a domain becomes a training need (a rubric level id)."""
    level: str = current_app.config["TRAINING_BELOW_LEVEL"]
    return level


def needs_for(cycle: Cycle, scored: Sequence[ScoredPerson] | None = None) -> list[Need]:
    """Training needs from a cycle's levels: person, role, domain, level, modules. No answers."""
    return needs_of(scored if scored is not None else scores_of(cycle))


def needs_of(scored: Iterable[ScoredPerson], below: str | None = None) -> list[Need]:
    """Training needs of people already scored, at the configured level unless ``below``
    names another (a frozen cycle's pack uses the level stored with it)."""
    people = (
        PersonLevels(s.email, s.name, s.role, {d: v.get("level") for d, v in s.domains.items()})
        for s in scored  # one person's levels at a time
    )
    return training_needs(catalogue().rubric, catalogue().training, people, below or needs_below())


def needs_without_session(
    cycle: Cycle, needs: Sequence[Need] | None = None, now: dt.datetime | None = None
) -> list[Need]:
    """The needs the HR coordinator still has to act on, by one rule for the planner, the
    home page and the committee: the person is neither assigned to a session of a fitting
    module starting within the planning window (``TRAINING_PLANNING_DAYS``) nor has
    completed a fitting module since the cycle opened. A session nobody with the need is
    assigned to is not a plan for them; training completed before the cycle that measured
    the need did not close it."""
    now = now or dt.datetime.now(dt.UTC)
    horizon = now + dt.timedelta(days=int(current_app.config["TRAINING_PLANNING_DAYS"]))
    served = {
        (attendee.person.email, session.module_id)
        for session in queries.list_training_sessions(db.session)
        if session.is_scheduled and now <= as_utc(session.starts_at) <= horizon
        for attendee in session.attendees
    }
    served |= {
        (email, module)
        for email, module, start in queries.completed_modules(db.session)
        if as_utc(start).date() >= cycle.opens
    }
    return unserved(needs_for(cycle) if needs is None else needs, served)


def latest_scored_cycle() -> Cycle | None:
    """The newest cycle with at least one submitted response."""
    for cycle in queries.list_cycles(db.session):
        if queries.has_submissions(db.session, cycle.id):
            return cycle
    return None


@dataclass(frozen=True)
class TrainingStatus:
    needs: int
    planned_sessions: int
    rows: list[tuple[str, int, int]]  # (role label, needs, met by a completed session)
    below: str | None = None  # the level the needs were counted at (absent in old snapshots)


def training_status(
    cycle: Cycle,
    scored: Sequence[ScoredPerson] | None = None,
    needs: Sequence[Need] | None = None,
) -> TrainingStatus:
    """How many training needs the cycle produced and how many were met by completed sessions
    (``needs``: already worked out at the configured level, to save doing it twice)."""
    needs = needs if needs is not None else needs_for(cycle, scored)
    completed = {(email, module) for email, module, _ in queries.completed_modules(db.session)}
    rows = [
        (ROLE_LABELS.get(r.role, r.role), r.needs, r.completed)
        for r in completion_by_role(needs, completed)
    ]
    planned = sum(1 for s in queries.list_training_sessions(db.session) if s.is_scheduled)
    return TrainingStatus(len(needs), planned, rows, needs_below())


def effect_of_training(cycle: Cycle | None) -> tuple[Cycle, list[EffectRow]] | None:
    """Trained against untrained change from the previous cycle to this one, once this one
    has closed.

    Who counts as trained is fixed when the later cycle closes: only completions recorded
    before then count. HR chooses who attended, so if every edit of attendance changed the
    figures, comparing two views would reveal one person's change (a differencing attack);
    with the set frozen there is only one view, and groups below the minimum stay hidden.
    """
    previous = queries.previous_cycle(db.session, cycle) if cycle else None
    if cycle is None or previous is None or cycle.status in (CycleStatus.DRAFT, CycleStatus.OPEN):
        return None
    modules = catalogue().training
    trained: dict[str, set[str]] = {}
    for email, module, start in completions_at_close(cycle):
        if module in modules and previous.opens <= as_utc(start).date() <= cycle.opens:
            trained.setdefault(email, set()).update(modules[module].domains)
    rows = training_effect(
        person_scores(scores_of(previous)),
        person_scores(scores_of(cycle)),
        trained,
        catalogue().rubric.domain_ids,
    )
    shown = [r for r in rows if r.trained or r.untrained]
    return (previous, shown) if shown else None


def completions_at_close(cycle: Cycle) -> list[tuple[str, str, dt.datetime]]:
    """Completed training as it stood when the cycle closed: the record kept at the close, or
    for a cycle closed before such records, the completions recorded before it closed."""
    if cycle.training_at_close is not None:
        return [
            (email, module, dt.datetime.fromisoformat(start))
            for email, module, start in cycle.training_at_close
        ]
    return queries.completed_modules(db.session, closed_at(cycle))


def closed_at(cycle: Cycle) -> dt.datetime:
    """When the cycle closed; for one closed before that was recorded, the end of its last day."""
    if cycle.closed_at is not None:
        return as_utc(cycle.closed_at)
    return dt.datetime.combine(cycle.closes + dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Stored times are UTC; SQLite hands them back without a time zone."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)
