"""Scoring one response: item scores, domain scores, overall, calibration, quality flags.

Every number explains itself: an item's answer, the rule applied, its weight, and its
contribution to the domain score. The arithmetic is written so that the vectorised path in
``batch_scoring`` performs the same floating-point operations in the same order and therefore
gives bit-identical results (see docs/scoring.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from assessment.services.content.definitions import (
    DONT_KNOW,
    FOIL_CLAIM,
    Item,
    Questionnaire,
    Rubric,
    scale_label,
)

SCORING_VERSION = "2"  # 2: beliefs left out of literacy, formula scoring, domain minimum
LITERACY_TYPES = ("knowledge", "likert")  # the only items a literacy score is built from
FOIL_CLAIMS_TO_FLAG = 2  # one "yes" to a made-up rule is often a slip; two are a pattern
CONTRADICTION_GAP = 0.75  # keyed twin scores this far apart: e.g. "strongly agree" to both
CONFIDENT = 4  # confidence answers of 4 ("sure") or 5 ("certain")


@dataclass(frozen=True)
class ItemResult:
    item_id: str
    type: str
    domain: str
    status: str  # scored | unanswered | pending | compared | not_scored
    answered: bool
    dont_know: bool
    value: object
    score: float | None  # 0-1, None unless scored
    weight: float
    contribution: float | None  # points of the domain's 0-100 score
    explanation: str


@dataclass(frozen=True)
class DomainResult:
    domain_id: str
    # At most 100; below 0 when wrong answers outweigh right ones (formula scoring); None with
    # too few answered literacy items (never 0 for that).
    score: float | None
    level: str | None
    items_answered: int  # answered knowledge, Likert and belief items (pending beliefs included)
    dont_know: int
    dont_know_rate: float | None  # over answered knowledge and belief items
    pending: int  # answered beliefs waiting for their fact
    scored_items: int = 0  # answered knowledge and Likert items: what the score rests on
    standard_error: float | None = None  # points; the widest these items allow (docs/scoring.md)

    @property
    def enough(self) -> bool:
        """False when the domain had answers but too few to carry a score."""
        return self.score is not None


@dataclass(frozen=True)
class Calibration:
    pairs: int  # (confidence answer, answered knowledge item) pairs, don't-knows excluded
    mean_confidence: float | None  # confidence as a probability of being right
    accuracy: float | None
    bias: float | None  # > 0 over-confident, < 0 under-confident
    confident_wrong: int


@dataclass(frozen=True)
class QualityFlag:
    code: str  # overclaiming | contradiction
    item_ids: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class ScoreResult:
    questionnaire_id: str
    version: str
    role: str
    scoring_version: str
    items: tuple[ItemResult, ...]
    domains: tuple[DomainResult, ...]
    overall: float | None
    overall_level: str | None
    calibration: Calibration
    flags: tuple[QualityFlag, ...]
    pending_beliefs: tuple[str, ...]

    def domain(self, domain_id: str) -> DomainResult:
        return next(d for d in self.domains if d.domain_id == domain_id)

    def item(self, item_id: str) -> ItemResult:
        return next(i for i in self.items if i.item_id == item_id)


def likert_score(item: Item, value: int) -> float:
    """(x - 1) / 4, mirrored for a negatively worded statement."""
    plain = (value - 1) / 4
    return 1 - plain if item.reverse else plain


def wrong_answer_score(item: Item) -> float:
    """Formula scoring: a wrong answer costs 1 / (k - 1) among k real answers, so a blind guess
    averages 1/k - (k-1)/k × 1/(k-1) = 0, exactly what "don't know" scores."""
    return -1.0 / (real_answers(item) - 1)


def real_answers(item: Item) -> int:
    return sum(1 for c in item.choices if not c.dont_know)


def item_spread(item: Item) -> float:
    """Half the range of an item's score: the largest standard deviation it can have."""
    if item.type == "knowledge":
        return (1.0 - wrong_answer_score(item)) / 2
    return 0.5


def confidence_probability(knowledge: Item, value: int) -> float:
    """Confidence 1-5 read as a probability, linear from chance (1 / options) to certainty."""
    chance = 1 / sum(1 for c in knowledge.choices if not c.dont_know)
    return chance + (1 - chance) * (value - 1) / 4


