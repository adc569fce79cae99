"""The climate pulse: unscored statements about the company, reported only as a group total.

Agreeing that bad news is punished here describes the company, not the person's literacy, and
under attribution people soften such answers; so pulse answers never count toward a score,
never appear next to a name, and a statement's total is shown only when at least
``min_group`` people answered it, so that no one answer can be worked out from the figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from assessment.services.content.definitions import Questionnaire

PULSE_MIN_GROUP: Final = 5  # default smallest group whose total is shown


@dataclass(frozen=True)
class PulseStatement:
    topic: str
    text: str
    answered: int
    favourable: int | None  # None when the group is too small to show
    neutral: int | None
    unfavourable: int | None
    reverse: bool  # worded so that agreeing is the unfavourable answer

    @property
    def shown(self) -> bool:
        return self.favourable is not None

    @property
    def favourable_share(self) -> float | None:
        if self.favourable is None or not self.answered:
            return None
        return self.favourable / self.answered


def pulse_summary(
    responses: Iterable[tuple[Questionnaire, Mapping[str, object]]],
    *,
    min_group: int = PULSE_MIN_GROUP,
) -> list[PulseStatement]:
    """Per pulse topic, across every role's response: how many answered and, when at least
    ``min_group`` did, how many answered favourably (4-5 after reversing), neutrally (3)
    and unfavourably (1-2). Topics appear in the order first met."""
    texts: dict[str, tuple[str, bool]] = {}
    values: dict[str, list[int]] = {}
    for questionnaire, answers in responses:
        for item in questionnaire.items:
            topic = item.pulse_topic
            if topic is None:
                continue
            texts.setdefault(topic, (item.text, item.reverse))
            values.setdefault(topic, [])
            value = answers.get(item.id)
            if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 5:
                values[topic].append(6 - value if item.reverse else value)
    summary = []
    for topic, (text, reverse) in texts.items():
        given = values[topic]
        shown = len(given) >= min_group
        summary.append(
            PulseStatement(
                topic=topic,
                text=text,
                answered=len(given),
                favourable=sum(v >= 4 for v in given) if shown else None,
                neutral=sum(v == 3 for v in given) if shown else None,
                unfavourable=sum(v <= 2 for v in given) if shown else None,
                reverse=reverse,
            )
        )
    return summary
