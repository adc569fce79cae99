"""Every endpoint of the JSON API, its errors, and its agreement with the web form."""

from __future__ import annotations

import dataclasses
import datetime as dt

import numpy as np
import pytest
from scipy.stats import wilcoxon
from sqlalchemy import func, select

from assessment.extensions import db
from assessment.models import Answer, ApiToken, Response
from assessment.services.scoring.single import score_response
from tests.conftest import add_user, complete_answers, log_in, shipped_catalogue
from tests.web.test_respond import answer_everything

CATALOGUE = shipped_catalogue()
TODAY = dt.date.today()


def make_cycle(client, headers, cycle_id="2026-Q4", days_ago=5):
    body = {
        "id": cycle_id,
        "opens": (TODAY - dt.timedelta(days=days_ago)).isoformat(),
        "closes": (TODAY + dt.timedelta(days=30)).isoformat(),
    }
    return client.post("/api/v1/cycles", json=body, headers=headers)


def test_token_is_printed_alone_on_the_last_line_and_stored_as_a_hash(app, tokens):
    token = tokens["admin"]["Authorization"].removeprefix("Bearer ")
    assert token.startswith("lsa_") and " " not in token
    with app.app_context():
        hashes = list(db.session.scalars(select(ApiToken.token_hash)))
    assert token not in hashes and len(hashes) == 5


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nope", "Basic abc"])
def test_missing_or_unknown_token_is_401_problem(client, tokens, header):
    response = client.get("/api/v1/cycles", headers={"Authorization": header} if header else {})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert set(response.get_json()) >= {"status", "title", "detail"}


def test_expired_and_revoked_tokens_stop_working(app, client, tokens, runner):
    result = runner.invoke(args=["tokens", "create", "admin@example.com", "--expires-days", "1"])
    short = {"Authorization": "Bearer " + result.output.strip().splitlines()[-1]}
    assert client.get("/api/v1/cycles", headers=short).status_code == 200
    with app.app_context():
        newest = db.session.scalar(select(ApiToken).order_by(ApiToken.id.desc()))
        newest.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
        token_id = db.session.scalar(select(ApiToken.id).order_by(ApiToken.id))
    assert client.get("/api/v1/cycles", headers=short).status_code == 401
    web = app.test_client()
    log_in(web, "admin@example.com")
    web.post("/admin/tokens", data={"revoke": str(token_id)})
    assert client.get("/api/v1/cycles", headers=tokens["admin"]).status_code == 401


def test_questionnaires_and_keys_only_for_admin(client, tokens):
    listed = client.get("/api/v1/questionnaires", headers=tokens["executive"]).get_json()
    assert {q["id"] for q in listed["questionnaires"]} == {
        "ceo",
        "cio",
        "it_manager",
        "hr",
        "legal",
    }
    assert all(
        q["items"] == len(CATALOGUE.get(q["id"], q["version"]).items)
        for q in listed["questionnaires"]
    )
    plain = client.get("/api/v1/questionnaires/ceo", headers=tokens["executive"]).get_json()
    assert "key" not in plain["items"][0]
    keyed = client.get("/api/v1/questionnaires/ceo", headers=tokens["admin"]).get_json()
    knowledge = next(i for i in keyed["items"] if i["type"] == "knowledge")
    item = CATALOGUE.current_form("ceo").item(knowledge["id"])
    assert knowledge["key"] == {
        "correct": item.correct_choice,
        "reverse": False,
        "weight": item.weight,
        "fact": None,
        "dont_know": "dk",
        "foil": False,
    }
    belief = next(i for i in keyed["items"] if i["type"] == "belief")
    assert belief["key"]["fact"] and belief["choices"][-1]["id"] == "dk"
    assert client.get("/api/v1/questionnaires/cfo", headers=tokens["admin"]).status_code == 404
    assert (
        client.get("/api/v1/questionnaires/ceo?version=9.9.9", headers=tokens["admin"]).status_code
        == 404
    )


