"""GET/PUT /api/v1/organisation and GET /api/v1/cycles/{cycle}/benchmark."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy import stats
from sqlalchemy import select

from assessment import queries, tenancy
from assessment.extensions import db
from assessment.models import AuditEntry, CycleStatus, Organisation
from tests.benchmark_orgs import CYCLE, add_organisation, domain_means, opt_in, run_cycle
from tests.conftest import add_user

DEFAULT_ORG = 1


@pytest.fixture
def admin(app: Any, runner: Any) -> dict[str, str]:
    """An administrator's token alone (cheaper than every persona's)."""
    add_user(app, "admin@example.com", permissions=("admin",))
    token = runner.invoke(args=["tokens", "create", "admin@example.com"]).output.split()[-1]
    return {"Authorization": f"Bearer {token}"}


def _entries(app: Any, action: str, organisation_id: int = DEFAULT_ORG) -> list[AuditEntry]:
    with app.app_context(), tenancy.acting_for(organisation_id):
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def _organisation(app: Any, organisation_id: int = DEFAULT_ORG) -> dict[str, Any]:
    with app.app_context():
        found = db.session.get(Organisation, organisation_id)
        assert found is not None
        return {
            "slug": found.slug,
            "name": found.name,
            "industry": found.industry,
            "size": found.size,
            "benchmark_opt_in": found.benchmark_opt_in,
        }


@pytest.mark.parametrize("persona", ["admin", "committee", "hr_coordinator", "executive"])
def test_organisation_get_answers_any_token_with_its_organisation(client, tokens, persona):
    response = client.get("/api/v1/organisation", headers=tokens[persona])
    assert response.status_code == 200
    assert response.get_json() == {
        "slug": "default",
        "name": "Our organisation",
        "industry": None,
        "size": None,
        "benchmark_opt_in": False,
    }


def test_organisation_put_changes_what_it_names_and_audits_it(app, client, tokens):
    response = client.put(
        "/api/v1/organisation",
        json={"name": "  Northwind Health ", "industry": "Health", "benchmark_opt_in": True},
        headers=tokens["admin"],
    )
    assert response.status_code == 200, response.get_json()
    expected = {
        "slug": "default",
        "name": "Northwind Health",
        "industry": "Health",
        "size": None,
        "benchmark_opt_in": True,
    }
    assert response.get_json() == expected
    assert _organisation(app) == expected
    (entry,) = _entries(app, "organisation_updated")
    assert entry.actor == "admin@example.com" and entry.target == "default"
    assert entry.details["changed"] == {
        "name": ["Our organisation", "Northwind Health"],
        "industry": [None, "Health"],
        "benchmark_opt_in": [False, True],
    }
    # Left out: kept. An empty or null industry or size: cleared.
    again = client.put(
        "/api/v1/organisation", json={"industry": "", "size": "50-249"}, headers=tokens["admin"]
    )
    assert again.get_json() == {**expected, "industry": None, "size": "50-249"}
    cleared = client.put("/api/v1/organisation", json={"size": None}, headers=tokens["admin"])
    assert cleared.get_json()["size"] is None
    assert len(_entries(app, "organisation_updated")) == 3


@pytest.mark.parametrize(
    "body, field",
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": None}, "name"),
        ({"name": 5}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "Evil\u202eCorp"}, "name"),
        ({"industry": 3}, "industry"),
        ({"industry": "x" * 81}, "industry"),
        ({"size": ["big"]}, "size"),
        ({"benchmark_opt_in": "yes"}, "benchmark_opt_in"),
        ({"benchmark_opt_in": 1}, "benchmark_opt_in"),
        ({"benchmark_opt_in": None}, "benchmark_opt_in"),
        ({"colour": "red"}, "colour"),
        ({}, "body"),
    ],
    ids=[
        "empty-name",
        "blank-name",
        "null-name",
        "number-name",
        "long-name",
        "bidi-name",
        "number-industry",
        "long-industry",
        "list-size",
        "string-opt-in",
        "number-opt-in",
        "null-opt-in",
        "unknown-field",
        "nothing",
    ],
)
def test_organisation_put_refuses_bad_input_with_422_and_changes_nothing(
    app, client, admin, body, field
):
    before = _organisation(app)
    response = client.put("/api/v1/organisation", json=body, headers=admin)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert field in [e["field"] for e in response.get_json()["errors"]]
    assert _organisation(app) == before
    assert _entries(app, "organisation_updated") == []


def test_organisation_put_refuses_a_body_that_is_not_json(client, admin):
    response = client.put("/api/v1/organisation", data="name=x", headers=admin)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("persona", ["committee", "hr_coordinator", "fact_owner", "executive"])
def test_organisation_put_is_for_administrators_only(app, client, tokens, persona):
    response = client.put("/api/v1/organisation", json={"name": "Mine"}, headers=tokens[persona])
    assert response.status_code == 403
    assert _organisation(app)["name"] == "Our organisation"


def test_organisation_of_another_token_is_its_own(app, client, runner, tokens):
    assert runner.invoke(args=["orgs", "create", "beta", "--name", "Beta Ltd"]).exit_code == 0
    created = runner.invoke(
        args=["users", "create", "boss@beta.example", "--name", "Boss", "--permission", "admin"]
        + ["--org", "beta"]
    )
    assert created.exit_code == 0, created.output
    issued = runner.invoke(args=["tokens", "create", "boss@beta.example", "--org", "beta"])
    beta = {"Authorization": f"Bearer {issued.output.split()[-1]}"}
    assert client.get("/api/v1/organisation", headers=beta).get_json()["slug"] == "beta"
    changed = client.put("/api/v1/organisation", json={"size": "10-49"}, headers=beta)
    assert changed.get_json() == {
        "slug": "beta",
        "name": "Beta Ltd",
        "industry": None,
        "size": "10-49",
        "benchmark_opt_in": False,
    }
    assert _organisation(app)["size"] is None  # the default organisation kept its own
    beta_id = _organisation_id(app, "beta")
    assert [e.actor for e in _entries(app, "organisation_updated", beta_id)] == [
        "boss@beta.example"
    ]
    assert _entries(app, "organisation_updated") == []


def _organisation_id(app: Any, slug: str) -> int:
    with app.app_context():
        found = db.session.scalar(select(Organisation.id).where(Organisation.slug == slug))
        assert found is not None
        return found


# --- benchmarks ------------------------------------------------------------------------------


def _benchmark(client: Any, headers: dict[str, str], cycle: str = CYCLE) -> Any:
    return client.get(f"/api/v1/cycles/{cycle}/benchmark", headers=headers)


def _numbers(value: Any) -> list[float]:
    """Every number anywhere in a JSON value."""
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [float(value)]
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)]
    if isinstance(value, list):
        return [n for v in value for n in _numbers(v)]
    return []


def test_benchmark_equals_an_independent_computation(app, client, tokens):
    opt_in(app, DEFAULT_ORG)
    run_cycle(app, DEFAULT_ORG, seed=100)
    peers = [add_organisation(app, f"peer-{k}") for k in range(6)]
    for k, organisation_id in enumerate(peers):
        run_cycle(app, organisation_id, seed=k + 1)
    # Not peers: not opted in, still open, or another cycle id.
    outsider = add_organisation(app, "outsider", opt_in=False)
    run_cycle(app, outsider, seed=50)
    still_open = add_organisation(app, "still-open")
    run_cycle(app, still_open, seed=51, status=CycleStatus.OPEN)
    other_cycle = add_organisation(app, "other-cycle")
    run_cycle(app, other_cycle, seed=52, cycle_id="2026-Q2")

    response = _benchmark(client, tokens["committee"])
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert set(answer) == {"peers", "suppressed", "domains"}
    assert answer["peers"] == 6 and answer["suppressed"] is False

    own = domain_means(app, DEFAULT_ORG)
    figures = [domain_means(app, organisation_id) for organisation_id in peers]
    expected_domains = {d for d in own if sum(d in f for f in figures) >= 5}
    assert expected_domains and set(answer["domains"]) == expected_domains
    for domain, shown in answer["domains"].items():
        assert set(shown) == {"score", "percentile", "peer_median"}
        values = [f[domain] for f in figures if domain in f]
        assert shown["score"] == pytest.approx(own[domain], abs=1e-6)
        # Means equal on paper (12.5 from other rows) may differ in the last bits of a float:
        # the documented rule compares figures at 6 decimals, so that they tie.
        assert shown["percentile"] == pytest.approx(
            stats.percentileofscore(np.round(values, 6), round(own[domain], 6), kind="mean")
        )
        assert shown["peer_median"] == pytest.approx(float(np.median(values)), abs=1e-6)
    # The percentiles are not all the same: the organisations differ.
    assert len({round(d["percentile"]) for d in answer["domains"].values()}) > 1

    # No single peer's figure is in the answer: it holds the count and three numbers per
    # domain, none of them a peer's figure (with 6 peers the median is the mean of two).
    assert len(_numbers(answer)) == 1 + 3 * len(answer["domains"])
    for domain, shown in answer["domains"].items():
        values = sorted(f[domain] for f in figures if domain in f)
        assert len(values) == 6  # every peer's people answered in every domain
        for value in values:
            if value == pytest.approx(shown["score"], abs=1e-6):
                continue  # a peer that ties with us: our own figure, not news about it
            if values[2] == pytest.approx(values[3], abs=1e-6) == value:
                continue  # two middle peers tie: the median is their common figure
            assert value != pytest.approx(shown["peer_median"], abs=1e-6), domain
            assert value != pytest.approx(shown["score"], abs=1e-6), domain

    assert [e.target for e in _entries(app, "export")] == [f"api-benchmark-{CYCLE}"]


def test_benchmark_is_suppressed_below_five_contributing_peers(app, client, tokens):
    opt_in(app, DEFAULT_ORG)
    run_cycle(app, DEFAULT_ORG, seed=100)
    closed = [add_organisation(app, f"peer-{k}") for k in range(4)]
    for k, organisation_id in enumerate(closed):
        run_cycle(app, organisation_id, seed=k + 1)
    not_opted_in = add_organisation(app, "private", opt_in=False)
    run_cycle(app, not_opted_in, seed=20)
    still_open = add_organisation(app, "late")
    run_cycle(app, still_open, seed=21, status=CycleStatus.OPEN)
    nobody_answered = add_organisation(app, "silent")
    run_cycle(app, nobody_answered, seed=22, roles=())

    answer = _benchmark(client, tokens["admin"]).get_json()
    assert answer == {"peers": 4, "suppressed": True, "domains": {}}

    # A fifth peer: opting in makes the closed cycle count, and figures appear.
    opt_in(app, not_opted_in)
    answer = _benchmark(client, tokens["admin"]).get_json()
    assert answer["peers"] == 5 and answer["suppressed"] is False and answer["domains"]

    # Closing the late one's cycle makes six.
    with app.app_context(), tenancy.acting_for(still_open):
        cycle = queries.get_cycle(db.session, CYCLE)
        assert cycle is not None
        cycle.status = CycleStatus.CLOSED
        db.session.commit()
    assert _benchmark(client, tokens["admin"]).get_json()["peers"] == 6


def test_benchmark_needs_the_organisation_to_take_part(app, client, tokens):
    run_cycle(app, DEFAULT_ORG, seed=100)
    response = _benchmark(client, tokens["admin"])
    assert response.status_code == 409
    assert "opt in" in response.get_json()["detail"]


def test_benchmark_of_a_cycle_only_another_organisation_has_is_404(app, client, tokens):
    opt_in(app, DEFAULT_ORG)
    elsewhere = add_organisation(app, "elsewhere")
    run_cycle(app, elsewhere, seed=3)
    assert _benchmark(client, tokens["admin"]).status_code == 404
    assert _benchmark(client, tokens["admin"], "no-such-cycle").status_code == 404


@pytest.mark.parametrize(
    "persona, status",
    [("admin", 200), ("committee", 200), ("hr_coordinator", 403), ("executive", 403)],
)
def test_benchmark_is_for_administrators_and_the_committee(app, client, tokens, persona, status):
    opt_in(app, DEFAULT_ORG)
    run_cycle(app, DEFAULT_ORG, seed=100)
    assert _benchmark(client, tokens[persona]).status_code == status
