"""Closing, freezing and reopening a cycle: each asks first and says what will happen;
a closed cycle can be reopened (audited) until it is frozen."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assessment import queries
from assessment.extensions import db
from assessment.models import AuditEntry
from tests.conftest import add_user, log_in, open_test_cycle
from tests.web.test_invitations import link_for

CYCLE = "2026-Q4"
TODAY = dt.date.today()


@pytest.fixture
def admin(app, client):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "cio@example.com", role="cio", name="Chris Info")
    open_test_cycle(app, CYCLE)
    log_in(client, "admin@example.com")
    return client


def status_of(app, cycle_id: str = CYCLE) -> str:
    with app.app_context():
        return queries.get_cycle(db.session, cycle_id).status


def change(client, action: str, **fields: str):
    return client.post(f"/admin/cycles/{CYCLE}/status", data={"action": action, **fields})


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def start_answering(app, email: str) -> None:
    """The person opens the questionnaire and saves one page: part-way."""
    with app.app_context():
        person = queries.find_person_by_email(db.session, email)
        cycle = queries.get_cycle(db.session, CYCLE)
        queries.start_response(db.session, person, cycle)
        db.session.commit()


def test_closing_asks_first_names_who_is_part_way_and_changes_nothing_until_confirmed(app, admin):
    start_answering(app, "cio@example.com")
    page = change(admin, "close")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f"Close {CYCLE}?" in html
    assert "1 person is part-way" in html and "Chris Info" in html
    assert "invitation links stop working" in html and "reopen the cycle until it is frozen" in html
    assert status_of(app) == "open"
    done = change(admin, "close", confirmed="yes")
    assert done.status_code == 302 and status_of(app) == "closed"
    assert "You can reopen it until it is frozen" in admin.get(done.location).get_data(as_text=True)


def test_freezing_says_it_is_final_and_whether_the_facts_were_attested(app, admin):
    change(admin, "close", confirmed="yes")
    html = change(admin, "freeze").get_data(as_text=True)
    assert "This is final" in html and "cannot be undone" in html
    assert "has not been attested" in html and "report version 1" in html
    assert status_of(app) == "closed"
    change(admin, "freeze", confirmed="yes")
    assert status_of(app) == "frozen"


def test_a_closed_cycle_reopens_with_a_new_date_and_the_reason_in_the_audit(app, admin):
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    path = link_for(app, "ceo@example.com").replace("http://assessment.test", "")
    change(admin, "close", confirmed="yes")
    assert app.test_client().get(path).status_code == 410
    new_closes = TODAY + dt.timedelta(days=40)
    form = change(admin, "reopen").get_data(as_text=True)
    assert f"Reopen {CYCLE}?" in form and 'name="reopen-closes"' in form
    done = change(
        admin,
        "reopen",
        confirmed="yes",
        **{"reopen-closes": new_closes.isoformat(), "reopen-reason": "{{7*7}} Casey was away"},
    )
    assert done.status_code == 302 and status_of(app) == "open"
    with app.app_context():
        cycle = queries.get_cycle(db.session, CYCLE)
        assert cycle.closes == new_closes and cycle.closed_at is None
    [entry] = audit_entries(app, "cycle_reopen")
    assert entry.details["reason"] == "{{7*7}} Casey was away"
    assert entry.details["closes"]["to"] == new_closes.isoformat()
    assert app.test_client().get(path).status_code == 302  # the link signs in again


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"reopen-closes": (TODAY - dt.timedelta(days=1)).isoformat()}, "has passed"),
        ({"reopen-closes": ""}, "Choose the new closing date."),
        ({"reopen-closes": "tomorrow"}, "Not a valid date value."),
        (
            {
                "reopen-closes": (TODAY + dt.timedelta(days=9)).isoformat(),
                "reopen-reason": "a\x00b",
            },
            "reason",
        ),
        (
            {
                "reopen-closes": (TODAY + dt.timedelta(days=9)).isoformat(),
                "reopen-reason": "x" * 501,
            },
            "500",
        ),
    ],
    ids=["past", "empty", "not-a-date", "nul", "too-long"],
)
def test_a_bad_reopening_date_or_reason_is_explained_and_the_cycle_stays_closed(
    app, admin, fields, message
):
    change(admin, "close", confirmed="yes")
    page = change(admin, "reopen", confirmed="yes", **fields)
    assert page.status_code == 200 and message in page.get_data(as_text=True)
    assert status_of(app) == "closed" and not audit_entries(app, "cycle_reopen")


def test_html_in_the_reason_is_shown_as_text_on_the_form(app, admin):
    change(admin, "close", confirmed="yes")
    html = change(
        admin,
        "reopen",
        confirmed="yes",
        **{"reopen-closes": "", "reopen-reason": '"><h1>X</h1><img src=x onerror=alert(1)>'},
    ).get_data(as_text=True)
    assert "<h1>X</h1>" not in html and "&lt;h1&gt;X&lt;/h1&gt;" in html


def test_a_frozen_cycle_cannot_be_reopened(app, admin):
    change(admin, "close", confirmed="yes")
    change(admin, "freeze", confirmed="yes")
    page = admin.get(f"/admin/cycles/{CYCLE}").get_data(as_text=True)
    assert "cannot be reopened" in page and 'value="reopen"' not in page
    refused = change(
        admin,
        "reopen",
        confirmed="yes",
        **{"reopen-closes": (TODAY + dt.timedelta(days=9)).isoformat()},
    )
    assert "not possible" in admin.get(refused.location).get_data(as_text=True)
    assert status_of(app) == "frozen"


def test_the_api_reopens_a_closed_cycle_and_refuses_a_frozen_one(app, admin, runner):
    result = runner.invoke(args=["tokens", "create", "admin@example.com"])
    token = result.output.strip().splitlines()[-1]
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    change(admin, "close", confirmed="yes")
    reopened = api.patch(f"/api/v1/cycles/{CYCLE}", json={"status": "open"}, headers=headers)
    assert reopened.status_code == 200 and reopened.get_json()["status"] == "open"
    assert [e.actor for e in audit_entries(app, "cycle_reopen")] == ["admin@example.com"]
    change(admin, "close", confirmed="yes")
    change(admin, "freeze", confirmed="yes")
    refused = api.patch(f"/api/v1/cycles/{CYCLE}", json={"status": "open"}, headers=headers)
    assert refused.status_code == 409
    assert refused.headers["Content-Type"].startswith("application/problem+json")


def test_the_cycle_page_keeps_someone_deactivated_after_answering(app, admin):
    start_answering(app, "cio@example.com")
    with app.app_context():
        queries.find_person_by_email(db.session, "cio@example.com").account.active = False
        queries.find_person_by_email(db.session, "ceo@example.com").account.active = False
        db.session.commit()
    page = admin.get(f"/admin/cycles/{CYCLE}").get_data(as_text=True)
    assert "Chris Info" in page and "in progress" in page
    assert "Casey Chief" not in page  # deactivated before answering: not asked any more


def test_reopening_keeps_the_training_record_of_the_first_close(app, admin):
    change(admin, "close", confirmed="yes")
    with app.app_context():
        cycle = queries.get_cycle(db.session, CYCLE)
        cycle.training_at_close = [["ceo@example.com", "exec-asking-questions", "2026-10-01"]]
        db.session.commit()
    later = (TODAY + dt.timedelta(days=9)).isoformat()
    change(admin, "reopen", confirmed="yes", **{"reopen-closes": later})
    change(admin, "close", confirmed="yes")
    with app.app_context():
        cycle = queries.get_cycle(db.session, CYCLE)
        assert cycle.status == "closed"
        assert cycle.training_at_close == [
            ["ceo@example.com", "exec-asking-questions", "2026-10-01"]
        ]
