"""The measurement API: the applicability profile, the forms a cycle pins, responses checked
against the pinned form, questionnaire definitions by form id, and item analysis."""

from __future__ import annotations

import numpy as np
import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Response
from tests.api.test_api import make_cycle
from tests.conftest import add_user, complete_answers, shipped_catalogue

CATALOGUE = shipped_catalogue()


def regime_ids(body) -> set[str]:
    return {r["id"] for r in body["regimes"] if r["applies"]}


def forms_of(client, headers, cycle: str):
    response = client.get(f"/api/v1/cycles/{cycle}/forms", headers=headers)
    assert response.status_code == 200
    return response.get_json()


def test_every_regime_applies_until_the_profile_is_set(client, tokens):
    body = client.get("/api/v1/regimes", headers=tokens["committee"]).get_json()
    assert body["set"] is False
    assert regime_ids(body) == set(CATALOGUE.regimes)
    wanted = {"gdpr", "uk_gdpr", "hipaa", "sec", "nis2", "us_state_breach", "pci_dss"}
    assert wanted <= {r["id"] for r in body["regimes"]}
    assert all(r["name"] and r["summary"] for r in body["regimes"])


def test_unknown_regime_is_refused_whole_as_problem_json(client, tokens):
    before = client.get("/api/v1/regimes", headers=tokens["admin"]).get_json()
    refused = client.put(
        "/api/v1/regimes", json={"applies": ["gdpr", "atlantis"]}, headers=tokens["admin"]
    )
    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    assert "atlantis" in refused.get_json()["detail"]
    assert client.get("/api/v1/regimes", headers=tokens["admin"]).get_json() == before
    for bad in ({"applies": "gdpr"}, {"applies": [3]}, {}):
        assert client.put("/api/v1/regimes", json=bad, headers=tokens["admin"]).status_code in (
            400,
            422,
        )
    assert (
        client.put("/api/v1/regimes", json={"applies": []}, headers=tokens["committee"]).status_code
        == 403
    )


@pytest.mark.parametrize(
    "applies", [["hipaa", "sec", "us_state_breach"], ["gdpr", "uk_gdpr", "nis2"], []]
)
def test_a_cycle_never_pins_an_item_of_a_regime_that_does_not_apply(client, tokens, applies):
    put = client.put("/api/v1/regimes", json={"applies": applies}, headers=tokens["admin"])
    assert put.status_code == 200 and regime_ids(put.get_json()) == set(applies)
    assert put.get_json()["set"] is True
    assert make_cycle(client, tokens["admin"]).status_code == 201
    body = forms_of(client, tokens["admin"], "2026-Q4")
    assert body["regimes"] == sorted(applies)
    assert set(body["forms"]) == {"ceo", "cio", "it_manager", "hr", "legal"}
    excluded = 0
    for role, form in body["forms"].items():
        family = CATALOGUE.current(role)
        for item in family.items:
            if item.regimes and not set(item.regimes) & set(applies):
                assert item.id not in form["items"], (role, item.id)
                excluded += 1
        # the definition served under the form id lists exactly those items
        definition = client.get(
            f"/api/v1/questionnaires/{form['id']}?version={form['version']}",
            headers=tokens["admin"],
        )
        assert definition.status_code == 200, form["id"]
        served = definition.get_json()
        assert [i["id"] for i in served["items"]] == form["items"]
        for item in served["items"]:
            assert not item["regimes"] or set(item["regimes"]) & set(applies)
    assert excluded > 0  # the profile left something out
    # changing the profile later leaves the open cycle's forms alone
    client.put(
        "/api/v1/regimes", json={"applies": sorted(CATALOGUE.regimes)}, headers=tokens["admin"]
    )
    assert forms_of(client, tokens["admin"], "2026-Q4") == body


def test_consecutive_cycles_rotate_forms_around_the_same_anchors(client, tokens):
    for n, cycle in enumerate(("2026-Q2", "2026-Q3", "2026-Q4")):
        make_cycle(client, tokens["admin"], cycle, days_ago=200 - 90 * n)
    pinned = [
        forms_of(client, tokens["admin"], c)["forms"] for c in ("2026-Q2", "2026-Q3", "2026-Q4")
    ]
    for role in ("ceo", "cio", "it_manager", "hr", "legal"):
        family = CATALOGUE.current(role)
        ids = [p[role]["id"] for p in pinned]
        assert ids[0] != ids[1] and ids[1] != ids[2] and ids[0] == ids[2]  # a, b, a
        first, second = (set(p[role]["items"]) for p in pinned[:2])
        assert first & second == {i.id for i in family.items if i.form is None}
        assert first != second


