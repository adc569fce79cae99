"""Measurement: the applicability profile, the forms a cycle pinned, and item analysis."""

from __future__ import annotations

from typing import Any

from flask import request

from assessment import actions
from assessment.actions.regimes import RegimeStatus
from assessment.api import schemas as s
from assessment.api.cycles import find_cycle
from assessment.api.framework import ApiError, current_actor, json_response, operation
from assessment.catalogue import catalogue
from assessment.reports.item_analysis import item_analysis_of

MAX_CYCLES = 40  # ten years of quarters: a bound on one request's work


def _regimes_json(profile: list[RegimeStatus]) -> dict[str, Any]:
    return {
        "regimes": [
            {
                "id": status.regime.id,
                "name": status.regime.name,
                "summary": status.regime.summary,
                "applies": status.applies,
            }
            for status in profile
        ],
        "set": actions.regimes.profile_is_set(),
    }


@operation(
    "GET",
    "/regimes",
    "The applicability profile: which regimes apply to the company",
    permissions=("admin", "committee"),
    response=s.RegimeList,
)
def get_regimes() -> Any:
    return json_response(_regimes_json(actions.regimes.profile()))


@operation(
    "PUT",
    "/regimes",
    "Set which regimes apply (affects cycles opened afterwards)",
    permissions=("admin",),
    body=s.RegimesIn,
    response=s.RegimeList,
    errors=(400, 422),
)
def put_regimes(payload: s.RegimesIn) -> Any:
    return json_response(
        _regimes_json(actions.regimes.set_applicable(current_actor(), payload.applies))
    )


@operation(
    "GET",
    "/cycles/{cycle}/forms",
    "The form each role answers in a cycle, pinned when it opened",
    permissions=("admin", "committee"),
    response=s.FormsOut,
    errors=(404,),
)
def get_forms(cycle: str) -> Any:
    found = find_cycle(cycle)
    forms = {}
    for pin in sorted(found.pinned, key=lambda p: p.role):
        form = catalogue().get(pin.questionnaire_id, pin.version)
        forms[pin.role] = {
            "id": form.id,
            "version": form.version,
            "items": [item.id for item in form.items],
        }
    return json_response({"forms": forms, "regimes": found.regimes})


@operation(
    "GET",
    "/item-analysis",
    "Difficulty, discrimination and don't-know rate per knowledge item, alpha per domain",
    permissions=("admin", "committee"),
    response=s.ItemAnalysisOut,
    errors=(404, 422),
    query=(("cycles", "string", True),),
)
def get_item_analysis() -> Any:
    names = [name.strip() for name in request.args.get("cycles", "").split(",") if name.strip()]
    if not names or len(names) > MAX_CYCLES:
        raise ApiError(
            422,
            "Invalid request",
            f"Give 1 to {MAX_CYCLES} cycle ids, comma-separated: ?cycles=2026-Q3,2026-Q4",
            errors=[{"field": "cycles", "message": "required" if not names else "too many"}],
        )
    cycles = [find_cycle(name).id for name in dict.fromkeys(names)]
    analysis = item_analysis_of(cycles)
    return json_response(
        {
            "cycles": cycles,
            "items": [
                {
                    "id": i.id,
                    "role": i.role,
                    "domain": i.domain,
                    "n": i.n,
                    "difficulty": i.difficulty,
                    "discrimination": i.discrimination,
                    "dont_know_rate": i.dont_know_rate,
                    "review": list(i.review_reasons),
                }
                for i in analysis.items
            ],
            "domains": [
                {
                    "role": d.role,
                    "domain": d.domain,
                    "n_items": d.n_items,
                    "n": d.n,
                    "alpha": d.alpha,
                }
                for d in analysis.domains
            ],
        },
        etag=True,
    )
