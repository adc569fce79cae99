"""A cycle's life: created as a draft, opened (questionnaires pinned), closed, frozen (its
reports stored), and recomputed as a new report version."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from assessment import queries
from assessment.actions import audit, regimes
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, Invalid
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus, Person
from assessment.reports.peer_benchmark import cycle_benchmark
from assessment.reports.snapshots import snapshot_payload
from assessment.services.benchmarks.stored import benchmark_json
from assessment.services.content.definitions import ROLES, Questionnaire
from assessment.services.scoring.single import SCORING_VERSION
from assessment.services.text import clean_text, text_problem


class Transition(StrEnum):
    OPEN = "open"
    CLOSE = "close"
    FREEZE = "freeze"
    RECOMPUTE = "recompute"
    REOPEN = "reopen"


# Each transition, the status it starts from and the status it leaves.
RULES: Final = {
    Transition.OPEN: (CycleStatus.DRAFT, CycleStatus.OPEN),
    Transition.CLOSE: (CycleStatus.OPEN, CycleStatus.CLOSED),
    Transition.FREEZE: (CycleStatus.CLOSED, CycleStatus.FROZEN),
    Transition.RECOMPUTE: (CycleStatus.FROZEN, CycleStatus.FROZEN),
    # A cycle closed too early (someone was mid-way) can take answers again; freezing is the
    # point of no return, since frozen reports may already have reached the board.
    Transition.REOPEN: (CycleStatus.CLOSED, CycleStatus.OPEN),
}


@dataclass(frozen=True)
class Changed:
    cycle: Cycle
    transition: Transition
    report_version: int | None = None  # set by freeze and recompute


def create_cycle(
    actor: Actor, cycle_id: str, opens: dt.date, closes: dt.date, *, open_if_current: bool = False
) -> Cycle:
    """Add a draft cycle; with ``open_if_current``, one whose dates include today opens at once."""
    if closes < opens:
        raise Invalid("closes is before opens.", {"closes": "must not be before opens"})
    if queries.get_cycle(db.session, cycle_id):
        raise Conflict(f"Cycle {cycle_id} exists already.", {"id": "exists"})
    cycle = queries.create_cycle(db.session, cycle_id, opens, closes)
    audit.record(
        actor, "cycle_created", cycle.id, opens=opens.isoformat(), closes=closes.isoformat()
    )
    if open_if_current and opens <= dt.date.today() <= closes:
        change_status(actor, cycle, Transition.OPEN)
    return cycle


def change_status(
    actor: Actor,
    cycle: Cycle,
    transition: Transition | str,
    *,
    closes: dt.date | None = None,
    reason: str = "",
) -> Changed:
    """Move the cycle one step along its life, or ``Conflict`` when its status forbids it.

    Reopening may set a new closing date (it must then not be in the past: a cycle open
    until yesterday would read as closed to everyone it invites) and records the reason."""
    try:
        step = Transition(transition)
    except ValueError as error:
        raise Invalid(f"Unknown change {transition!r}.", {"action": "unknown"}) from error
    before, after = RULES[step]
    if cycle.status != before:
        raise Conflict(
            f"Cycle {cycle.id} is {cycle.status}: it cannot be {_past(step)}.",
            {"status": f"is {cycle.status}"},
        )
    details: dict[str, object] = {}
    if step is Transition.REOPEN:
        details = _reopen(cycle, closes, reason)
    version = None
    if step is Transition.OPEN:
        applicable = regimes.applicable()
        cycle.regimes = sorted(applicable)
        queries.open_cycle(db.session, cycle, forms_to_pin(cycle, applicable))
    elif step is Transition.CLOSE:
        cycle.closed_at = dt.datetime.now(dt.UTC)
        # Who had completed which training, frozen at the first close: the training effect
        # of this cycle is computed from this record, never from attendance edited later
        # (F-01), not even between a reopening and the next close.
        if cycle.training_at_close is None:
            cycle.training_at_close = [
                [email, module, start.isoformat()]
                for email, module, start in queries.completed_modules(db.session)
            ]
    elif step in (Transition.FREEZE, Transition.RECOMPUTE):
        version = _store_reports(cycle, _person(actor))
    cycle.status = after
    db.session.flush()
    details["status"] = str(after)
    if version is not None:
        details["report_version"] = version
    audit.record(actor, f"cycle_{step}", cycle.id, **details)
    return Changed(cycle, step, version)


def _reopen(cycle: Cycle, closes: dt.date | None, reason: str) -> dict[str, object]:
    """Take answers again, until the closing date given. The training record taken at the
    first close stays: redoing it after editing attendance would let the committee compare
    two views of the training effect and single someone out (F-01). Returns what the audit
    should keep."""
    if problem := text_problem(reason):
        raise Invalid(f"reason: {problem}", {"reason": problem})
    new_closes = closes or cycle.closes
    if new_closes < dt.date.today():
        raise Invalid(
            f"The closing date {new_closes.isoformat()} has passed: choose a date from today on.",
            {"closes": "in the past"},
        )
    if new_closes < cycle.opens:
        raise Invalid("closes is before opens.", {"closes": "must not be before opens"})
    details: dict[str, object] = {"reason": clean_text(reason)}
    if new_closes != cycle.closes:
        details["closes"] = {"from": cycle.closes.isoformat(), "to": new_closes.isoformat()}
        cycle.closes = new_closes
    cycle.closed_at = None
    return details


def forms_to_pin(cycle: Cycle, applicable: frozenset[str]) -> dict[str, tuple[str, str]]:
    """Each role's form (id, version) for a cycle opening now: the current questionnaire's
    next form after the one the role answered in the cycle before (so consecutive cycles
    differ and last quarter's feedback gives nothing away), without the items of regimes
    that do not apply."""
    pinned: dict[str, tuple[str, str]] = {}
    for role in ROLES:
        current = catalogue().current(role)
        if current is None:
            continue
        letter = _next_form(current, _last_form(cycle, role, current))
        form = catalogue().form_for(current, letter, applicable)
        pinned[role] = (form.id, form.version)
    return pinned


def _last_form(cycle: Cycle, role: str, current: Questionnaire) -> str | None:
    """The form letter the role answered in the latest earlier cycle that pinned one."""
    earlier = [c for c in queries.cycles_in_order(db.session) if c.opens < cycle.opens]
    for before in reversed(earlier):
        pin = before.pinned_for(role)
        if pin is None:
            continue
        try:
            form = catalogue().get(pin.questionnaire_id, pin.version)
        except KeyError:
            return None
        return form.form if form.family == current.id else None
    return None


def _next_form(current: Questionnaire, last: str | None) -> str | None:
    if not current.forms:
        return None
    if last not in current.forms:
        return current.forms[0]
    return current.forms[(current.forms.index(last) + 1) % len(current.forms)]


def _store_reports(cycle: Cycle, person: Person | None) -> int:
    """Store the scores and reports as computed now; returns the new report version."""
    payload = snapshot_payload(cycle)
    organisation = queries.get_organisation(db.session, cycle.organisation_id)
    if organisation is not None and organisation.benchmark_opt_in:
        # Kept with the reports: a frozen cycle's pack must read the same every time, while
        # the peers' figures move as more organisations close the same quarter.
        payload["peer_benchmark"] = benchmark_json(cycle_benchmark(cycle))
    return queries.add_snapshot(db.session, cycle.id, SCORING_VERSION, payload, person).version


def _person(actor: Actor) -> Person | None:
    return queries.get_person(db.session, actor.person_id) if actor.person_id else None


def _past(step: Transition) -> str:
    return {
        "open": "opened",
        "close": "closed",
        "freeze": "frozen",
        "recompute": "recomputed",
        "reopen": "reopened",
    }[step]
