"""The statistics of a gap report: Cohen's kappa, the one-sided optimism test and exact
Clopper–Pearson intervals (research/STATS.md §(b)). Undefined values are None, never 0."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from scipy.stats import binomtest


@dataclass(frozen=True)
class KappaCounts:
    """What Cohen's kappa needs, as exact integers."""

    pairs: int
    agree: int
    chance: int  # sum over labels of (count in the first sequence) × (count in the second)


@lru_cache(maxsize=4096)
def optimism_p(optimistic: int, n: int) -> float:
    """One-sided exact binomial p that optimistic beliefs outnumber pessimistic ones.

    Cached: with many people the same few (k, n) pairs recur thousands of times.
    """
    return float(binomtest(optimistic, n, alternative="greater").pvalue)


@lru_cache(maxsize=4096)
def clopper_pearson(k: int, n: int) -> tuple[float, float]:
    """Exact 95 % interval of a proportion k/n."""
    interval = binomtest(k, n).proportion_ci(0.95, method="exact")
    return (float(interval.low), float(interval.high))


def cohen_kappa(first: Sequence[str], second: Sequence[str]) -> float | None:
    """Cohen's kappa of two label sequences; None when undefined (no pairs, or p_e = 1)."""
    return kappa_of(kappa_counts(first, second))


def kappa_counts(first: Sequence[str], second: Sequence[str]) -> KappaCounts:
    left, right = Counter(first), Counter(second)
    return KappaCounts(
        pairs=len(first),
        agree=sum(a == b for a, b in zip(first, second, strict=True)),
        chance=sum(left[label] * right[label] for label in left.keys() & right.keys()),
    )


def kappa_of(counts: KappaCounts) -> float | None:
    """Kappa from exact counts: p_o = agree / n, p_e = chance / n² (None when undefined)."""
    n = counts.pairs
    if n == 0:
        return None
    observed = counts.agree / n
    expected = counts.chance / (n * n)
    if expected >= 1:
        return None
    return (observed - expected) / (1 - expected)
