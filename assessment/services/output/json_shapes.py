"""JSON shapes fixed by CONTRACT.md, shared by the API and the exports."""

from __future__ import annotations

from typing import Any

from assessment.services.gaps.report import GapReport


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
        "by_role": by_role_json(report),
    }


def by_role_json(report: GapReport) -> dict[str, Any]:
    """The ``by_role`` part of ``gaps_json``: each role's class counts, kappa and p."""
    return {
        role: {**s.counts, "kappa": s.kappa, "optimism_p": s.optimism_p}
        for role, s in report.by_role.items()
    }


def trends_json(comparable_items: float, groups: dict[str, Any]) -> dict[str, Any]:
    """``{"comparable_items", "by_role": {role or "all": {from, to, change, ci, p, n_pairs}}}``."""
    return {
        "comparable_items": comparable_items,
        "by_role": {
            group: {
                "from": c.mean_from,
                "to": c.mean_to,
                "change": c.change,
                "ci": list(c.ci) if c.ci else None,
                "p": c.p,
                "n_pairs": c.n_pairs,
            }
            for group, c in groups.items()
        },
    }
