"""Scores of a whole cycle: computed with the vectorised path, or as stored once frozen."""

from __future__ import annotations

from collections.abc import Sequence

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle
from assessment.reports.cycle_inputs import cycle_answers
from assessment.reports.frozen import stored_scores
from assessment.reports.score_cache import CycleFigures
from assessment.services.content.definitions import Questionnaire
from assessment.services.scoring.answer_matrix import CycleAnswers
from assessment.services.scoring.people import ScoredPeople, ScoredPerson, score_answers

__all__ = ["ScoredPerson", "pinned_items", "score_cycle", "scores_of"]


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


def scores_of(cycle: Cycle, answers: CycleAnswers | None = None) -> Sequence[ScoredPerson]:
    """Scores as stored for a frozen cycle, computed from the stored answers otherwise
    (``answers``: already read, to save a second read; without them, scores computed before
    from the same rows are reused: ``reports.score_cache``)."""
    if answers is None:
        return CycleFigures([cycle]).scores(cycle)
    if cycle.is_frozen:
        snapshot = queries.latest_snapshot(db.session, cycle.id)
        if snapshot is not None:
            return stored_scores(snapshot)
    return score_cycle(cycle.id, answers=answers)


def pinned_items(cycle: Cycle) -> dict[str, set[str]]:
    """Item ids of each role's pinned questionnaire."""
    found: dict[str, set[str]] = {}
    for pin in cycle.pinned:
        questionnaire: Questionnaire = catalogue().get(pin.questionnaire_id, pin.version)
        found[pin.role] = {item.id for item in questionnaire.items}
    return found
