"""Fact answers besides a value: never, not applicable and compensating control (issue 19)."""

from __future__ import annotations

from assessment import ROOT
from assessment.services.content.definitions import NOT_APPLICABLE
from assessment.services.content.questionnaire_files import load_catalogue
from tests.api.test_api import make_cycle
from tests.conftest import add_user, complete_answers

CATALOGUE = load_catalogue(ROOT / "questionnaires")


def test_fact_report_with_never_not_applicable_and_compensating_answers(app, client, tokens):
    make_cycle(client, tokens["admin"])
    add_user(app, "hr@example.com", role="hr")
    answers = complete_answers("hr")
    q = CATALOGUE.current_form("hr")
    tabletop = next(i for i in q.items if i.type == "belief" and i.fact == "exec_tabletop")
    answers[tabletop.id] = "within_6m"
    assert (
        client.post(
            "/api/v1/cycles/2026-Q4/responses",
            json={"email": "hr@example.com", "questionnaire": q.id, "answers": answers},
            headers=tokens["admin"],
        ).status_code
        == 201
    )
    put = client.put(
        "/api/v1/cycles/2026-Q4/facts",
        json={"facts": {"exec_tabletop": "never", "phishing_report_rate": "not_applicable"}},
        headers=tokens["admin"],
    )
    assert put.status_code == 200, put.get_json()
    assert put.get_json()["facts"] == {
        "exec_tabletop": "over_12m",
        "phishing_report_rate": NOT_APPLICABLE,
    }
    # a compensating control must say what it is
    refused = client.put(
        "/api/v1/cycles/2026-Q4/facts",
        json={"facts": {"mfa_remote_access": "compensating"}},
        headers=tokens["admin"],
    )
    assert refused.status_code == 422 and "note" in str(refused.get_json())
    accepted = client.put(
        "/api/v1/cycles/2026-Q4/facts",
        json={
            "facts": {"mfa_remote_access": "compensating"},
            "note": "Vendor portal behind a jump host with hardware keys; approved by the CIO.",
        },
        headers=tokens["admin"],
    )
    assert accepted.get_json()["facts"] == {"mfa_remote_access": "yes"}
    pairs = client.get("/api/v1/cycles/2026-Q4/gaps", headers=tokens["committee"]).get_json()
    by_fact = {p["fact"]: p for p in pairs["pairs"]}
    # "never" counts as the worst band, so a recent-tabletop belief is optimistic ...
    assert by_fact["exec_tabletop"]["class"] == "optimistic"
    # ... and a fact that does not apply this quarter is compared with nobody's belief
    assert "phishing_report_rate" not in by_fact
    listed = {
        f["id"]: f for f in client.get("/api/v1/facts", headers=tokens["admin"]).get_json()["facts"]
    }
    assert {"id": "never", "label": listed["exec_tabletop"]["special"][0]["label"]} == {
        k: listed["exec_tabletop"]["special"][0][k] for k in ("id", "label")
    }
    assert listed["risks_escalated_early"]["retired"] is True
    assert listed["independent_test"]["attester"] == "hr"
