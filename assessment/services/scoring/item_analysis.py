"""Classical item analysis of knowledge items: difficulty, discrimination, don't-know rate,
and Cronbach's alpha per role and domain (definitions in CONTRACT.md, "Measurement").

Correctness is 1 for the keyed choice and 0 for anything else, "don't know" included: this
is the classical 0/1 matrix, not the formula score, so the figures compare with published
norms. An item counts as shown to a response when the response answered it (submitted
responses answer every knowledge item of their form).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import numpy as np

from assessment.services.content.definitions import Questionnaire

MIN_FOR_DISCRIMINATION: Final = 3
TOO_EASY: Final = 0.9  # nearly everyone knows it: it tells the committee little
TOO_HARD: Final = 0.2  # below a guess among four: the key or the wording may be at fault


@dataclass(frozen=True)
class AnsweredForm:
    """One submitted response: the form it answered and its answers."""

    role: str
    questionnaire: Questionnaire
    answers: Mapping[str, object]


@dataclass(frozen=True)
class ItemStats:
    id: str
    role: str
    domain: str
    n: int
    difficulty: float | None
    discrimination: float | None
    dont_know_rate: float | None

    @property
    def review_reasons(self) -> tuple[str, ...]:
        """Why the item deserves a look, in plain words (empty when it looks fine)."""
        reasons = []
        if self.difficulty is not None and self.difficulty > TOO_EASY:
            reasons.append("too easy: almost everyone gives the keyed answer")
        if self.difficulty is not None and self.difficulty < TOO_HARD:
            reasons.append("too hard: fewer give the keyed answer than a guess would")
        if self.discrimination is not None and self.discrimination < 0:
            reasons.append(
                "negative discrimination: people who do well elsewhere miss it more often"
            )
        return tuple(reasons)


@dataclass(frozen=True)
class DomainStats:
    role: str
    domain: str
    n_items: int
    n: int
    alpha: float | None


@dataclass(frozen=True)
class ItemAnalysis:
    items: tuple[ItemStats, ...]
    domains: tuple[DomainStats, ...]


def analyse_items(responses: Iterable[AnsweredForm], *, common_only: bool = False) -> ItemAnalysis:
    """Item and domain statistics over ``responses``.

    Per role and domain the alpha matrix is, as the contract defines it, every knowledge
    item of the domain in the role's forms and the responses shown all of them. With
    ``common_only`` it is instead the items every response of the role was shown (the
    anchors when forms rotate) over all of the role's responses.
    """
    correct_by_response: list[tuple[str, dict[str, int]]] = []
    domain_of: dict[tuple[str, str], str] = {}
    dont_knows: dict[tuple[str, str], int] = defaultdict(int)
    for response in responses:
        shown: dict[str, int] = {}
        for item in response.questionnaire.items:
            value = response.answers.get(item.id)
            if item.type != "knowledge" or value in (None, ""):
                continue
            shown[item.id] = int(value == item.correct_choice)
            domain_of[(response.role, item.id)] = item.domain
            dont_knows[(response.role, item.id)] += value == item.dont_know_choice
        correct_by_response.append((response.role, shown))
    items = tuple(
        _item_stats(role, item_id, domain, correct_by_response, dont_knows[(role, item_id)])
        for (role, item_id), domain in sorted(domain_of.items())
    )
    domains = tuple(
        _domain_stats(role, domain, item_ids, correct_by_response, common_only)
        for (role, domain), item_ids in sorted(_items_by_domain(domain_of).items())
    )
    return ItemAnalysis(items, domains)


def _items_by_domain(domain_of: Mapping[tuple[str, str], str]) -> dict[tuple[str, str], list[str]]:
    grouped: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (role, item_id), domain in domain_of.items():
        grouped[(role, domain)].append(item_id)
    return {key: sorted(ids) for key, ids in grouped.items()}


def _item_stats(
    role: str,
    item_id: str,
    domain: str,
    responses: list[tuple[str, dict[str, int]]],
    dont_know: int,
) -> ItemStats:
    own, rest = [], []
    for response_role, shown in responses:
        if response_role != role or item_id not in shown:
            continue
        own.append(shown[item_id])
        rest.append(sum(shown.values()) - shown[item_id])
    n = len(own)
    if n == 0:
        return ItemStats(item_id, role, domain, 0, None, None, None)
    return ItemStats(
        item_id,
        role,
        domain,
        n,
        float(np.mean(own)),
        pearson(own, rest) if n >= MIN_FOR_DISCRIMINATION else None,
        dont_know / n,
    )


def pearson(x: list[int] | list[float], y: list[int] | list[float]) -> float | None:
    """Pearson's r, or None when either variable is constant."""
    a, b = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    a, b = a - a.mean(), b - b.mean()
    denominator = float(np.sqrt((a * a).sum() * (b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else None


def _domain_stats(
    role: str,
    domain: str,
    item_ids: list[str],
    responses: list[tuple[str, dict[str, int]]],
    common_only: bool,
) -> DomainStats:
    mine = [shown for response_role, shown in responses if response_role == role]
    if common_only:
        item_ids = [i for i in item_ids if all(i in shown for shown in mine)]
        rows = mine
    else:
        rows = [shown for shown in mine if all(i in shown for i in item_ids)]
    matrix = np.array([[shown[i] for i in item_ids] for shown in rows], dtype=float)
    return DomainStats(role, domain, len(item_ids), len(rows), cronbach_alpha(matrix))


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """Alpha of a responses × items matrix with sample variances (ddof 1); None when it is
    undefined: fewer than two items, fewer than three responses, or a constant total."""
    if matrix.ndim != 2 or matrix.shape[1] < 2 or matrix.shape[0] < 3:
        return None
    k = matrix.shape[1]
    total_variance = float(matrix.sum(axis=1).var(ddof=1))
    if total_variance == 0:
        return None
    item_variances = float(matrix.var(axis=0, ddof=1).sum())
    return float(k / (k - 1) * (1 - item_variances / total_variance))