def _item_score(
    item: Item, value: object, facts: Mapping[str, str]
) -> tuple[str, float | None, str]:
    """(status, score, explanation without the weight) of one item."""
    if item.type in ("confidence", "foil", "comment", "pulse"):
        reason = {
            "confidence": "Confidence rating: used for calibration only, never part of a score.",
            "foil": "Not scored: a response-quality check.",
            "comment": "Free text: not scored.",
            "pulse": "Climate pulse: not scored, reported only as a group total.",
        }[item.type]
        return "not_scored", None, reason
    if value is None:
        return "unanswered", None, "Not answered: left out of the score."
    if item.type == "likert":
        assert isinstance(value, int)
        words = f'{value} of 5 ("{scale_label(item, value)}")'
        score = likert_score(item, value)
        if item.reverse:
            return (
                "scored",
                score,
                f"You answered {words} to a negatively worded statement: "
                f"1 − ({value} − 1) / 4 = {score:.2f}",
            )
        return "scored", score, f"You answered {words}: ({value} − 1) / 4 = {score:.2f}"
    assert isinstance(value, str)
    chosen = item.choice_label(value)
    if item.type == "knowledge":
        if value == item.dont_know_choice:
            return (
                "scored",
                0.0,
                f'"{chosen}": 0, counted as don\'t know (never worth less than a guess)',
            )
        if value == item.correct_choice:
            return "scored", 1.0, f'You chose "{chosen}", the keyed answer: 1'
        keyed = item.choice_label(item.correct_choice or "")
        wrong = wrong_answer_score(item)
        return (
            "scored",
            wrong,
            f'You chose "{chosen}"; the keyed answer is "{keyed}": −1/{real_answers(item) - 1} '
            f'= {wrong:.2f}, so that guessing averages the same as "don\'t know"',
        )
    actual = facts.get(item.fact or "")
    if actual is None:
        return "pending", None, f'You believe "{chosen}"; waiting for the fact report.'
    reported = item.choice_label(actual)
    outcome = (
        "you said you don't know"
        if value == DONT_KNOW
        else ("the same" if value == actual else f'"{reported}"')
    )
    return (
        "compared",
        None,
        f'You believe "{chosen}"; the owner reports {outcome}. Compared in the gap report; '
        "never part of your literacy score.",
    )


def score_response(
    questionnaire: Questionnaire,
    rubric: Rubric,
    answers: Mapping[str, object],
    facts: Mapping[str, str] | None = None,
    *,
    min_items: int | None = None,
) -> ScoreResult:
    """Score one response. ``facts`` maps fact ids to their reported category for the cycle;
    a domain with fewer than ``min_items`` (default: the rubric's) answered literacy items
    gets no score."""
    facts = facts or {}
    min_items = rubric.min_domain_items if min_items is None else min_items
    domain_ids = rubric.domain_ids
    numerator = dict.fromkeys(domain_ids, 0.0)
    denominator = dict.fromkeys(domain_ids, 0.0)
    partial: list[tuple[Item, str, float | None, str]] = []
    for item in questionnaire.items:
        value = answers.get(item.id)
        value = None if value == "" else value
        status, score, why = _item_score(item, value, facts)
        if score is not None:
            numerator[item.domain] += item.weight * score
            denominator[item.domain] += item.weight
        partial.append((item, status, score, why))

    items = tuple(
        _item_result(item, answers.get(item.id), status, score, why, denominator)
        for item, status, score, why in partial
    )
    spread = _spread_by_domain(questionnaire, answers)
    domains = tuple(
        _domain_result(
            rubric, d, numerator[d], denominator[d], items, spread.get(d, 0.0), min_items
        )
        for d in domain_ids
    )
    overall = _overall(rubric, questionnaire.role, domains)
    return ScoreResult(
        questionnaire_id=questionnaire.id,
        version=questionnaire.version,
        role=questionnaire.role,
        scoring_version=SCORING_VERSION,
        items=items,
        domains=domains,
        overall=overall,
        overall_level=rubric.level_for(overall).id if overall is not None else None,
        calibration=calibrate(questionnaire, answers),
        flags=quality_flags(questionnaire, answers),
        pending_beliefs=tuple(r.item_id for r in items if r.status == "pending"),
    )


def _item_result(
    item: Item,
    value: object,
    status: str,
    score: float | None,
    why: str,
    denominator: Mapping[str, float],
) -> ItemResult:
    answered = value not in (None, "")
    contribution = None
    if score is not None:
        contribution = 100.0 * item.weight * score / denominator[item.domain]
        why = f"{why} × weight {item.weight:g} → {contribution:.1f} points of {item.domain}."
    dont_know = answered and item.type in ("knowledge", "belief") and value == item.dont_know_choice
    return ItemResult(
        item.id,
        item.type,
        item.domain,
        status,
        answered,
        dont_know,
        value if answered else None,
        score,
        item.weight,
        contribution,
        why,
    )


