"""The gap analysis written plainly over objects, one pair at a time.

Production uses the columnar ``analysis.analyse_belief_table``; this version is its test
oracle (the property tests check that both give the same report) and the easiest place to
read what the analysis does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

from assessment.services.content.definitions import DONT_KNOW, Fact
from assessment.services.gaps.classify import GAP_CLASSES, classify_gap
from assessment.services.gaps.report import (
    Belief,
    FactCounts,
    FactSummary,
    GapReport,
    Pair,
    Summary,
    fact_summary_of,
    rank_blind_spots,
    summary_of,
)
from assessment.services.gaps.stats import kappa_counts


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
