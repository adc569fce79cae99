"""Vectorised scoring of many responses to one questionnaire version at once (NumPy).

Reports score thousands of responses; looping over ``score_response`` would be slow. The
kernels loop over the (few) items and domains and run each step over all responses at once,
in the same order and with the same floating-point operations as ``scoring.score_response``,
so both paths agree to the last bit (a property test checks it).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assessment.services.content.definitions import FOIL_CLAIM, Questionnaire, Rubric
from assessment.services.scoring.single import (
    CONFIDENT,
    CONTRADICTION_GAP,
    LITERACY_TYPES,
    calibration_pairs,
    confidence_probability,
    foil_claims_to_flag,
    item_spread,
    twin_pairs,
    wrong_answer_score,
)

UNANSWERED = -1
Codes = npt.NDArray[np.int16]
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class BatchScores:
    """Scores of n responses; NaN (or -1 for levels) where the one-response path says None."""

    item_scores: Floats  # n × items
    domain_scores: Floats  # n × domains
    domain_levels: Ints  # n × domains, index into rubric.levels
    items_answered: Ints  # n × domains
    dont_know: Ints  # n × domains
    pending: Ints  # n × domains
    scored_items: Ints  # n × domains: answered knowledge and Likert items
    standard_errors: Floats  # n × domains
    overall: Floats  # n
    overall_level: Ints  # n
    calibration_pairs: Ints  # n
    mean_confidence: Floats  # n
    accuracy: Floats  # n
    calibration_bias: Floats  # n
    confident_wrong: Ints  # n
    overclaiming: npt.NDArray[np.bool_]  # n
    contradictions: Ints  # n


def encode_answers(
    questionnaire: Questionnaire, responses: Sequence[Mapping[str, object]]
) -> Codes:
    """Answers as an n × items matrix: choice index, Likert value, or -1 for unanswered."""
    encode = answer_encoder(questionnaire)
    rows = [encode(answers) for answers in responses]
    return np.array(rows, dtype=np.int16).reshape(len(responses), len(questionnaire.items))


def answer_encoder(questionnaire: Questionnaire) -> Callable[[Mapping[str, object]], list[int]]:
    """A function from one response's answers to its row of codes (see ``encode_answers``)."""
    # One lookup per item from every accepted answer value to its code; comments and
    # unanswered items map to -1. Built once, so the per-response work is plain dict access.
    lookups: list[dict[object, int]] = []
    for item in questionnaire.items:
        if item.choices:
            lookups.append({c.id: k for k, c in enumerate(item.choices)})
        elif item.on_scale:
            lookups.append({v: v for v in range(1, 6)})
        else:
            lookups.append({})
    pairs = [(item.id, lookup) for item, lookup in zip(questionnaire.items, lookups, strict=True)]

    def encode(answers: Mapping[str, object]) -> list[int]:
        return [lookup.get(answers.get(item_id), UNANSWERED) for item_id, lookup in pairs]

    return encode


def _choice_index(questionnaire: Questionnaire, item_id: str, choice_id: str | None) -> int:
    item = questionnaire.item(item_id)
    return next((k for k, c in enumerate(item.choices) if c.id == choice_id), -2)


def score_batch(
    questionnaire: Questionnaire,
    rubric: Rubric,
    codes: Codes,
    facts: Mapping[str, str] | None = None,
    *,
    min_items: int | None = None,
) -> BatchScores:
    """Score every row of ``codes`` (from ``encode_answers``) against one cycle's facts."""
    facts = facts or {}
    min_items = rubric.min_domain_items if min_items is None else min_items
    n = codes.shape[0]
    # Work column-wise: one contiguous row per item and per domain keeps every step a
    # straight pass over memory; results are transposed back to responses × columns.
    by_item = np.ascontiguousarray(codes.T)
    domain_index = {d: k for k, d in enumerate(rubric.domain_ids)}
    numerator = np.zeros((len(domain_index), n))
    denominator = np.zeros((len(domain_index), n))
    item_scores = np.full(by_item.shape, np.nan)
    answered_counts = np.zeros((len(domain_index), n), dtype=np.int64)
    dont_know = np.zeros_like(answered_counts)
    pending = np.zeros_like(answered_counts)
    scored_items = np.zeros_like(answered_counts)
    spread = np.zeros((len(domain_index), n))

    for column, item in enumerate(questionnaire.items):
        if not item.is_scored:
            continue
        code = by_item[column]
        answered = code != UNANSWERED
        d = domain_index[item.domain]
        answered_counts[d] += answered
        if item.type == "likert":
            plain = (code - 1) / 4
            score = 1 - plain if item.reverse else plain
        else:
            dk = _choice_index(questionnaire, item.id, item.dont_know_choice)
            dont_know[d] += code == dk
            if item.type == "belief":  # compared in the gap report, never scored
                if item.fact not in facts:
                    pending[d] += answered
                continue
            right = code == _choice_index(questionnaire, item.id, item.correct_choice)
            score = np.where(right, 1.0, np.where(code == dk, 0.0, wrong_answer_score(item)))
        score = np.where(answered, score, np.nan)
        item_scores[column] = score
        numerator[d] += np.where(answered, item.weight * score, 0.0)
        denominator[d] += np.where(answered, item.weight, 0.0)
        if item.type in LITERACY_TYPES:
            scored_items[d] += answered
            spread[d] += np.where(answered, (item.weight * item_spread(item)) ** 2, 0.0)

    enough = (denominator > 0) & (scored_items >= min_items)
    with np.errstate(invalid="ignore", divide="ignore"):
        domain_scores = np.where(enough, 100.0 * numerator / denominator, np.nan)
        standard_errors = np.where(enough, 100.0 * np.sqrt(spread) / denominator, np.nan)
    overall = _overall(rubric, questionnaire.role, domain_scores)
    calibration = _calibrate(questionnaire, by_item)
    overclaiming, contradictions = _flags(questionnaire, by_item)
    return BatchScores(
        item_scores=item_scores.T,
        domain_scores=domain_scores.T,
        domain_levels=_levels(rubric, domain_scores).T,
        items_answered=answered_counts.T,
        dont_know=dont_know.T,
        pending=pending.T,
        scored_items=scored_items.T,
        standard_errors=standard_errors.T,
        overall=overall,
        overall_level=_levels(rubric, overall),
        calibration_pairs=calibration[0],
        mean_confidence=calibration[1],
        accuracy=calibration[2],
        calibration_bias=calibration[3],
        confident_wrong=calibration[4],
        overclaiming=overclaiming,
        contradictions=contradictions,
    )