def _spread_by_domain(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> dict[str, float]:
    """Per domain, the sum of (weight × largest item SD)² over answered literacy items."""
    total: dict[str, float] = {}
    for item in questionnaire.items:
        if item.type in LITERACY_TYPES and answers.get(item.id) not in (None, ""):
            widest = (item.weight * item_spread(item)) ** 2
            total[item.domain] = total.get(item.domain, 0.0) + widest
    return total


def standard_error(spread: float, denominator: float) -> float:
    """Standard error of a weighted mean of independent items at their widest spread, in
    points: 100 × sqrt(Σ (wᵢ sᵢ)²) / Σ wᵢ. Two four-choice items of weight 1 give ±47."""
    return 100.0 * math.sqrt(spread) / denominator


def _domain_result(
    rubric: Rubric,
    domain_id: str,
    numerator: float,
    denominator: float,
    items: tuple[ItemResult, ...],
    spread: float,
    min_items: int,
) -> DomainResult:
    mine = [
        r
        for r in items
        if r.domain == domain_id and r.answered and r.type in ("knowledge", "likert", "belief")
    ]
    choice_items = [r for r in mine if r.type != "likert"]
    dont_know = sum(r.dont_know for r in mine)
    scored_items = sum(r.type in LITERACY_TYPES for r in mine)
    enough = denominator > 0 and scored_items >= min_items
    # No floor at 0: clipping a guesser's negative domains to 0 would hand back on average
    # what formula scoring takes away (about 10 points in a four-question domain).
    score = 100.0 * numerator / denominator if enough else None
    return DomainResult(
        domain_id=domain_id,
        score=score,
        level=rubric.level_for(score).id if score is not None else None,
        items_answered=len(mine),
        dont_know=dont_know,
        dont_know_rate=dont_know / len(choice_items) if choice_items else None,
        pending=sum(r.status == "pending" for r in mine),
        scored_items=scored_items,
        standard_error=standard_error(spread, denominator) if enough else None,
    )


def _overall(rubric: Rubric, role: str, domains: tuple[DomainResult, ...]) -> float | None:
    """Role-weighted mean over the domains that have a score (weights renormalised)."""
    weights = rubric.role_weights.get(role, {})
    total, weight_sum = 0.0, 0.0
    for domain in domains:
        weight = weights.get(domain.domain_id, 0.0)
        if weight > 0 and domain.score is not None:
            total += weight * domain.score
            weight_sum += weight
    return total / weight_sum if weight_sum > 0 else None


def foil_claims_to_flag(foils: int) -> int:
    """Two claims raise the flag; an older form with a single foil flags on that one."""
    return min(FOIL_CLAIMS_TO_FLAG, foils)


def calibrate(questionnaire: Questionnaire, answers: Mapping[str, object]) -> Calibration:
    """Mean confidence (as a probability) against accuracy on the linked knowledge items."""
    confidence_sum, correct_sum, pairs, confident_wrong = 0.0, 0.0, 0, 0
    for item, knowledge in calibration_pairs(questionnaire):
        rating, chosen = answers.get(item.id), answers.get(knowledge.id)
        if not isinstance(rating, int) or chosen in (None, "", knowledge.dont_know_choice):
            continue
        right = chosen == knowledge.correct_choice
        confidence_sum += confidence_probability(knowledge, rating)
        correct_sum += 1.0 if right else 0.0
        pairs += 1
        confident_wrong += rating >= CONFIDENT and not right
    if pairs == 0:
        return Calibration(0, None, None, None, 0)
    mean_confidence, accuracy = confidence_sum / pairs, correct_sum / pairs
    return Calibration(
        pairs, mean_confidence, accuracy, mean_confidence - accuracy, confident_wrong
    )


def calibration_pairs(questionnaire: Questionnaire) -> list[tuple[Item, Item]]:
    """(confidence item, knowledge item) for every link, in questionnaire order."""
    by_id = {item.id: item for item in questionnaire.items}
    return [
        (item, by_id[link])
        for item in questionnaire.items
        if item.type == "confidence"
        for link in item.links
    ]


def twin_pairs(questionnaire: Questionnaire) -> list[tuple[Item, Item]]:
    """(item, its oppositely worded twin) for every declared twin, in questionnaire order."""
    by_id = {item.id: item for item in questionnaire.items}
    return [(item, by_id[item.twin]) for item in questionnaire.items if item.twin]


def quality_flags(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> tuple[QualityFlag, ...]:
    """Over-claiming on foils, and contradictory answers to an oppositely worded pair."""
    foils = [item for item in questionnaire.items if item.type == "foil"]
    claimed = tuple(item.id for item in foils if answers.get(item.id) == FOIL_CLAIM)
    flags = []
    if claimed and len(claimed) >= foil_claims_to_flag(len(foils)):
        flags.append(
            QualityFlag(
                "overclaiming",
                claimed,
                "Claimed to know things that do not exist; treat self-ratings with care.",
            )
        )
    for item, twin in twin_pairs(questionnaire):
        first, second = answers.get(item.id), answers.get(twin.id)
        if isinstance(first, int) and isinstance(second, int):
            if abs(likert_score(item, first) - likert_score(twin, second)) >= CONTRADICTION_GAP:
                flags.append(
                    QualityFlag(
                        "contradiction",
                        (item.id, twin.id),
                        "Opposite statements received the same strong answer; the two may have "
                        "been misread.",
                    )
                )
    return tuple(flags)