def test_facts_shape(client, tokens):
    facts = {
        f["id"]: f
        for f in client.get("/api/v1/facts", headers=tokens["committee"]).get_json()["facts"]
    }
    assert facts["mfa_remote_access"]["categories"] == ["no", "partly", "yes"]
    assert "bands" not in facts["mfa_remote_access"]
    assert facts["patch_latency_critical"]["bands"][0] == {
        "category": "over_30",
        "min": 30.0,
        "max": None,
    }


def test_people_and_cycles(client, tokens):
    created = client.post(
        "/api/v1/people",
        json={"email": "New@Example.com", "name": "N", "role": "cio"},
        headers=tokens["admin"],
    )
    assert created.status_code == 201 and created.get_json()["email"] == "new@example.com"
    again = client.post(
        "/api/v1/people", json={"email": "new@example.com", "name": "N"}, headers=tokens["admin"]
    )
    assert again.status_code == 409
    bad = client.post(
        "/api/v1/people",
        json={"email": "x", "name": "", "role": "cfo", "extra": 1},
        headers=tokens["admin"],
    )
    assert bad.status_code == 422
    assert {e["field"] for e in bad.get_json()["errors"]} >= {"email", "name", "role", "extra"}
    people = client.get("/api/v1/people?per_page=2&page=2", headers=tokens["admin"]).get_json()
    assert people["page"] == 2 and people["per_page"] == 2 and people["total"] == 6
    assert len(people["people"]) == 2
    assert make_cycle(client, tokens["admin"]).get_json()["status"] == "open"
    future = client.post(
        "/api/v1/cycles",
        json={"id": "2031-Q1", "opens": "2031-01-01", "closes": "2031-03-31"},
        headers=tokens["admin"],
    )
    assert future.get_json()["status"] == "draft"
    assert make_cycle(client, tokens["admin"]).status_code == 409
    backwards = client.post(
        "/api/v1/cycles",
        json={"id": "x", "opens": "2031-02-01", "closes": "2031-01-01"},
        headers=tokens["admin"],
    )
    assert backwards.status_code == 422
    assert (
        client.post("/api/v1/cycles", data="not json", headers=tokens["admin"]).status_code == 400
    )
    listed = client.get("/api/v1/cycles", headers=tokens["executive"]).get_json()
    assert [c["id"] for c in listed["cycles"]] == ["2031-Q1", "2026-Q4"]


def test_response_is_scored_like_the_form_and_a_second_submission_is_409(app, client, tokens):
    make_cycle(client, tokens["admin"])
    add_user(app, "ceo@example.com", role="ceo")
    add_user(app, "ceo2@example.com", role="ceo")
    answers = complete_answers("ceo")
    first_knowledge = next(i for i in CATALOGUE.current_form("ceo").items if i.type == "knowledge")
    answers[first_knowledge.id] = "dk"
    body = {"email": "ceo@example.com", "questionnaire": "ceo", "answers": answers}
    created = client.post("/api/v1/cycles/2026-Q4/responses", json=body, headers=tokens["admin"])
    assert created.status_code == 201, created.get_json()
    api_scores = created.get_json()["scores"]
    form = app.test_client()
    log_in(form, "ceo2@example.com")
    answer_everything(form, answers)
    form.post("/respond/2026-Q4/submit")
    listed = client.get("/api/v1/cycles/2026-Q4/scores", headers=tokens["committee"]).get_json()
    by_email = {s["email"]: s for s in listed["scores"]}
    assert by_email["ceo2@example.com"]["overall"] == api_scores["overall"]
    assert by_email["ceo@example.com"]["overall"] == api_scores["overall"]
    assert {
        d: v
        for d, v in by_email["ceo2@example.com"]["domains"].items()
        if d in api_scores["domains"]
    } == api_scores["domains"]
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Answer))
    second = client.post(
        "/api/v1/cycles/2026-Q4/responses",
        json={**body, "answers": complete_answers("ceo")},
        headers=tokens["admin"],
    )
    assert second.status_code == 409
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == before
        assert db.session.scalar(select(func.count()).select_from(Response)) == 2


