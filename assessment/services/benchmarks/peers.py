"""Anonymous peer benchmarks: an organisation's figures placed among its peers' figures.

Pure arithmetic on figures the caller has already gathered. The caller chooses the candidate
peers (the *other* organisations that opted in and have a closed or frozen cycle with the same
id); this module picks the comparison group (same industry or all), applies the minimum-n
suppression, and returns only aggregates: the asking organisation's own figure, its percentile
among the peers and the peers' median. No single peer's figure is ever part of the answer.
See docs/peer-benchmarks.md for the rules and what an organisation can infer from them.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final

DEFAULT_MINIMUM: Final = 5
# Figures are compared after rounding to this many decimals, so that means that are equal on
# paper but computed from other rows or in another order (and so differ in the last bits of a
# float) count as ties rather than as one being "lower".
DECIMALS: Final = 6


@dataclass(frozen=True)
class BeliefCounts:
    """An organisation's beliefs in one cycle: how many are optimistic, out of how many that
    could be compared with a reported fact (the caller's choice; ``don't know`` excluded)."""

    optimistic: int
    comparable: int

    def __post_init__(self) -> None:
        if not 0 <= self.optimistic <= self.comparable:
            raise ValueError("need 0 <= optimistic <= comparable")

    @property
    def share(self) -> float | None:
        """The optimistic share (0-1), or None when no belief was comparable."""
        return self.optimistic / self.comparable if self.comparable else None


@dataclass(frozen=True)
class PeerFigures:
    """What one candidate peer contributes: its domain figures, industry and belief counts."""

    domains: Mapping[str, float | None]
    industry: str | None = None
    beliefs: BeliefCounts | None = None

    @property
    def contributes(self) -> bool:
        """True when the peer has at least one figure: a domain mean or an optimistic share."""
        has_share = self.beliefs is not None and self.beliefs.share is not None
        return has_share or any(v is not None for v in self.domains.values())


@dataclass(frozen=True)
class Placement:
    """One figure of the asking organisation placed among ``peers`` peers' figures.

    ``score`` and ``percentile`` are None when the organisation has no figure of its own;
    the peer median is still given (it says nothing new about any peer).
    """

    score: float | None
    percentile: float | None
    peer_median: float
    peers: int  # peers with a figure here (the n to show next to it)


@dataclass(frozen=True)
class Benchmark:
    """The answer: ``domains`` and ``optimistic_share`` are empty/None when suppressed.

    ``peers`` is the size of the comparison group; ``industry`` the industry it was restricted
    to (None: all candidate peers). ``withheld`` lists domains left out because fewer than the
    minimum peers have a figure there (the figure ``optimistic_share`` is withheld the same way).
    """

    peers: int
    suppressed: bool
    minimum: int
    industry: str | None = None
    domains: Mapping[str, Placement] = field(default_factory=dict)
    withheld: tuple[str, ...] = ()
    optimistic_share: Placement | None = None


def organisation_figures(
    responses_domain_scores: Iterable[Mapping[str, float | None]],
) -> dict[str, float | None]:
    """An organisation's domain figures: per domain, the mean of its submitted responses'
    scores with None left out (None when no response has a score there).

    Domains are the union of the responses' keys. ``math.fsum`` makes the mean independent of
    the order of the responses.
    """
    values: dict[str, list[float]] = {}
    for scores in responses_domain_scores:
        for domain, score in scores.items():
            bucket = values.setdefault(domain, [])
            if score is not None:
                bucket.append(_finite(score))
    return {d: math.fsum(v) / len(v) if v else None for d, v in sorted(values.items())}


def place(own: float | None, peer_values: Sequence[float]) -> Placement:
    """``own`` among ``peer_values`` (non-empty): percentile = 100 × (peers lower + ½ × peers
    equal) / peers, and the peers' median. Values are compared after rounding to DECIMALS."""
    if not peer_values:
        raise ValueError("no peer values to place among")
    values = [round(_finite(v), DECIMALS) for v in peer_values]
    median = statistics.median(values)
    if own is None:
        return Placement(None, None, median, len(values))
    mine = round(_finite(own), DECIMALS)
    lower = sum(v < mine for v in values)
    equal = sum(v == mine for v in values)
    return Placement(mine, 100 * (lower + equal / 2) / len(values), median, len(values))


def peer_benchmark(
    own: Mapping[str, float | None],
    peers: Sequence[PeerFigures],
    *,
    minimum: int = DEFAULT_MINIMUM,
    own_industry: str | None = None,
    own_beliefs: BeliefCounts | None = None,
) -> Benchmark:
    """The asking organisation's figures (``own``: domain → figure) placed among its peers'.

    ``peers`` are the candidate peers (the caller has already kept only other organisations
    that opted in with a closed or frozen cycle of the same id). Peers without any figure do not
    contribute. When ``own_industry`` is set and at least ``minimum`` contributing peers share it,
    only those are compared; otherwise all contributing peers. Fewer than ``minimum`` contributing
    peers: suppressed, no figures. Each domain of ``own`` (and the optimistic share) is further
    withheld when fewer than ``minimum`` peers have a figure for it, so that a sparse domain
    cannot isolate a peer or two. Peers' domains that ``own`` does not list are ignored.
    """
    if minimum < 1:
        raise ValueError("minimum must be at least 1")
    group, industry = comparison_group(peers, own_industry, minimum)
    if len(group) < minimum:
        return Benchmark(peers=len(group), suppressed=True, minimum=minimum, industry=industry)
    domains: dict[str, Placement] = {}
    withheld: list[str] = []
    for domain in sorted(own):
        values = [f for p in group if (f := p.domains.get(domain)) is not None]
        if len(values) < minimum:
            withheld.append(domain)
        else:
            domains[domain] = place(own[domain], values)
    shares = [s for p in group if p.beliefs is not None and (s := p.beliefs.share) is not None]
    own_share = own_beliefs.share if own_beliefs is not None else None
    return Benchmark(
        peers=len(group),
        suppressed=False,
        minimum=minimum,
        industry=industry,
        domains=domains,
        withheld=tuple(withheld),
        optimistic_share=place(own_share, shares) if len(shares) >= minimum else None,
    )


def comparison_group(
    peers: Sequence[PeerFigures], own_industry: str | None, minimum: int
) -> tuple[list[PeerFigures], str | None]:
    """The contributing peers to compare with, and the industry they share (None: all).

    Industries match after trimming and case-folding; a blank industry counts as none.
    """
    contributing = [p for p in peers if p.contributes]
    wanted = _industry_key(own_industry)
    if wanted is not None:
        same = [p for p in contributing if _industry_key(p.industry) == wanted]
        if len(same) >= minimum:
            return same, (own_industry or "").strip()
    return contributing, None


def _industry_key(industry: str | None) -> str | None:
    key = (industry or "").strip().casefold()
    return key or None


def _finite(value: float) -> float:
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"figure is not a finite number: {value!r}")
    return value
