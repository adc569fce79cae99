"""Quarter over quarter, honestly: paired change with exact tests and bootstrap intervals.

Few people take part, so the service reports counts and the raw numbers always, and a test or
an interval only when there are enough pairs for it to mean something (research/STATS.md §d, §f).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.stats import bootstrap, false_discovery_control, mannwhitneyu, wilcoxon

ALL = "all"
BOOTSTRAP_BATCH = 500  # resamples at a time: memory stays small with thousands of pairs


@dataclass(frozen=True)
class PersonScores:
    """One person's scores in one cycle (0-100; None where a domain has no score)."""

    email: str
    role: str
    overall: float | None
    domains: Mapping[str, float | None] = field(default_factory=dict)


@dataclass(frozen=True)
class TrendSettings:
    min_pairs_test: int = 6  # below 6 pairs no two-sided exact test can reach 0.05
    min_pairs_interval: int = 10  # bootstrap intervals are too narrow below about 10
    resamples: int = 9999
    seed: int = 20_261_127  # fixed, so that a frozen report is reproducible
    alpha: float = 0.05


@dataclass(frozen=True)
class Change:
    """The change of one score between two cycles for one group of people."""

    n_pairs: int
    mean_from: float | None  # mean over the paired people
    mean_to: float | None
    change: float | None  # mean paired difference (to − from)
    ci: tuple[float, float] | None
    p: float | None  # two-sided Wilcoxon signed-rank, SciPy defaults
    improved: int
    unchanged: int
    worse: int
    independent_p: float | None  # Mann–Whitney on everyone who answered in either cycle
    n_from: int  # everyone with a score in the earlier cycle
    n_to: int
    verdict: str  # the change in words

    @property
    def is_beyond_noise(self) -> bool:
        return self.p is not None and self.p < 0.05


@dataclass(frozen=True)
class DomainChange:
    domain_id: str
    change: Change
    q: float | None  # Benjamini–Hochberg across the domains that could be tested


@dataclass(frozen=True)
class Composition:
    stayed: tuple[str, ...]
    joined: tuple[str, ...]
    left: tuple[str, ...]


@dataclass(frozen=True)
class TrendReport:
    groups: dict[str, Change]  # "all" and each role
    domains: dict[str, list[DomainChange]]  # per group
    composition: dict[str, Composition]
    moved_most: list[DomainChange]  # for "all", largest absolute change first


def compare_cycles(
    earlier: Sequence[PersonScores],
    later: Sequence[PersonScores],
    domain_ids: Sequence[str],
    settings: TrendSettings = TrendSettings(),
) -> TrendReport:
    """Compare two cycles overall, per role and per domain; keep who joined or left apart."""
    roles = sorted({p.role for p in [*earlier, *later]})
    groups, domains, composition = {}, {}, {}
    for group in [ALL, *roles]:
        before = {p.email: p for p in earlier if group in (ALL, p.role)}
        after = {p.email: p for p in later if group in (ALL, p.role)}
        composition[group] = Composition(
            stayed=tuple(sorted(before.keys() & after.keys())),
            joined=tuple(sorted(after.keys() - before.keys())),
            left=tuple(sorted(before.keys() - after.keys())),
        )
        groups[group] = score_change(before, after, lambda p: p.overall, settings)
        changes = [
            (d, score_change(before, after, lambda p, d=d: p.domains.get(d), settings))
            for d in domain_ids
        ]
        domains[group] = _with_q_values(changes)
    moved = sorted(
        (c for c in domains[ALL] if c.change.change is not None),
        key=lambda c: -abs(c.change.change or 0.0),
    )
    return TrendReport(groups, domains, composition, moved)


