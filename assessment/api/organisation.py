"""The token's organisation: its description, and where its cycle stands among its peers."""

from __future__ import annotations

from typing import Any

from assessment import queries, tenancy
from assessment.actions import audit
from assessment.actions.organisations import OrganisationChange, update_organisation
from assessment.api import schemas as s
from assessment.api.cycles import find_cycle
from assessment.api.framework import ApiError, current_actor, json_response, operation
from assessment.extensions import db
from assessment.models import Organisation
from assessment.reports.peer_benchmark import cycle_benchmark
from assessment.services.benchmarks.peers import Benchmark

CHANGEABLE = ("name", "industry", "size", "benchmark_opt_in")


def _organisation() -> Organisation:
    """The organisation the token belongs to (every call acts inside it)."""
    found = queries.get_organisation(db.session, tenancy.organisation_parameter(db.session()))
    assert found is not None, "a token's organisation is never deleted"
    return found


def _organisation_out(organisation: Organisation) -> dict[str, Any]:
    return {
        "slug": organisation.slug,
        "name": organisation.name,
        "industry": organisation.industry,
        "size": organisation.size,
        "benchmark_opt_in": organisation.benchmark_opt_in,
    }


@operation(
    "GET",
    "/organisation",
    "The organisation the token acts in",
    response=s.OrganisationOut,
)
def get_organisation() -> Any:
    return json_response(_organisation_out(_organisation()))


@operation(
    "PUT",
    "/organisation",
    "Change the organisation's name, industry, size or benchmark opt-in (fields left out stay)",
    permissions=("admin",),
    body=s.OrganisationIn,
    response=s.OrganisationOut,
    errors=(400, 422),
)
def put_organisation(payload: s.OrganisationIn) -> Any:
    given = {key: getattr(payload, key) for key in CHANGEABLE if key in payload.model_fields_set}
    if not given:
        raise ApiError(
            422,
            "Invalid request",
            f"Give at least one of: {', '.join(CHANGEABLE)}.",
            errors=[{"field": "body", "message": "nothing to change"}],
        )
    changed = update_organisation(current_actor(), _organisation(), OrganisationChange(**given))
    return json_response(_organisation_out(changed))


@operation(
    "GET",
    "/cycles/{cycle}/benchmark",
    "The cycle's domain figures among the opted-in peers that closed a cycle of the same id",
    permissions=("admin", "committee"),
    response=s.BenchmarkOut,
    errors=(404, 409),
)
def get_benchmark(cycle: str) -> Any:
    found = find_cycle(cycle)
    if not _organisation().benchmark_opt_in:
        # Taking part is both ways: an organisation sees peers only when it lets them see it.
        raise ApiError(
            409,
            "Conflict",
            "This organisation does not take part in peer benchmarks; an administrator can "
            'opt in with PUT /api/v1/organisation {"benchmark_opt_in": true}.',
        )
    # What peers' figures say about them leaves the app: audited as the other reports are.
    audit.record(current_actor(), "export", f"api-benchmark-{found.id}")
    return json_response(benchmark_json(cycle_benchmark(found)), etag=True)


def benchmark_json(benchmark: Benchmark) -> dict[str, Any]:
    """The contract's shape: only the organisation's own figure, its percentile and the peers'
    median per domain; no peer's own figure."""
    return {
        "peers": benchmark.peers,
        "suppressed": benchmark.suppressed,
        "domains": {
            domain: {
                "score": placement.score,
                "percentile": placement.percentile,
                "peer_median": placement.peer_median,
            }
            for domain, placement in benchmark.domains.items()
        },
    }
