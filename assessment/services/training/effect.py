"""Did training work? Change per domain for people who completed training against those who
did not, between two cycles, with the same small-sample honesty as the committee view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import mannwhitneyu

from assessment.services.trends.paired_change import PersonScores

MIN_GROUP = 4  # with 4 and 4 people the smallest two-sided exact p is 2/70 ≈ 0.029
MIN_REPORTED = 3  # smaller groups: no averages, which would expose one person's change


@dataclass(frozen=True)
class EffectRow:
    domain_id: str
    trained: int
    untrained: int
    trained_change: float | None
    untrained_change: float | None
    difference: float | None  # trained minus untrained mean change
    p: float | None  # two-sided Mann–Whitney U of the two groups' changes
    verdict: str


def training_effect(
    before: Sequence[PersonScores],
    after: Sequence[PersonScores],
    trained: Mapping[str, set[str]],
    domain_ids: Sequence[str],
    min_group: int = MIN_GROUP,
) -> list[EffectRow]:
    """Per domain, compare the paired changes of trained and untrained people.

    ``trained`` maps an e-mail to the domains that person completed training in.
    """
    earlier = {p.email: p for p in before}
    later = {p.email: p for p in after}
    rows = []
    for domain in domain_ids:
        groups: dict[bool, list[float]] = {True: [], False: []}
        for email in sorted(earlier.keys() & later.keys()):
            first, second = earlier[email].domains.get(domain), later[email].domains.get(domain)
            if first is not None and second is not None:
                groups[domain in trained.get(email, set())].append(round(second - first, 6))
        rows.append(_row(domain, groups[True], groups[False], min_group))
    return rows


def _row(domain: str, yes: list[float], no: list[float], min_group: int) -> EffectRow:
    if yes and min(len(yes), len(no)) < MIN_REPORTED:
        return EffectRow(
            domain,
            len(yes),
            len(no),
            None,
            None,
            None,
            None,
            f"Fewer than {MIN_REPORTED} people in a group: the change is not shown, "
            "so that no one's individual result can be read from it.",
        )
    trained_change = float(np.mean(yes)) if yes else None
    untrained_change = float(np.mean(no)) if no else None
    difference = (
        trained_change - untrained_change
        if trained_change is not None and untrained_change is not None
        else None
    )
    p = None
    if len(yes) >= min_group and len(no) >= min_group:
        p = float(mannwhitneyu(yes, no).pvalue)
    return EffectRow(
        domain,
        len(yes),
        len(no),
        trained_change,
        untrained_change,
        difference,
        p,
        _verdict(len(yes), len(no), difference, p, min_group),
    )


def _verdict(
    trained: int, untrained: int, difference: float | None, p: float | None, min_group: int
) -> str:
    if not trained:
        return "Nobody completed training in this domain between the two cycles."
    if difference is None:
        return "Everyone with scores in both cycles was trained: there is no comparison group."
    direction = "more" if difference > 0 else "less"
    size = f"Trained people improved {abs(difference):.1f} points {direction} than the others"
    if p is None:
        return (
            f"{size}; with {trained} trained and {untrained} untrained people (fewer than "
            f"{min_group} in a group) no test can separate this from noise."
        )
    if p < 0.05:
        return f"{size}; a difference this large is unlikely to be chance (p = {p:.3f})."
    return f"{size}; this could be chance (p = {p:.2f})."
