"""A cycle's stored inputs, read once and handed to the pure core: answers and beliefs."""

from __future__ import annotations

from collections.abc import Iterator

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.services.gaps.report import Belief
from assessment.services.scoring.answer_matrix import CycleAnswers, collect_answers


def cycle_answers(cycle_id: str) -> CycleAnswers:
    """Every submitted answer of the cycle in compact form, from one streaming read."""
    return collect_answers(queries.iter_submitted_answers(db.session, cycle_id), catalogue().get)


def cycle_answers_by_id(cycle_id: str) -> tuple[CycleAnswers, tuple[int, ...]]:
    """``cycle_answers`` and the id of each response read, position k the k-th (what a kept
    score is checked against: ``reports.score_cache``)."""
    ids: list[int] = []

    def responses() -> Iterator[queries.SubmittedAnswers]:
        for response in queries.iter_submitted_answers(db.session, cycle_id):
            ids.append(response.response_id)
            yield response

    return collect_answers(responses(), catalogue().get), tuple(ids)


def answers_to(cycle_id: str, item_type: str) -> Iterator[queries.SubmittedAnswers]:
    """Each submitted response with only its answers to items of one type (comments, the
    pulse): a cycle of 10,000 responses has millions of other answers not worth reading."""
    cycle = queries.get_cycle(db.session, cycle_id)
    items = {
        item.id
        for pin in (cycle.pinned if cycle else [])
        for item in catalogue().get(pin.questionnaire_id, pin.version).items
        if item.type == item_type
    }
    return queries.iter_submitted_answers(db.session, cycle_id, items)


def cycle_beliefs(
    cycle_id: str, loaded: list[queries.SubmittedAnswers] | None = None
) -> list[Belief]:
    """Every answered belief item of the cycle's submitted responses."""
    beliefs = []
    for response in (
        loaded if loaded is not None else queries.submitted_answers(db.session, cycle_id)
    ):
        questionnaire = catalogue().get(response.questionnaire_id, response.version)
        for item in questionnaire.items:
            belief = response.answers.get(item.id)
            if item.type == "belief" and isinstance(belief, str) and item.fact:
                beliefs.append(
                    Belief(response.email, response.name, response.role, item.id, item.fact, belief)
                )
    return beliefs