def test_response_errors_name_the_items(app, client, tokens):
    make_cycle(client, tokens["admin"])
    add_user(app, "ceo@example.com", role="ceo")
    likert = next(i for i in CATALOGUE.current_form("ceo").items if i.type == "likert")
    body = {
        "email": "ceo@example.com",
        "questionnaire": "ceo",
        "answers": {likert.id: 9, "no.such.item": "a"},
    }
    response = client.post("/api/v1/cycles/2026-Q4/responses", json=body, headers=tokens["admin"])
    assert response.status_code == 422
    fields = {e["field"]: e["message"] for e in response.get_json()["errors"]}
    assert fields[f"answers.{likert.id}"] == "must be a whole number from 1 to 5"
    assert fields["answers.no.such.item"] == "is not an item of this questionnaire"
    required = [
        i for i in CATALOGUE.current_form("ceo").items if i.type != "comment" and not i.optional
    ]
    assert sum(m == "required" for m in fields.values()) == len(required) - 1  # all but likert
    for wrong in ({**body, "email": "nobody@example.com"}, {**body, "questionnaire": "cio"}):
        assert (
            client.post(
                "/api/v1/cycles/2026-Q4/responses", json=wrong, headers=tokens["admin"]
            ).status_code
            == 422
        )
    assert (
        client.post(
            "/api/v1/cycles/1999-Q1/responses", json=body, headers=tokens["admin"]
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_facts_gaps_and_etag(app, client, tokens):
    make_cycle(client, tokens["admin"])
    add_user(app, "ceo@example.com", role="ceo")
    answers = complete_answers("ceo")
    belief = next(
        i
        for i in CATALOGUE.current_form("ceo").items
        if i.type == "belief" and i.fact == "mfa_remote_access"
    )
    answers[belief.id] = "yes"
    client.post(
        "/api/v1/cycles/2026-Q4/responses",
        json={"email": "ceo@example.com", "questionnaire": "ceo", "answers": answers},
        headers=tokens["admin"],
    )
    put = client.put(
        "/api/v1/cycles/2026-Q4/facts",
        json={"facts": {"mfa_remote_access": "no", "patch_latency_critical": 20}},
        headers=tokens["fact_owner"],
    )
    assert put.status_code == 200
    assert put.get_json() == {
        "facts": {"mfa_remote_access": "no", "patch_latency_critical": "d15_30"}
    }
    refused = client.put(
        "/api/v1/cycles/2026-Q4/facts",
        json={"facts": {"byod_policy": "yes"}},
        headers=tokens["fact_owner"],
    )  # owned by HR
    assert refused.status_code == 403
    invalid = client.put(
        "/api/v1/cycles/2026-Q4/facts",
        json={"facts": {"mfa_email": 150, "nope": "yes"}},
        headers=tokens["admin"],
    )
    assert invalid.status_code == 422 and len(invalid.get_json()["errors"]) == 2
    gaps = client.get("/api/v1/cycles/2026-Q4/gaps", headers=tokens["committee"])
    body = gaps.get_json()
    pair = next(p for p in body["pairs"] if p["fact"] == "mfa_remote_access")
    assert pair == {
        "email": "ceo@example.com",
        "role": "ceo",
        "item": belief.id,
        "fact": "mfa_remote_access",
        "belief": "yes",
        "actual": "no",
        "class": "optimistic",
    }
    assert body["by_role"]["ceo"]["optimistic"] >= 1
    cached = client.get(
        "/api/v1/cycles/2026-Q4/gaps",
        headers={**tokens["committee"], "If-None-Match": gaps.headers["ETag"]},
    )
    assert cached.status_code == 304


def test_trends_for_twelve_it_managers_equal_scipy_on_the_anchor_items(app, client, tokens):
    """Consecutive cycles pin different forms; the trend compares scores on the anchors."""
    from tests.web.test_committee import answers_for

    make_cycle(client, tokens["admin"], "2026-Q3", days_ago=100)
    make_cycle(client, tokens["admin"], "2026-Q4")
    forms, every_item = {}, {}
    for cycle in ("2026-Q3", "2026-Q4"):
        pinned = client.get(f"/api/v1/cycles/{cycle}/forms", headers=tokens["admin"]).get_json()
        form = pinned["forms"]["it_manager"]
        forms[cycle] = CATALOGUE.get(form["id"], form["version"])
        every_item[cycle] = {i for f in pinned["forms"].values() for i in f["items"]}
    assert forms["2026-Q3"].id != forms["2026-Q4"].id
    for n in range(12):
        client.post(
            "/api/v1/people",
            json={"email": f"it{n}@example.com", "name": f"IT {n}", "role": "it_manager"},
            headers=tokens["admin"],
        )
        for quarter, cycle in ((0, "2026-Q3"), (1, "2026-Q4")):
            created = client.post(
                f"/api/v1/cycles/{cycle}/responses",
                json={
                    "email": f"it{n}@example.com",
                    "questionnaire": forms[cycle].id,
                    "answers": answers_for(n, quarter, forms[cycle]),
                },
                headers=tokens["admin"],
            )
            assert created.status_code == 201, created.get_json()
    # independent computation: the one-response scorer on the items both forms share
    first, second = forms["2026-Q3"], forms["2026-Q4"]
    shared = {i.id for i in first.items} & {i.id for i in second.items}
    assert shared and all(first.item(i).form is None for i in shared)  # the anchors only
    overall = {
        q: [
            score_response(
                dataclasses.replace(form, items=tuple(i for i in form.items if i.id in shared)),
                CATALOGUE.rubric,
                answers_for(n, q, form),
            ).overall
            for n in range(12)
        ]
        for q, form in ((0, first), (1, second))
    }
    differences = np.round(np.array(overall[1]) - np.array(overall[0]), 6)
    trends = client.get("/api/v1/trends?from=2026-Q3&to=2026-Q4", headers=tokens["committee"])
    body = trends.get_json()
    it = body["by_role"]["it_manager"]
    assert it["n_pairs"] == 12
    assert it["p"] == pytest.approx(wilcoxon(differences).pvalue, rel=1e-12)
    assert it["change"] == pytest.approx(differences.mean())
    both = every_item["2026-Q3"] & every_item["2026-Q4"]
    union = every_item["2026-Q3"] | every_item["2026-Q4"]
    assert body["comparable_items"] == pytest.approx(len(both) / len(union))
    assert body["comparable_items"] < 1
    missing = client.get("/api/v1/trends?from=2026-Q3", headers=tokens["committee"])
    assert missing.status_code == 422


def test_training_needs_shape(app, client, tokens):
    from tests.web.test_training import weak_answers

    make_cycle(client, tokens["admin"])
    add_user(app, "ceo@example.com", role="ceo")
    client.post(
        "/api/v1/cycles/2026-Q4/responses",
        json={"email": "ceo@example.com", "questionnaire": "ceo", "answers": weak_answers("ceo")},
        headers=tokens["admin"],
    )
    needs = client.get(
        "/api/v1/cycles/2026-Q4/training-needs", headers=tokens["hr_coordinator"]
    ).get_json()["needs"]
    assert needs and set(needs[0]) == {"email", "role", "domain", "level", "modules"}


def test_unknown_api_path_and_method_are_problems(client, tokens):
    assert client.get("/api/v1/nothing", headers=tokens["admin"]).mimetype == (
        "application/problem+json"
    )
    wrong = client.delete("/api/v1/cycles", headers=tokens["admin"])
    assert wrong.status_code == 405 and wrong.mimetype == "application/problem+json"
