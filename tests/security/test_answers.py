"""Answers cannot be planted, piled up or changed after submission (F-02, F-07, F-09)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import func, select, update

from assessment import actions, queries
from assessment.actions import SYSTEM, Invalid
from assessment.actions.responses import MAX_KEPT_ANSWERS
from assessment.extensions import db
from assessment.models import Answer, AnswerStash, FactValue
from tests.conftest import add_user, complete_answers, log_in, open_test_cycle
from tests.web.test_respond import CYCLE, PAGES, form_for, stored
from tests.web.test_training import CATALOGUE

CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://attacker.example"},
    {"Origin": "http://attacker.example"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "null"},
]


def stash_rows(app) -> list[AnswerStash]:
    with app.app_context():
        rows = list(db.session.scalars(select(AnswerStash)))
        db.session.expunge_all()
        return rows


@pytest.fixture
def ceo(app, client):
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, CYCLE)
    log_in(client, "ceo@example.com")
    client.post(f"/respond/{CYCLE}/start")
    return client


@pytest.mark.parametrize("headers", CROSS_SITE, ids=lambda h: ",".join(h.values()))
def test_answers_cross_site_form_is_refused_and_keeps_nothing(app, headers):
    """F-02: a form on another site posting to the CSRF-exempt page save plants nothing."""
    add_user(app, "cio@example.com", role="cio")
    open_test_cycle(app, CYCLE)
    victim = app.test_client()  # a cross-site POST carries no SameSite=Lax cookie
    answers = complete_answers("ceo")
    refused = victim.post(f"/respond/{CYCLE}/page/1", data=form_for(1, answers), headers=headers)
    assert refused.status_code == 403
    assert "another website" in refused.get_data(as_text=True)
    assert "kept_answers" not in refused.headers.get("Set-Cookie", "")
    assert stash_rows(app) == []


def test_answers_same_origin_expired_post_is_kept(app, ceo):
    """F-02: the page's own form (same origin) still keeps answers when the session ended."""
    ceo.post("/logout")
    kept = ceo.post(
        f"/respond/{CYCLE}/page/1",
        data=form_for(1, complete_answers("ceo")),
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )
    assert kept.status_code == 200 and "Your answers are kept" in kept.get_data(as_text=True)
    assert len(stash_rows(app)) == 1


def test_answers_kept_are_shown_beside_the_stored_and_never_overwrite_newer(app, ceo):
    """F-02: the owner sees each kept answer next to the saved one, and an answer changed
    since then (another tab) is kept as it is, not overwritten."""
    item = next(i for i in PAGES[0].items if i.choices)
    first, second, third = (c.id for c in item.choices[:3])
    ceo.post(f"/respond/{CYCLE}/answer", json={"item": item.id, "value": first})
    posted = {**form_for(1, {item.id: second}), "csrf_token": "expired-or-forged"}
    app.config["WTF_CSRF_ENABLED"] = True  # the form's token expired
    assert "Your answers are kept" in ceo.post(f"/respond/{CYCLE}/page/1", data=posted).text
    app.config["WTF_CSRF_ENABLED"] = False
    intro = ceo.get(f"/respond/{CYCLE}").get_data(as_text=True)
    assert item.choice_label(second) in intro and item.choice_label(first) in intro
    version = re.search(rf'name="version-{re.escape(item.id)}" value="(\d+)"', intro).group(1)
    ceo.post(f"/respond/{CYCLE}/answer", json={"item": item.id, "value": third})  # other tab
    done = ceo.post(
        f"/respond/{CYCLE}/kept", data={"action": "save", f"version-{item.id}": version}
    )
    assert "kept_changed=1" in done.headers["Location"]
    assert stored(app)[item.id] == third
    assert stash_rows(app) == []


def test_answers_kept_for_one_account_are_not_offered_to_another(app, ceo):
    """F-02: kept answers bound to the account whose form expired stay with that account."""
    add_user(app, "cio@example.com", role="cio")
    app.config["WTF_CSRF_ENABLED"] = True
    posted = {**form_for(1, complete_answers("ceo")), "csrf_token": "expired-or-forged"}
    ceo.post(f"/respond/{CYCLE}/page/1", data=posted)
    app.config["WTF_CSRF_ENABLED"] = False
    [row] = stash_rows(app)
    assert row.account_id is not None
    ceo.post("/logout")
    log_in(ceo, "cio@example.com")
    assert "We kept them" not in ceo.get(f"/respond/{CYCLE}").get_data(as_text=True)


