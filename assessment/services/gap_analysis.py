"""Gap analysis: every executive's belief against the owner's fact, summarised honestly.

Kappa, the binomial test and Clopper–Pearson intervals follow research/STATS.md §(b); small
groups get counts with exact tests, and statistics that are undefined are reported as None.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from scipy.stats import binomtest

from .definitions import DONT_KNOW, Fact
from .gaps import GAP_CLASSES, classify_gap


@dataclass(frozen=True)
class Belief:
    """One executive's answer to one belief item."""

    email: str
    name: str
    role: str
    item_id: str
    fact_id: str
    belief: str  # a category id of the fact, or the don't-know choice


@dataclass(frozen=True)
class Pair:
    email: str
    name: str
    role: str
    item_id: str
    fact_id: str
    domain: str
    belief: str
    actual: str
    gap: str  # aligned | optimistic | pessimistic | unknown


@dataclass(frozen=True)
class Summary:
    """Class counts and agreement statistics for a group of pairs."""

    counts: dict[str, int]
    pairs: int
    answered: int  # pairs that are not unknown
    optimism_index: float | None  # (optimistic - pessimistic) / answered
    agreement: float | None  # aligned / answered
    dont_know_rate: float | None
    kappa: float | None  # over answered pairs on categorical facts; None where undefined
    kappa_pairs: int
    optimism_p: float | None  # one-sided exact binomial: optimistic outnumber pessimistic
    optimism_n: int  # optimistic + pessimistic


@dataclass(frozen=True)
class FactSummary:
    fact_id: str
    title: str
    actual: str
    actual_label: str
    pairs: int
    accurate: int
    accuracy: float | None
    accuracy_ci: tuple[float, float] | None  # exact Clopper–Pearson 95 %
    dont_know_rate: float | None
    false_assurance: int  # believes the control is in place while it is absent
    roles_wrong_or_unknown: tuple[str, ...]
    nobody_knows: bool


@dataclass(frozen=True)
class GapReport:
    """``analyse_gaps`` fills it with tuples and dicts; ``gap_columns.analyse_belief_table``
    with sequences and a mapping that build each pair, belief or person's summary on access."""

    pairs: Sequence[Pair]
    by_role: dict[str, Summary]
    by_person: Mapping[str, Summary]
    by_domain: dict[str, Summary]
    by_fact: dict[str, Summary]
    facts: tuple[FactSummary, ...]
    blind_spots: tuple[FactSummary, ...]  # most roles affected first
    overall: Summary
    pending: Sequence[Belief]  # beliefs whose fact is not reported yet


@dataclass(frozen=True)
class KappaCounts:
    """What Cohen's kappa needs, as exact integers."""

    pairs: int
    agree: int
    chance: int  # sum over labels of (count in the first sequence) × (count in the second)


@dataclass(frozen=True)
class FactCounts:
    """What a fact's summary needs, counted over its pairs."""

    pairs: int
    accurate: int  # belief equals the reported category
    dont_know: int
    optimistic: int
    unknown: int
    wrong_roles: tuple[str, ...]  # sorted roles with a pair that is not aligned


def analyse_gaps(
    beliefs: Iterable[Belief],
    facts: Mapping[str, Fact],
    actual: Mapping[str, str],
) -> GapReport:
    """Classify each belief whose fact is reported, then summarise by role, person, domain, fact."""
    pairs, pending = [], []
    for belief in beliefs:
        if belief.fact_id not in actual:
            pending.append(belief)
            continue
        fact = facts[belief.fact_id]
        gap = classify_gap(fact, belief.belief, actual[belief.fact_id])
        pairs.append(
            Pair(
                belief.email,
                belief.name,
                belief.role,
                belief.item_id,
                belief.fact_id,
                fact.domain,
                belief.belief,
                actual[belief.fact_id],
                gap,
            )
        )
    fact_summaries = tuple(
        _fact_summary(facts[f], actual[f], [p for p in pairs if p.fact_id == f])
        for f in sorted({p.fact_id for p in pairs})
    )
    return GapReport(
        pairs=tuple(pairs),
        by_role=_group(pairs, lambda p: p.role, facts),
        by_person=_group(pairs, lambda p: p.email, facts),
        by_domain=_group(pairs, lambda p: p.domain, facts),
        by_fact=_group(pairs, lambda p: p.fact_id, facts, with_kappa=False),
        facts=fact_summaries,
        blind_spots=rank_blind_spots(fact_summaries),
        overall=summarise(pairs, facts),
        pending=tuple(pending),
    )


