"""Reports of a cycle for integrations: scores, gaps, trends and training needs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import request

from assessment.actions import audit
from assessment.api import schemas as s
from assessment.api.cycles import find_cycle
from assessment.api.framework import ApiError, current_actor, json_response, operation
from assessment.models import Cycle
from assessment.reports.comments import cycle_comments
from assessment.reports.gaps import gap_report_of
from assessment.reports.scores import ScoredPerson, scores_of
from assessment.reports.training_needs import needs_for
from assessment.reports.trends import compare
from assessment.services.comments.to_committee import comments_json
from assessment.services.output.json_shapes import gaps_json, trends_json


def _scores_json(scored: Sequence[ScoredPerson]) -> list[dict[str, Any]]:
    return [
        {
            "email": p.email,
            "role": p.role,
            "overall": p.overall,
            "level": p.level,
            "domains": p.domains,
        }
        for p in scored
    ]


@operation(
    "GET",
    "/cycles/{cycle}/scores",
    "Scores of every submitted response",
    permissions=("admin", "committee"),
    response=s.ScoreList,
    errors=(404,),
)
def get_scores(cycle: str) -> Any:
    found = _exported(cycle, "scores")
    return json_response({"scores": _scores_json(scores_of(found))}, etag=True)


@operation(
    "GET",
    "/cycles/{cycle}/gaps",
    "Belief against fact, per pair and per role",
    permissions=("admin", "committee"),
    response=s.GapsOut,
    errors=(404,),
)
def get_gaps(cycle: str) -> Any:
    return json_response(gaps_json(gap_report_of(_exported(cycle, "gaps"))), etag=True)


@operation(
    "GET",
    "/cycles/{cycle}/comments",
    "Comments written to the committee, attributed",
    permissions=("admin", "committee"),
    response=s.CommentList,
    errors=(404,),
)
def get_comments(cycle: str) -> Any:
    return json_response(comments_json(cycle_comments(_exported(cycle, "comments").id)), etag=True)


def _exported(cycle_id: str, what: str) -> Cycle:
    """The cycle whose named people's scores, beliefs or levels leave the app: the export is
    audited."""
    found = find_cycle(cycle_id)
    audit.record(current_actor(), "export", f"api-{what}-{cycle_id}")
    return found


@operation(
    "GET",
    "/trends",
    "Change between two cycles for the people present in both",
    permissions=("admin", "committee"),
    response=s.TrendsOut,
    errors=(404, 422),
    query=(("from", "string", True), ("to", "string", True)),
)
def get_trends() -> Any:
    names = {"from": request.args.get("from"), "to": request.args.get("to")}
    missing = [k for k, v in names.items() if not v]
    if missing:
        raise ApiError(
            422,
            "Invalid request",
            "Give both cycles: ?from=…&to=…",
            errors=[{"field": k, "message": "required"} for k in missing],
        )
    earlier, later = find_cycle(names["from"] or ""), find_cycle(names["to"] or "")
    # Per-item change of the people present in both cycles leaves the app: audited as the
    # scores and gaps are.
    audit.record(current_actor(), "export", f"api-trends-{earlier.id}-{later.id}")
    comparison = compare(earlier, later)
    return json_response(
        trends_json(comparison.comparable_items, comparison.report.groups), etag=True
    )


@operation(
    "GET",
    "/cycles/{cycle}/training-needs",
    "Training needs: person, domain, level, modules (never answers)",
    permissions=("admin", "committee", "hr_coordinator"),
    response=s.NeedList,
    errors=(404,),
)
def get_training_needs(cycle: str) -> Any:
    found = _exported(cycle, "training-needs")  # each person's role and levels
    return json_response(
        {
            "needs": [
                {
                    "email": n.email,
                    "role": n.role,
                    "domain": n.domain,
                    "level": n.level,
                    "modules": list(n.modules),
                }
                for n in needs_for(found)
            ]
        },
        etag=True,
    )
