"""Scores of a whole cycle (vectorised), frozen snapshots, and the quarter-to-quarter view."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app

from . import queries
from .catalogue import catalogue
from .extensions import db
from .models import ROLE_LABELS, Cycle, Person
from .reporting import cycle_answers, cycle_gap_report
from .services.cycle_answers import CycleAnswers
from .services.definitions import Questionnaire
from .services.gap_view import headline
from .services.scored_people import ScoredPeople, ScoredPerson, score_answers
from .services.scoring import SCORING_VERSION
from .services.trends import (
    PersonScores,
    TrendReport,
    TrendSettings,
    comparable_share,
    compare_cycles,
)
from .views.api_shapes import gaps_json


def score_cycle(
    cycle_id: str,
    only_items: dict[str, set[str]] | None = None,
    answers: CycleAnswers | None = None,
) -> ScoredPeople:
    """Score every submitted response of the cycle with the vectorised path, by (role, email).

    ``only_items`` restricts each role's questionnaire to the given item ids (for comparisons
    between cycles that pinned different questionnaire versions). ``answers`` saves a second
    read when the caller has them already.
    """
    return score_answers(
        answers if answers is not None else cycle_answers(cycle_id),
        catalogue().rubric,
        queries.fact_categories(db.session, cycle_id),
        only_items,
    )


def scores_of(cycle: Cycle) -> Sequence[ScoredPerson]:
    """Scores as stored for a frozen cycle, computed from the stored answers otherwise."""
    if cycle.status == "frozen":
        snapshot = queries.latest_snapshot(db.session, cycle.id)
        if snapshot is not None:
            rows: list[dict[str, Any]] = snapshot.payload["scores"]  # type: ignore[assignment]
            return [ScoredPerson(**row) for row in rows]
    return score_cycle(cycle.id)


def freeze(cycle: Cycle, person: Person | None) -> int:
    """Store the cycle's scores and gap report as computed now; returns the report version."""
    report = cycle_gap_report(cycle.id)
    fresh = score_cycle(cycle.id)  # recomputing must not reuse an earlier snapshot
    payload: dict[str, object] = {
        "scores": [dataclasses.asdict(s) for s in fresh],
        "gaps": gaps_json(report),
        "headline": headline(report, catalogue().facts, ROLE_LABELS),
        "optimism_index": report.overall.optimism_index,
    }
    from . import committee  # the committee module builds on this one

    status = committee.training_status(cycle, fresh)
    payload["training"] = dataclasses.asdict(status)
    payload["actions"] = committee.open_actions(cycle, report)
    snapshot = queries.add_snapshot(db.session, cycle.id, SCORING_VERSION, payload, person)
    cycle.status = "frozen"
    db.session.flush()
    return snapshot.version


def optimism_index_of(cycle: Cycle) -> float | None:
    """The cycle's overall optimism index (stored for frozen cycles)."""
    if cycle.status == "frozen":
        snapshot = queries.latest_snapshot(db.session, cycle.id)
        if snapshot is not None:
            value = snapshot.payload.get("optimism_index")
            return float(value) if isinstance(value, int | float) else None
    return cycle_gap_report(cycle.id).overall.optimism_index


def pinned_items(cycle: Cycle) -> dict[str, set[str]]:
    """Item ids of each role's pinned questionnaire."""
    found: dict[str, set[str]] = {}
    for pin in cycle.pinned:
        questionnaire: Questionnaire = catalogue().get(pin.questionnaire_id, pin.version)
        found[pin.role] = {item.id for item in questionnaire.items}
    return found


@dataclass(frozen=True)
class CycleComparison:
    earlier: Cycle
    later: Cycle
    comparable_items: float
    report: TrendReport
    settings: TrendSettings


def trend_settings() -> TrendSettings:
    config = current_app.config
    return TrendSettings(
        min_pairs_test=int(config["TREND_MIN_PAIRS_TEST"]),
        min_pairs_interval=int(config["TREND_MIN_PAIRS_INTERVAL"]),
        seed=int(config["TREND_SEED"]),
    )


def compare(earlier: Cycle, later: Cycle) -> CycleComparison:
    """Trends between two cycles over the items common to both (all items when unchanged)."""
    before, after = pinned_items(earlier), pinned_items(later)
    common = {role: before.get(role, set()) & after.get(role, set()) for role in before | after}
    share = comparable_share(
        set().union(*before.values()) if before else set(),
        set().union(*after.values()) if after else set(),
    )
    if share == 1.0:
        first, second = scores_of(earlier), scores_of(later)
    else:
        first, second = score_cycle(earlier.id, common), score_cycle(later.id, common)
    settings = trend_settings()
    report = compare_cycles(
        _trend_input(first), _trend_input(second), catalogue().rubric.domain_ids, settings
    )
    return CycleComparison(earlier, later, share, report, settings)


def _trend_input(scored: Sequence[ScoredPerson]) -> list[PersonScores]:
    return [
        PersonScores(s.email, s.role, s.overall, {d: v["score"] for d, v in s.domains.items()})
        for s in scored
    ]