def _levels(rubric: Rubric, scores: Floats) -> Ints:
    """Index of the highest level reached, -1 where there is no score."""
    thresholds = np.array([level.min for level in rubric.levels])
    reached = (scores[..., None] >= thresholds).sum(axis=-1) - 1
    return np.where(np.isnan(scores), -1, np.maximum(reached, 0)).astype(np.int64)


def _overall(rubric: Rubric, role: str, domain_scores: Floats) -> Floats:
    weights = rubric.role_weights.get(role, {})
    total = np.zeros(domain_scores.shape[1])
    weight_sum = np.zeros(domain_scores.shape[1])
    for k, domain_id in enumerate(rubric.domain_ids):
        weight = weights.get(domain_id, 0.0)
        if weight > 0:
            has = ~np.isnan(domain_scores[k])
            total += np.where(has, weight * np.nan_to_num(domain_scores[k]), 0.0)
            weight_sum += np.where(has, weight, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(weight_sum > 0, total / weight_sum, np.nan)


def _calibrate(
    questionnaire: Questionnaire, by_item: Codes
) -> tuple[Ints, Floats, Floats, Floats, Ints]:
    n = by_item.shape[1]
    columns = {item.id: k for k, item in enumerate(questionnaire.items)}
    confidence_sum, correct_sum = np.zeros(n), np.zeros(n)
    pairs, confident_wrong = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    for item, knowledge in calibration_pairs(questionnaire):
        rating, chosen = by_item[columns[item.id]], by_item[columns[knowledge.id]]
        dk = _choice_index(questionnaire, knowledge.id, knowledge.dont_know_choice)
        usable = (rating != UNANSWERED) & (chosen != UNANSWERED) & (chosen != dk)
        right = chosen == _choice_index(questionnaire, knowledge.id, knowledge.correct_choice)
        # The same per-value probability as the one-response path, looked up by rating.
        probability = np.array(
            [confidence_probability(knowledge, v) if v >= 1 else 0.0 for v in range(6)]
        )
        confidence_sum += np.where(usable, probability[np.clip(rating, 0, 5)], 0.0)
        correct_sum += np.where(usable & right, 1.0, 0.0)
        pairs += usable
        confident_wrong += usable & (rating >= CONFIDENT) & ~right
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.where(pairs > 0, confidence_sum / pairs, np.nan)
        accuracy = np.where(pairs > 0, correct_sum / pairs, np.nan)
    return pairs, mean_confidence, accuracy, mean_confidence - accuracy, confident_wrong


def _flags(questionnaire: Questionnaire, by_item: Codes) -> tuple[npt.NDArray[np.bool_], Ints]:
    columns = {item.id: k for k, item in enumerate(questionnaire.items)}
    n = by_item.shape[1]
    claims = np.zeros(n, dtype=np.int64)
    foils = [item for item in questionnaire.items if item.type == "foil"]
    for item in foils:
        claim = _choice_index(questionnaire, item.id, FOIL_CLAIM)
        claims += by_item[columns[item.id]] == claim
    overclaiming = (claims > 0) & (claims >= foil_claims_to_flag(len(foils)))
    contradictions = np.zeros(n, dtype=np.int64)
    for item, twin in twin_pairs(questionnaire):
        first, second = by_item[columns[item.id]], by_item[columns[twin.id]]
        plain_first, plain_second = (first - 1) / 4, (second - 1) / 4
        score_first = 1 - plain_first if item.reverse else plain_first
        score_second = 1 - plain_second if twin.reverse else plain_second
        both = (first != UNANSWERED) & (second != UNANSWERED)
        contradictions += both & (np.abs(score_first - score_second) >= CONTRADICTION_GAP)
    return overclaiming, contradictions
