"""Personal results, ready to show: rounded, labelled, in plain words."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from assessment.services.content.definitions import (
    Catalogue,
    Item,
    Questionnaire,
    Rubric,
    TrainingModule,
)
from assessment.services.scoring.single import ScoreResult
from assessment.services.training.needs import suggest_modules


@dataclass(frozen=True)
class DomainLine:
    domain_id: str
    name: str
    score: str  # "62" or "—"
    level: str  # "L4 Proficient", "Not enough answers" or "No score yet"
    description: str  # the rubric's words for that level
    note: str  # don't-knows and pending beliefs
    precision: str = ""  # "± 24 points: could be L2 to L4", or "" without a score
    value: float | None = None  # the score as a number, for the bar
    previous: float | None = None  # the same topic's score last time the person answered
    change: str = ""  # "+8 since 2026-Q3", "no change since 2026-Q3", or ""

    @property
    def bar(self) -> int:
        """Bar length out of 100 (a negative score draws no bar)."""
        return max(0, round(self.value)) if self.value is not None else 0

    @property
    def previous_bar(self) -> int:
        return max(0, round(self.previous)) if self.previous is not None else 0


@dataclass(frozen=True)
class FeedbackLine:
    item_id: str
    question: str
    your_answer: str
    outcome: str  # Right | Not the keyed answer | Don't know
    keyed_answer: str
    feedback: str


@dataclass(frozen=True)
class BeliefLine:
    item_id: str
    question: str
    your_answer: str
    status: str  # "Waiting for the fact report" or the gap class in words
    fact_says: str = ""  # what the fact report says, so the executive learns what is true


@dataclass(frozen=True)
class ModuleLine:
    domain: str
    module_id: str
    title: str
    format: str
    minutes: int


@dataclass(frozen=True)
class PersonalReport:
    overall: str
    overall_level: str  # kept for exports; the page leads with domains, not one level
    domains: tuple[DomainLine, ...]
    calibration: str
    feedback: tuple[FeedbackLine, ...]
    beliefs: tuple[BeliefLine, ...]
    modules: tuple[ModuleLine, ...]
    comment: str
    overall_precision: str = ""
    level_scale: str = ""  # "L1 Unaware (0–19), …", from the rubric
    min_domain_items: int = 2


GAP_WORDS = {
    "aligned": "Matches the fact report",
    "optimistic": "More optimistic than the fact report",
    "pessimistic": "More cautious than the fact report",
    "unknown": "You did not know; the fact report has the answer",
}


def _score(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def personal_report(
    result: ScoreResult,
    questionnaire: Questionnaire,
    catalogue: Catalogue,
    answers: Mapping[str, object],
    *,
    training_below: str,
    gap_classes: Mapping[str, str] | None = None,
    fact_says: Mapping[str, str] | None = None,
    previous: tuple[str, Mapping[str, float | None]] | None = None,
) -> PersonalReport:
    """Everything the personal results page shows, computed here rather than in the template.

    ``fact_says``: per fact id, the reported value in words. ``previous``: the cycle the
    person last answered before this one, with their score per domain there.
    """
    rubric = catalogue.rubric
    levels = {level.id: level.name for level in rubric.levels}
    weighted = rubric.role_weights.get(questionnaire.role, {})
    domains = tuple(
        DomainLine(
            domain_id=d.domain_id,
            name=rubric.domain(d.domain_id).name,
            score=_score(d.score),
            level=(
                f"{d.level} {levels[d.level]}"
                if d.level
                else ("Not enough answers" if d.scored_items else "No score yet")
            ),
            description=rubric.domain(d.domain_id).level_descriptions.get(d.level or "", ""),
            note=_domain_note(d.dont_know, d.pending),
            precision=precision_words(rubric, d.score, d.standard_error),
            value=d.score,
            previous=previous[1].get(d.domain_id) if previous else None,
            change=_change(d.score, previous, d.domain_id),
        )
        for d in result.domains
        if d.domain_id in weighted
    )
    needs = suggest_modules(
        rubric,
        catalogue.training,
        questionnaire.role,
        {d.domain_id: d.level for d in result.domains if d.domain_id in weighted},
        training_below,
    )
    # One line per module, naming every topic it serves (a module can serve two weak topics).
    serving: dict[str, list[str]] = {}
    chosen: dict[str, TrainingModule] = {}
    for domain, found in needs.items():
        for m in found:
            serving.setdefault(m.id, []).append(rubric.domain(domain).name)
            chosen.setdefault(m.id, m)
    modules = tuple(
        ModuleLine("; ".join(serving[m.id]), m.id, m.title, m.format, m.duration_minutes)
        for m in chosen.values()
    )
    overall_level = (
        f"{result.overall_level} {levels[result.overall_level]}"
        if result.overall_level
        else "No score yet"
    )
    return PersonalReport(
        overall=_score(result.overall),
        overall_level=overall_level,
        domains=domains,
        calibration=calibration_sentence(result),
        feedback=_feedback(questionnaire, answers),
        beliefs=_beliefs(questionnaire, answers, gap_classes or {}, fact_says or {}),
        modules=modules,
        level_scale=level_scale(rubric),
        min_domain_items=rubric.min_domain_items,
        overall_precision=precision_words(
            rubric, result.overall, overall_standard_error(result, weighted)
        ),
        comment=next(
            (
                str(answers[i.id])
                for i in questionnaire.items
                if i.type == "comment" and answers.get(i.id)
            ),
            "",
        ),
    )


def level_scale(rubric: Rubric) -> str:
    """The levels with their score ranges, in words: "L1 Unaware (0–19), …"."""
    parts = []
    for k, level in enumerate(rubric.levels):
        top = f"{rubric.levels[k + 1].min - 1:.0f}" if k + 1 < len(rubric.levels) else "100"
        parts.append(f"{level.id} {level.name} ({level.min:.0f}–{top})")
    return ", ".join(parts)


def overall_standard_error(result: ScoreResult, weights: Mapping[str, float]) -> float | None:
    """The overall score's standard error from its domains', weighted as the score is."""
    scored = [
        (weights[d.domain_id], d.standard_error)
        for d in result.domains
        if d.domain_id in weights and d.score is not None and d.standard_error is not None
    ]
    total = sum(weight for weight, _ in scored)
    if not total:
        return None
    return float(sum((weight * se) ** 2 for weight, se in scored) ** 0.5 / total)


def precision_words(rubric: Rubric, score: float | None, se: float | None) -> str:
    """The precision marker: one standard error in points, and the levels it spans."""
    if score is None or se is None:
        return ""
    low = rubric.level_for(max(0.0, score - se)).id
    high = rubric.level_for(min(100.0, score + se)).id
    span = f"could be {low} to {high}" if low != high else f"{low} either way"
    return f"± {se:.0f} points: {span}"


def _domain_note(dont_know: int, pending: int) -> str:
    parts = []
    if dont_know:
        parts.append(f"{dont_know} don't know" + ("s" if dont_know > 1 else ""))
    if pending:
        parts.append(f"{pending} belief{'s' if pending > 1 else ''} waiting for the fact report")
    return "; ".join(parts)


def calibration_sentence(result: ScoreResult) -> str:
    """Calibration in plain words, with the count behind it."""
    cal = result.calibration
    if cal.pairs == 0 or cal.bias is None or cal.accuracy is None:
        return "There were no confidence ratings on answered questions, so there is no calibration."
    wrong = cal.confident_wrong
    sure = (
        f"You were confident on {wrong} answer{'s' if wrong != 1 else ''} that "
        f"{'were' if wrong != 1 else 'was'} not right. "
        if wrong
        else ""
    )
    points = abs(cal.bias) * 100
    if points < 10:
        verdict = "Your confidence matched your accuracy well"
    elif cal.bias > 0:
        verdict = f"Overall you were more confident than accurate, by {points:.0f} points"
    else:
        verdict = f"Overall you knew more than you gave yourself credit for, by {points:.0f} points"
    return (
        f"{sure}{verdict} ({cal.accuracy * 100:.0f}% right on {cal.pairs} rated "
        f"answer{'s' if cal.pairs != 1 else ''})."
    )


def _feedback(
    questionnaire: Questionnaire, answers: Mapping[str, object]
) -> tuple[FeedbackLine, ...]:
    lines = []
    for item, chosen in _chosen(questionnaire, answers, "knowledge"):
        outcome = (
            "Don't know"
            if chosen == item.dont_know_choice
            else "Right"
            if chosen == item.correct_choice
            else "Not the keyed answer"
        )
        lines.append(
            FeedbackLine(
                item.id,
                item.text,
                item.choice_label(chosen),
                outcome,
                item.choice_label(item.correct_choice or ""),
                item.feedback,
            )
        )
    return tuple(lines)


def _beliefs(
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    gap_classes: Mapping[str, str],
    fact_says: Mapping[str, str],
) -> tuple[BeliefLine, ...]:
    lines = []
    for item, chosen in _chosen(questionnaire, answers, "belief"):
        says = fact_says.get(item.fact or "", "")
        waiting = "Not compared: the fact does not apply this time" if says else ""
        status = GAP_WORDS.get(
            gap_classes.get(item.id, ""), waiting or "Waiting for the fact report"
        )
        lines.append(BeliefLine(item.id, item.text, item.choice_label(chosen), status, says))
    return tuple(lines)


def _change(
    score: float | None, previous: tuple[str, Mapping[str, float | None]] | None, domain: str
) -> str:
    """The move since the person's last answered cycle, in words ("" with nothing to compare)."""
    if previous is None or score is None:
        return ""
    cycle_id, scores = previous
    before = scores.get(domain)
    if before is None:
        return ""
    moved = round(score) - round(before)
    return f"{moved:+d} since {cycle_id}" if moved else f"no change since {cycle_id}"


def _chosen(
    questionnaire: Questionnaire, answers: Mapping[str, object], item_type: str
) -> Iterator[tuple[Item, str]]:
    """The items of one type that were answered with a choice, with the choice."""
    for item in questionnaire.items:
        chosen = answers.get(item.id)
        if item.type == item_type and isinstance(chosen, str):
            yield item, chosen