def rank_blind_spots(fact_summaries: Iterable[FactSummary]) -> tuple[FactSummary, ...]:
    """Facts that two or more roles get wrong or that nobody knows, most roles affected first."""
    return tuple(
        sorted(
            (s for s in fact_summaries if len(s.roles_wrong_or_unknown) >= 2 or s.nobody_knows),
            key=lambda s: (
                -len(s.roles_wrong_or_unknown),
                -s.false_assurance,
                -(1 - (s.accuracy or 0)),
                s.fact_id,
            ),
        )
    )


def _group(
    pairs: Sequence[Pair],
    key: Callable[[Pair], str],
    facts: Mapping[str, Fact],
    with_kappa: bool = True,
) -> dict[str, Summary]:
    groups: dict[str, list[Pair]] = defaultdict(list)
    for pair in pairs:
        groups[key(pair)].append(pair)
    return {k: summarise(v, facts, with_kappa) for k, v in sorted(groups.items())}


def summarise(pairs: Sequence[Pair], facts: Mapping[str, Fact], with_kappa: bool = True) -> Summary:
    """Counts, optimism index, agreement, don't-know rate, kappa and the optimism test."""
    counts = Counter(p.gap for p in pairs)
    categorical = [p for p in pairs if p.gap != "unknown" and not facts[p.fact_id].bands]
    return summary_of(
        {c: counts.get(c, 0) for c in GAP_CLASSES},
        kappa_counts([p.belief for p in categorical], [p.actual for p in categorical])
        if with_kappa
        else None,
    )


def summary_of(counts: Mapping[str, int], kappa: KappaCounts | None) -> Summary:
    """The summary of a group from its class counts and, unless skipped, its kappa counts.

    Both the object path and the columnar path end here, so their floats agree to the bit.
    """
    full = {c: counts[c] for c in GAP_CLASSES}
    pairs = sum(full.values())
    answered = pairs - full["unknown"]
    optimistic, pessimistic = full["optimistic"], full["pessimistic"]
    n = optimistic + pessimistic
    return Summary(
        counts=full,
        pairs=pairs,
        answered=answered,
        optimism_index=(optimistic - pessimistic) / answered if answered else None,
        agreement=full["aligned"] / answered if answered else None,
        dont_know_rate=full["unknown"] / pairs if pairs else None,
        kappa=kappa_of(kappa) if kappa is not None else None,
        kappa_pairs=kappa.pairs if kappa is not None else 0,
        optimism_p=optimism_p(optimistic, n) if n else None,
        optimism_n=n,
    )


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


def _fact_summary(fact: Fact, actual: str, pairs: Sequence[Pair]) -> FactSummary:
    counts = FactCounts(
        pairs=len(pairs),
        accurate=sum(p.belief == actual for p in pairs),
        dont_know=sum(p.belief == DONT_KNOW for p in pairs),
        optimistic=sum(p.gap == "optimistic" for p in pairs),
        unknown=sum(p.gap == "unknown" for p in pairs),
        wrong_roles=tuple(sorted({p.role for p in pairs if p.gap != "aligned"})),
    )
    return fact_summary_of(fact, actual, counts)


def fact_summary_of(fact: Fact, actual: str, counts: FactCounts) -> FactSummary:
    """A fact's accuracy, interval, don't-know rate and false assurance from its counts."""
    n = counts.pairs
    worst = fact.category_ids[0]
    return FactSummary(
        fact_id=fact.id,
        title=fact.title,
        actual=actual,
        actual_label=fact.label(actual),
        pairs=n,
        accurate=counts.accurate,
        accuracy=counts.accurate / n if n else None,
        accuracy_ci=clopper_pearson(counts.accurate, n) if n else None,
        dont_know_rate=counts.dont_know / n if n else None,
        # believes the control is in place while it is absent (the worst category)
        false_assurance=counts.optimistic if actual == worst else 0,
        roles_wrong_or_unknown=counts.wrong_roles,
        nobody_knows=n > 0 and counts.unknown == n,
    )
