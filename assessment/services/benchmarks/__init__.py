"""Anonymous peer benchmarks (pure): see ``peers`` and docs/peer-benchmarks.md."""

from assessment.services.benchmarks.peers import (
    DECIMALS,
    DEFAULT_MINIMUM,
    BeliefCounts,
    Benchmark,
    PeerFigures,
    Placement,
    comparison_group,
    organisation_figures,
    peer_benchmark,
    place,
)

__all__ = [
    "DECIMALS",
    "DEFAULT_MINIMUM",
    "BeliefCounts",
    "Benchmark",
    "PeerFigures",
    "Placement",
    "comparison_group",
    "organisation_figures",
    "peer_benchmark",
    "place",
]