def test_a_response_names_its_form_and_may_hold_only_that_forms_items(app, client, tokens):
    make_cycle(client, tokens["admin"], "2026-Q3", days_ago=100)
    make_cycle(client, tokens["admin"], "2026-Q4")
    add_user(app, "ceo2@example.com", role="ceo")
    form_b = forms_of(client, tokens["admin"], "2026-Q4")["forms"]["ceo"]
    assert form_b["id"] != "ceo"
    questionnaire = CATALOGUE.get(form_b["id"], form_b["version"])
    form_a = CATALOGUE.current_form("ceo")
    stray = next(i for i in form_a.items if i.form is not None and i.type == "knowledge")
    answers = complete_answers("ceo", questionnaire) | {stray.id: stray.correct_choice}
    body = {"email": "ceo2@example.com", "questionnaire": form_b["id"], "answers": answers}
    wrong_form = client.post(
        "/api/v1/cycles/2026-Q4/responses",
        json={**body, "questionnaire": "ceo"},
        headers=tokens["admin"],
    )
    assert wrong_form.status_code == 422
    assert {e["field"]: e["message"] for e in wrong_form.get_json()["errors"]} == {
        "questionnaire": "not pinned for this person"
    }
    refused = client.post("/api/v1/cycles/2026-Q4/responses", json=body, headers=tokens["admin"])
    assert refused.status_code == 422
    fields = {e["field"]: e["message"] for e in refused.get_json()["errors"]}
    assert fields == {f"answers.{stray.id}": "is not an item of this questionnaire"}
    del answers[stray.id]
    created = client.post(
        "/api/v1/cycles/2026-Q4/responses",
        json={**body, "answers": answers},
        headers=tokens["admin"],
    )
    assert created.status_code == 201, created.get_json()
    domains = created.get_json()["scores"]["domains"]
    assert all(d["standard_error"] > 0 for d in domains.values() if d["score"] is not None)
    with app.app_context():
        stored = db.session.scalar(select(Response))
        assert (stored.questionnaire_id, stored.questionnaire_version) == (
            form_b["id"],
            form_b["version"],
        )


def test_item_analysis_over_cycles_and_its_errors(app, client, tokens):
    make_cycle(client, tokens["admin"])
    rng = np.random.default_rng(7)
    form = CATALOGUE.current_form("it_manager")
    knowledge = [i for i in form.items if i.type == "knowledge"]
    rows = []
    for n in range(6):
        add_user(app, f"it{n}@example.com", role="it_manager")
        answers = complete_answers("it_manager")
        row = []
        for item in knowledge:
            right = bool(rng.random() < 0.6)
            wrong = next(c.id for c in item.choices if not c.correct and not c.dont_know)
            answers[item.id] = item.correct_choice if right else wrong
            row.append(float(right))
        rows.append(row)
        created = client.post(
            "/api/v1/cycles/2026-Q4/responses",
            json={"email": f"it{n}@example.com", "questionnaire": "it_manager", "answers": answers},
            headers=tokens["admin"],
        )
        assert created.status_code == 201
    response = client.get("/api/v1/item-analysis?cycles=2026-Q4", headers=tokens["committee"])
    assert response.status_code == 200 and response.headers["ETag"]
    body = response.get_json()
    assert body["cycles"] == ["2026-Q4"]
    stats = {i["id"]: i for i in body["items"] if i["role"] == "it_manager"}
    matrix = np.array(rows)
    for j, item in enumerate(knowledge):
        assert stats[item.id]["n"] == 6
        assert stats[item.id]["difficulty"] == pytest.approx(matrix[:, j].mean())
        assert stats[item.id]["dont_know_rate"] == 0
    for problem in ("", "?cycles=", "?cycles=" + ",".join(f"C{n}" for n in range(41))):
        bad = client.get(f"/api/v1/item-analysis{problem}", headers=tokens["committee"])
        assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    unknown = client.get("/api/v1/item-analysis?cycles=1999-Q1", headers=tokens["committee"])
    assert unknown.status_code == 404
    assert (
        client.get("/api/v1/item-analysis?cycles=2026-Q4", headers=tokens["executive"]).status_code
        == 403
    )
    assert client.get("/api/v1/cycles/1999-Q1/forms", headers=tokens["admin"]).status_code == 404
