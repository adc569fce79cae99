"""One write path: a change made on the web and the same change made through the API (or the
command line) run the same action and leave the same audit entry. A refusal writes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from assessment import actions, queries
from assessment.actions import SYSTEM, Actor, Conflict, Forbidden, Invalid
from assessment.actions.facts import FactInput
from assessment.extensions import db
from assessment.models import AuditEntry, FactValue
from tests.conftest import add_user, complete_answers, log_in, open_test_cycle
from tests.web.test_respond import CYCLE, answer_everything


def entries(app, action: str) -> list[tuple[str, str, str, dict[str, object]]]:
    """(actor, action, target, details) of every audit entry of that action, oldest first."""
    with app.app_context():
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
        return [(e.actor, e.action, e.target, e.details) for e in rows]


def token_for(runner, email: str) -> dict[str, str]:
    result = runner.invoke(args=["tokens", "create", email])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}


@pytest.fixture
def owner(app, client, runner):
    """An IT manager who reports facts, signed in on the web and holding an API token."""
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app, CYCLE)
    log_in(client, "it@example.com")
    return client, token_for(runner, "it@example.com")


def test_write_layer_fact_reported_on_web_and_api_is_audited_the_same(app, owner):
    web, headers = owner
    form = {"category": "partly", "as_of": dt.date.today().isoformat(), "evidence": "MDM export"}
    assert web.post(f"/facts/{CYCLE}/mfa_remote_access", data=form).status_code == 302
    api = app.test_client().put(
        f"/api/v1/cycles/{CYCLE}/facts",
        json={"facts": {"mfa_remote_access": "partly"}, "evidence": "MDM export"},
        headers=headers,
    )
    assert api.status_code == 200, api.get_json()
    from_web, from_api = entries(app, "fact_reported")
    assert from_web == from_api
    assert from_web == (
        "it@example.com",
        "fact_reported",
        f"{CYCLE}/mfa_remote_access",
        {"category": "partly", "reason": ""},
    )


def test_write_layer_submission_is_audited_whichever_door(app, client, runner):
    add_user(app, "ceo@example.com", role="ceo")
    add_user(app, "cio@example.com", role="cio")
    add_user(app, "admin@example.com", permissions=("admin",))
    open_test_cycle(app, CYCLE)
    log_in(client, "ceo@example.com")
    answer_everything(client, complete_answers("ceo"))
    assert client.post(f"/respond/{CYCLE}/submit").status_code == 302
    cio = complete_answers("cio")
    api = app.test_client().post(
        f"/api/v1/cycles/{CYCLE}/responses",
        json={"email": "cio@example.com", "questionnaire": "cio", "answers": cio},
        headers=token_for(runner, "admin@example.com"),
    )
    assert api.status_code == 201, api.get_json()
    assert entries(app, "response_submitted") == [
        ("ceo@example.com", "response_submitted", f"{CYCLE}/ceo@example.com", {}),
        ("admin@example.com", "response_submitted", f"{CYCLE}/cio@example.com", {}),
    ]


def test_write_layer_cycle_created_on_web_api_is_audited_the_same(app, client, runner):
    add_user(app, "admin@example.com", permissions=("admin",))
    log_in(client, "admin@example.com")
    dates = {"opens": "2031-01-01", "closes": "2031-03-31"}
    assert client.post("/admin/cycles", data={"id": "2031-Q1", **dates}).status_code == 302
    api = app.test_client().post(
        "/api/v1/cycles",
        json={"id": "2031-Q2", "opens": "2031-04-01", "closes": "2031-06-30"},
        headers=token_for(runner, "admin@example.com"),
    )
    assert api.status_code == 201
    web_entry, api_entry = entries(app, "cycle_created")
    assert web_entry == ("admin@example.com", "cycle_created", "2031-Q1", dates)
    assert api_entry == (
        "admin@example.com",
        "cycle_created",
        "2031-Q2",
        {"opens": "2031-04-01", "closes": "2031-06-30"},
    )


def test_write_layer_person_created_by_api_and_cli_is_audited_the_same(app, runner):
    add_user(app, "admin@example.com", permissions=("admin",))
    headers = token_for(runner, "admin@example.com")
    api = app.test_client().post(
        "/api/v1/people",
        json={"email": "hr@example.com", "name": "Harriet", "role": "hr"},
        headers=headers,
    )
    assert api.status_code == 201
    cli = runner.invoke(
        args=["users", "create", "legal@example.com", "--name", "L", "--role", "legal"]
    )
    assert cli.exit_code == 0, cli.output
    from_api, from_cli = entries(app, "account_created")
    assert from_api == (
        "admin@example.com",
        "account_created",
        "hr@example.com",
        {"role": "hr", "permissions": []},
    )
    assert from_cli == (
        "system",
        "account_created",
        "legal@example.com",
        {"role": "legal", "permissions": []},
    )


def test_write_layer_cycle_transitions_through_the_api_follow_the_rules(app, runner):
    add_user(app, "admin@example.com", permissions=("admin",))
    headers = token_for(runner, "admin@example.com")
    api = app.test_client()
    created = api.post(
        "/api/v1/cycles",
        json={"id": "2031-Q1", "opens": "2031-01-01", "closes": "2031-03-31"},
        headers=headers,
    )
    assert created.get_json()["status"] == "draft"
    for status, code in (("closed", 409), ("open", 200), ("open", 409), ("frozen", 409)):
        answer = api.patch("/api/v1/cycles/2031-Q1", json={"status": status}, headers=headers)
        assert answer.status_code == code, (status, answer.get_json())
    for status in ("closed", "frozen"):
        answer = api.patch("/api/v1/cycles/2031-Q1", json={"status": status}, headers=headers)
        assert answer.get_json()["status"] == status
    again = api.patch("/api/v1/cycles/2031-Q1", json={"status": "frozen"}, headers=headers)
    assert again.status_code == 409
    assert again.mimetype == "application/problem+json"
    actions = [a for _, a, target, _ in _all(app) if target == "2031-Q1"]
    assert actions == ["cycle_created", "cycle_open", "cycle_close", "cycle_freeze"]
    missing = api.patch("/api/v1/cycles/1999-Q1", json={"status": "open"}, headers=headers)
    assert missing.status_code == 404


def test_write_layer_refusal_writes_nothing(app, owner):
    _, headers = owner
    before = len(_all(app))
    refused = app.test_client().put(
        f"/api/v1/cycles/{CYCLE}/facts",
        json={"facts": {"mfa_remote_access": "partly", "ir_plan": "nonsense"}},
        headers=headers,
    )
    assert refused.status_code in (403, 422)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FactValue)) == 0
    assert len(_all(app)) == before


def _all(app) -> list[tuple[str, str, str, dict[str, object]]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.actor, e.action, e.target, e.details) for e in rows]


@pytest.mark.parametrize(
    ("status", "step", "allowed"),
    [
        ("draft", "open", True),
        ("draft", "close", False),
        ("open", "close", True),
        ("open", "freeze", False),
        ("closed", "freeze", True),
        ("closed", "open", False),
        ("closed", "reopen", True),
        ("open", "reopen", False),
        ("frozen", "reopen", False),
        ("frozen", "recompute", True),
        ("frozen", "close", False),
        ("draft", "explode", False),
    ],
    ids=lambda v: str(v),
)
def test_write_layer_cycle_rules_are_one_table(app, status, step, allowed):
    with app.app_context():
        cycle = actions.cycles.create_cycle(
            SYSTEM, "2031-Q1", dt.date(2031, 1, 1), dt.date(2031, 3, 31)
        )
        cycle.status = status
        db.session.flush()
        if allowed:
            changed = actions.cycles.change_status(SYSTEM, cycle, step)
            assert changed.cycle.status == actions.cycles.RULES[changed.transition][1]
        else:
            with pytest.raises((Conflict, Invalid)):
                actions.cycles.change_status(SYSTEM, cycle, step)
            assert cycle.status == status


def test_write_layer_second_submission_is_refused_and_audited_once(app, in_cycle):
    cycle, person = in_cycle
    actions.responses.submit(SYSTEM, cycle, person, answers=complete_answers("ceo"))
    db.session.commit()
    with pytest.raises(Conflict):
        actions.responses.submit(SYSTEM, cycle, person, answers=complete_answers("ceo"))
    db.session.rollback()
    assert len(entries(app, "response_submitted")) == 1


def test_write_layer_fact_owner_may_not_report_another_roles_fact(app):
    add_user(app, "hr@example.com", role="hr", permissions=("fact_owner",))
    open_test_cycle(app, CYCLE)
    with app.app_context():
        cycle = queries.get_cycle(db.session, CYCLE)
        account = queries.find_account_by_email(db.session, "hr@example.com")
        assert cycle is not None and account is not None
        hr = Actor.of_account(account)
        assert "mfa_remote_access" not in actions.facts.editable_facts(hr)
        with pytest.raises(Forbidden):
            actions.facts.report_facts(
                hr,
                cycle,
                {"mfa_remote_access": FactInput(category="yes")},
                as_of=dt.date.today(),
                evidence="e",
            )
