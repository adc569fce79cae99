"""A peer benchmark in plain words for the committee page and the pack: a table of figures
already rounded, or one sentence saying why nothing is shown."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assessment.services.benchmarks.peers import Benchmark, Placement

HEADING = "How you compare with peers"
COLUMNS = ("Topic", "Your score", "Percentile", "Peer median", "Peers")


@dataclass(frozen=True)
class BenchmarkRow:
    topic: str
    score: str  # "—" where the organisation has no score of its own
    percentile: str
    peer_median: str
    n: str  # "n = 7"


@dataclass(frozen=True)
class BenchmarkBlock:
    """What the reader sees: ``sentences`` always, ``rows`` only when figures are shown."""

    sentences: tuple[str, ...]
    rows: tuple[BenchmarkRow, ...] = ()

    @property
    def shown(self) -> bool:
        return bool(self.rows)

    def table_rows(self) -> tuple[tuple[str, ...], ...]:
        return tuple((r.topic, r.score, r.percentile, r.peer_median, r.n) for r in self.rows)


def not_taking_part() -> BenchmarkBlock:
    """The block of an organisation that has not opted in."""
    return BenchmarkBlock(
        (
            "Nothing to show: your organisation does not take part in peer benchmarks. "
            "An administrator can opt in; your figures are then shared anonymously with the "
            "other organisations that take part, and theirs with you.",
        )
    )


def benchmark_block(
    benchmark: Benchmark, cycle_id: str, topics: Mapping[str, str]
) -> BenchmarkBlock:
    """The block of an organisation that takes part, for its cycle ``cycle_id``; ``topics``
    names each domain id, in the order to show them."""
    if benchmark.suppressed:
        return BenchmarkBlock(
            (
                f"Nothing to show yet: fewer than {benchmark.minimum} other organisations taking "
                f"part have closed {cycle_id} ({benchmark.peers} so far). Figures appear once "
                f"{benchmark.minimum} have, so that no single organisation can be picked out.",
            )
        )
    group = f" in {benchmark.industry}" if benchmark.industry else ""
    sentences = [
        f"Compared with {benchmark.peers} other organisations{group} that closed {cycle_id}. "
        "The percentile is the share of them scoring below you: 50 is the middle, 80 means "
        "ahead of about four in five. No single organisation's figure is shown."
    ]
    rows = tuple(
        _row(topics.get(domain, domain), benchmark.domains[domain])
        for domain in _ordered(benchmark.domains, topics)
    )
    if withheld := [topics.get(d, d) for d in _ordered(benchmark.withheld, topics)]:
        sentences.append(
            f"Not shown for {', '.join(withheld)}: fewer than {benchmark.minimum} of them have "
            "a score there."
        )
    if benchmark.optimistic_share is not None:
        sentences.append(optimism_sentence(benchmark.optimistic_share))
    return BenchmarkBlock(tuple(sentences), rows)


def optimism_sentence(share: Placement) -> str:
    """The share of beliefs rosier than the facts, where fewer is better: said as how many
    peers had a smaller share, never as a rank that reads like a score."""
    median = f"{share.peer_median:.0%}"
    if share.score is None or share.percentile is None:
        return (
            f"Beliefs more optimistic than the facts: at the peer median {median} of compared "
            f"beliefs (n = {share.peers}); none of yours could be compared yet."
        )
    return (
        f"Beliefs more optimistic than the facts: {share.score:.0%} of yours, {median} at the "
        f"peer median (n = {share.peers}); {share.percentile:.0f}% of peers had a smaller "
        "share (fewer is better)."
    )


def _ordered(
    domains: Mapping[str, object] | tuple[str, ...], topics: Mapping[str, str]
) -> list[str]:
    order = {domain: index for index, domain in enumerate(topics)}
    return sorted(domains, key=lambda d: (order.get(d, len(order)), d))


def _row(topic: str, placement: Placement) -> BenchmarkRow:
    return BenchmarkRow(
        topic,
        "—" if placement.score is None else f"{placement.score:.1f}",
        "—" if placement.percentile is None else f"{placement.percentile:.0f}",
        f"{placement.peer_median:.1f}",
        f"n = {placement.peers}",
    )