def test_answers_kept_are_bounded_to_questionnaire_items_and_one_page(app):
    """F-09: a client keeping its cookie cannot grow one kept set without bound; only items
    of the cycle's questionnaires are kept."""
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, CYCLE)
    client = app.test_client()
    items = list(complete_answers("ceo"))
    for round_ in range(3):
        junk = {f"answer-k{round_}-{n}": "x" * 4000 for n in range(64)}
        real = {f"answer-{item}": "a" for item in items[round_ * 20 : round_ * 20 + 20]}
        assert client.post(f"/respond/{CYCLE}/page/1", data={**junk, **real}).status_code == 200
    [row] = stash_rows(app)
    assert len(row.answers) <= MAX_KEPT_ANSWERS
    assert set(row.answers) <= set(items)
    assert len(str(row.answers)) < 20_000


def test_answers_kept_sets_expire_and_are_counted(app):
    """F-09: kept answers older than a session are purged on the next write."""
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, CYCLE)
    item = complete_answers("ceo")
    first = next(iter(item))
    app.test_client().post(f"/respond/{CYCLE}/page/1", data={f"answer-{first}": "a"})
    with app.app_context():
        db.session.execute(
            update(AnswerStash).values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
        )
        db.session.commit()
    app.test_client().post(f"/respond/{CYCLE}/page/1", data={f"answer-{first}": "b"})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AnswerStash)) == 1


def test_answers_cannot_be_written_to_a_submitted_response(in_cycle):
    """F-07: an answer save that arrives after the submit changes nothing."""
    cycle, person = in_cycle
    answers = complete_answers("ceo")
    submitted = actions.responses.submit(SYSTEM, cycle, person, answers=answers)
    db.session.commit()
    response_id = submitted.response.id
    item = next(iter(answers))
    with pytest.raises(actions.Conflict):
        actions.responses.save_answers(response_id, {item: None}, {})
    db.session.rollback()
    assert queries.stored_answer_values(db.session, response_id)[item] == answers[item]


def test_answers_submit_rechecks_completeness_after_locking(in_cycle):
    """F-07: an answer cleared by a save that landed between the completeness check and the
    status change makes the submit refuse, so a submitted response is never incomplete."""
    cycle, person = in_cycle
    answers = complete_answers("ceo")
    response = actions.responses.start(person, cycle)
    queries.save_answers(db.session, response, answers)
    db.session.commit()
    existing = queries.get_response(db.session, person.id, CYCLE)  # read: complete
    assert existing is not None and existing.answer_values() == answers
    required = next(i for i in PAGES[0].items if i.type == "knowledge")
    db.session.execute(  # the racing autosave, below the ORM the submit already read
        update(Answer)
        .where(Answer.response_id == response.id, Answer.item_id == required.id)
        .values(value=None)
    )
    with pytest.raises(Invalid):
        actions.responses.submit(SYSTEM, cycle, person)
    db.session.rollback()
    assert not queries.get_response(db.session, person.id, CYCLE).is_submitted


def test_answers_deeply_nested_autosave_body_is_a_bad_request(app, ceo):
    """F-12: a JSON body nested 100,000 deep answers 400 problem+json, not 500."""
    deep = "[" * 100_000 + "]" * 100_000
    answer = ceo.post(
        f"/respond/{CYCLE}/answer", data=deep, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code in (400, 422)
    assert answer.mimetype == "application/problem+json"


def test_answers_free_text_with_controls_is_refused_in_facts_and_sessions(app, client):
    """F-15: NUL and bidirectional overrides are refused in fact evidence and in a training
    session's place and facilitator, with the message under the field."""
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner", "hr_coordinator"))
    open_test_cycle(app, CYCLE)
    log_in(client, "it@example.com")
    form = {
        "category": "partly",
        "as_of": dt.date.today().isoformat(),
        "evidence": "MDM \u202eexport",
    }
    refused = client.post(f"/facts/{CYCLE}/mfa_remote_access", data=form)
    assert refused.status_code == 422 and "invisible formatting" in refused.text
    module = next(iter(CATALOGUE.training))
    session = client.post(
        "/training/sessions/new",
        data={
            "module_id": module,
            "date": "2026-03-30",
            "time": "10:00",
            "timezone": "UTC",
            "duration_minutes": "60",
            "location": "Room\u00004",
            "capacity": "4",
            "facilitator": "Dana",
        },
    )
    assert session.status_code == 200 and "control characters" in session.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(FactValue)) == 0
