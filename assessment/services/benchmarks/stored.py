"""A peer benchmark as kept in a frozen cycle's snapshot, and back.

A frozen cycle's pack must read the same every time it is printed; the peers' figures keep
moving as more organisations close the same quarter, so the comparison made when the cycle was
frozen is stored with its reports and read from there.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from assessment.services.benchmarks.peers import Benchmark, Placement


def benchmark_json(benchmark: Benchmark) -> dict[str, Any]:
    return {
        "peers": benchmark.peers,
        "suppressed": benchmark.suppressed,
        "minimum": benchmark.minimum,
        "industry": benchmark.industry,
        "domains": {d: _placement_json(p) for d, p in benchmark.domains.items()},
        "withheld": list(benchmark.withheld),
        "optimistic_share": (
            _placement_json(benchmark.optimistic_share) if benchmark.optimistic_share else None
        ),
    }


def benchmark_from_json(data: Mapping[str, Any]) -> Benchmark:
    share = data.get("optimistic_share")
    return Benchmark(
        peers=int(data["peers"]),
        suppressed=bool(data["suppressed"]),
        minimum=int(data["minimum"]),
        industry=data.get("industry"),
        domains={str(d): _placement(p) for d, p in dict(data.get("domains") or {}).items()},
        withheld=tuple(str(d) for d in data.get("withheld") or ()),
        optimistic_share=_placement(share) if share else None,
    )


def _placement_json(placement: Placement) -> dict[str, Any]:
    return {
        "score": placement.score,
        "percentile": placement.percentile,
        "peer_median": placement.peer_median,
        "peers": placement.peers,
    }


def _placement(data: Mapping[str, Any]) -> Placement:
    score, percentile = data.get("score"), data.get("percentile")
    return Placement(
        None if score is None else float(score),
        None if percentile is None else float(percentile),
        float(data["peer_median"]),
        int(data["peers"]),
    )