def score_change(
    before: Mapping[str, PersonScores],
    after: Mapping[str, PersonScores],
    score: object,
    settings: TrendSettings,
) -> Change:
    """Paired change over people with a score in both cycles, plus the independent view."""
    assert callable(score)
    paired = [(score(before[e]), score(after[e])) for e in sorted(before.keys() & after.keys())]
    paired = [(a, b) for a, b in paired if a is not None and b is not None]
    first = np.array([a for a, _ in paired], dtype=float)
    second = np.array([b for _, b in paired], dtype=float)
    differences = np.round(second - first, 6)
    all_before = [v for p in before.values() if (v := score(p)) is not None]
    all_after = [v for p in after.values() if (v := score(p)) is not None]
    n = len(paired)
    p_value = paired_test(differences, settings)
    interval = paired_interval(differences, settings)
    return Change(
        n_pairs=n,
        mean_from=float(first.mean()) if n else None,
        mean_to=float(second.mean()) if n else None,
        change=float(differences.mean()) if n else None,
        ci=interval,
        p=p_value,
        improved=int((differences > 0).sum()),
        unchanged=int((differences == 0).sum()),
        worse=int((differences < 0).sum()),
        independent_p=independent_test(all_before, all_after, settings),
        n_from=len(all_before),
        n_to=len(all_after),
        verdict=verdict(n, differences, p_value, settings),
    )


def paired_test(differences: np.ndarray, settings: TrendSettings) -> float | None:
    """Two-sided Wilcoxon signed-rank p with SciPy's defaults; None when it cannot be run."""
    if len(differences) < settings.min_pairs_test or not np.any(differences):
        return None
    return float(wilcoxon(differences).pvalue)


def paired_interval(differences: np.ndarray, settings: TrendSettings) -> tuple[float, float] | None:
    """Seeded 95 % BCa bootstrap interval of the mean paired change."""
    if len(differences) < settings.min_pairs_interval:
        return None
    if np.ptp(differences) == 0:  # every difference equal: the interval is that single value
        value = float(differences[0])
        return (value, value)
    result = bootstrap(
        (differences,),
        np.mean,
        n_resamples=settings.resamples,
        confidence_level=1 - settings.alpha,
        method="BCa",
        batch=BOOTSTRAP_BATCH,
        rng=np.random.default_rng(settings.seed),
    )
    return (float(result.confidence_interval.low), float(result.confidence_interval.high))


def independent_test(
    before: Sequence[float], after: Sequence[float], settings: TrendSettings
) -> float | None:
    """Mann–Whitney U of everyone who answered, for when different people took part."""
    if min(len(before), len(after)) < 2 or len(before) + len(after) < settings.min_pairs_test:
        return None
    return float(mannwhitneyu(before, after).pvalue)


def _with_q_values(changes: list[tuple[str, Change]]) -> list[DomainChange]:
    tested = [(d, c) for d, c in changes if c.p is not None]
    q = {}
    if tested:
        adjusted = false_discovery_control([c.p for _, c in tested], method="bh")
        q = {d: float(v) for (d, _), v in zip(tested, adjusted, strict=True)}
    return [DomainChange(d, c, q.get(d)) for d, c in changes]


def verdict(n: int, differences: np.ndarray, p: float | None, settings: TrendSettings) -> str:
    """What the numbers can and cannot say, in plain words."""
    if n == 0:
        return "Nobody answered in both cycles, so there is no like-for-like change to show."
    mean = float(differences.mean())
    direction = "up" if mean > 0 else "down" if mean < 0 else "unchanged"
    size = f"{abs(mean):.1f} points {direction}" if direction != "unchanged" else "unchanged"
    if n < settings.min_pairs_test:
        return (
            f"On average {size} for the {n} people who answered both times; with fewer "
            f"than {settings.min_pairs_test} people no test can tell this from noise, so "
            "read it as a conversation starter, not a result."
        )
    if p is None:
        return f"Nobody's score changed ({n} people answered both times)."
    if p < settings.alpha:
        return (
            f"On average {size} for the {n} people who answered both times; a change this "
            f"consistent is unlikely to be noise (Wilcoxon p = {p:.3f})."
        )
    return (
        f"On average {size} for the {n} people who answered both times; this could well be "
        f"noise (Wilcoxon p = {p:.2f})."
    )


def comparable_share(earlier_items: set[str], later_items: set[str]) -> float:
    """Share of items common to both questionnaire versions (of all items used in either)."""
    union = earlier_items | later_items
    return len(earlier_items & later_items) / len(union) if union else 1.0
