"""How much a form's option lengths give its keys away (docs/content.md).

Item writers tend to make the right answer the longest, most qualified option; a test-wise
reader who always picks the longest then scores without knowing anything. Writers who know
this can over-correct until the key is almost never the longest, which is a cue too. So the
share of knowledge items whose key is the strictly longest real option should sit near
chance (1 in k for k options) and the checker refuses a form outside ``CUE_LIMITS``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Final

from assessment.services.content.definitions import Item, Questionnaire

# Limits on the share of keys that are the strictly longest option. Chance is 25 % with four
# options; with 20-35 items per form one standard error is 7-10 points, so 10-35 % leaves
# room for honest variation while catching a systematic cue in either direction.
CUE_LIMITS: Final = (0.10, 0.35)
MIN_ITEMS_FOR_CUEING: Final = 8  # below this a share says nothing about the writer's habits


@dataclass(frozen=True)
class CueingStats:
    items: int  # knowledge items in the form
    key_longest: int  # key strictly longer than every other real option
    key_shortest: int  # key strictly shorter than every other real option
    key_positions: tuple[tuple[str, int], ...]  # (choice id, how often it is the key)

    @property
    def longest_share(self) -> float:
        return self.key_longest / self.items if self.items else 0.0

    @property
    def shortest_share(self) -> float:
        return self.key_shortest / self.items if self.items else 0.0

    def problem(self) -> str | None:
        """Why the form's keys are cued by length, or None when the share is acceptable."""
        if self.items < MIN_ITEMS_FOR_CUEING:
            return None
        low, high = CUE_LIMITS
        share = self.longest_share
        if share > high:
            return (
                f"the key is the longest option in {self.key_longest} of {self.items} knowledge "
                f"items ({100 * share:.0f} %; chance is about 25 %, limit {100 * high:.0f} %): "
                "shorten keys or lengthen distractors so that length does not give the answer away"
            )
        if share < low:
            return (
                f"the key is the longest option in only {self.key_longest} of {self.items} "
                f"knowledge items ({100 * share:.0f} %; chance is about 25 %, "
                f"floor {100 * low:.0f} %): a reader who avoids the longest option gains; "
                "let some keys be the longest"
            )
        return None


def key_is(item: Item) -> tuple[bool, bool]:
    """(key strictly longest, key strictly shortest) among the real options of a knowledge item."""
    real = [c for c in item.choices if not c.dont_know]
    key = next((c for c in real if c.correct), None)
    others = [len(c.label) for c in real if c is not key]
    if key is None or not others:
        return False, False
    return len(key.label) > max(others), len(key.label) < min(others)


def cueing(questionnaire: Questionnaire) -> CueingStats:
    """Length cueing of the knowledge items of one form (a questionnaire already cut to it)."""
    knowledge = [i for i in questionnaire.items if i.type == "knowledge"]
    flags = [key_is(i) for i in knowledge]
    positions = Counter(i.correct_choice or "" for i in knowledge)
    return CueingStats(
        items=len(knowledge),
        key_longest=sum(longest for longest, _ in flags),
        key_shortest=sum(shortest for _, shortest in flags),
        key_positions=tuple(sorted(positions.items())),
    )
