"""What a gap report holds: beliefs, belief–fact pairs, and their summaries by group and by
fact. The summary builders here are shared by the production analysis (``analysis``) and the
reference implementation (``reference``), so both agree to the bit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from assessment.services.content.definitions import Fact
from assessment.services.gaps.classify import GAP_CLASSES
from assessment.services.gaps.stats import (
    KappaCounts,
    clopper_pearson,
    kappa_of,
    optimism_p,
)


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
class FactCounts:
    """What a fact's summary needs, counted over its pairs."""

    pairs: int
    accurate: int  # belief equals the reported category
    dont_know: int
    optimistic: int
    unknown: int
    wrong_roles: tuple[str, ...]  # sorted roles with a pair that is not aligned


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
