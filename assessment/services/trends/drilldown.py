""" "Why did this change": the items whose answers changed between two cycles."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment.services.content.definitions import Item, Questionnaire, Rubric, scale_label
from assessment.services.scoring.single import score_response


@dataclass(frozen=True)
class AnswerChange:
    name: str
    role: str
    item_id: str
    question: str
    before: str
    after: str
    score_before: float | None
    score_after: float | None


@dataclass(frozen=True)
class Respondent:
    name: str
    role: str
    questionnaire: Questionnaire
    answers: Mapping[str, object]
    facts: Mapping[str, str]


def changed_answers(
    earlier: Mapping[str, Respondent],
    later: Mapping[str, Respondent],
    rubric: Rubric,
    domain: str | None,
) -> list[AnswerChange]:
    """For people in both cycles, every item (of ``domain``, if given) whose answer changed."""
    changes = []
    for key in sorted(earlier.keys() & later.keys()):
        first, second = earlier[key], later[key]
        before = score_response(first.questionnaire, rubric, first.answers, first.facts)
        after = score_response(second.questionnaire, rubric, second.answers, second.facts)
        common = [
            i
            for i in second.questionnaire.items
            if i.id in {x.id for x in first.questionnaire.items}
            and (domain is None or i.domain == domain)
            and i.type not in ("comment", "pulse")  # free text; climate answers only in aggregate
        ]
        for item in common:
            old, new = first.answers.get(item.id), second.answers.get(item.id)
            if old == new:
                continue
            changes.append(
                AnswerChange(
                    second.name,
                    second.role,
                    item.id,
                    item.text,
                    _label(item, old),
                    _label(item, new),
                    before.item(item.id).score,
                    after.item(item.id).score,
                )
            )
    return changes


def _label(item: Item, value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, int) and item.on_scale:
        return f"{value} ({scale_label(item, value)})"
    return item.choice_label(str(value))


def sorted_by_impact(changes: Sequence[AnswerChange]) -> list[AnswerChange]:
    """Biggest score movements first."""

    def impact(change: AnswerChange) -> float:
        if change.score_before is None or change.score_after is None:
            return 0.0
        return -abs(change.score_after - change.score_before)

    return sorted(changes, key=impact)
