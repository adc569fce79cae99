"""JSON shapes fixed by CONTRACT.md, shared by the API and the exports."""

from __future__ import annotations

from typing import Any

from ..services.gap_analysis import GapReport


def gaps_json(report: GapReport) -> dict[str, Any]:
    """``{"pairs": [...], "by_role": {...}}`` exactly as CONTRACT.md describes."""
    return {
        "pairs": [
            {
                "email": p.email,
                "role": p.role,
                "item": p.item_id,
                "fact": p.fact_id,
                "belief": p.belief,
                "actual": p.actual,
                "class": p.gap,
            }
            for p in report.pairs
        ],
        "by_role": {
            role: {**s.counts, "kappa": s.kappa, "optimism_p": s.optimism_p}
            for role, s in report.by_role.items()
        },
    }
