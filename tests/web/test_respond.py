"""Taking the assessment through the client: save, resume, submit once, nothing lost."""

from __future__ import annotations

import re

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from assessment.extensions import db
from assessment.models import Answer, Response
from assessment.services.answering.questionnaire_pages import split_into_pages
from assessment.services.scoring.single import SCORING_VERSION
from assessment.web.answer_controls import field_name
from tests.conftest import (
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
)
from tests.fixtures.bad_inputs import CORPUS

CYCLE = "2026-Q4"
CEO = shipped_catalogue().current_form("ceo")
PAGES = split_into_pages(CEO, shipped_catalogue().rubric)


def form_for(page_number: int, answers: dict[str, object], action: str = "next") -> dict[str, str]:
    page = PAGES[page_number - 1]
    data = {field_name(i): str(answers[i.id]) for i in page.items if i.id in answers}
    data["action"] = action
    return data


@pytest.fixture
def ceo(app, client):
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(app, CYCLE)
    log_in(client, "ceo@example.com")
    return client


def stored(app) -> dict[str, object]:
    with app.app_context():
        return {a.item_id: a.value for a in db.session.scalars(select(Answer))}


def answer_everything(client, answers):
    client.post(f"/respond/{CYCLE}/start")
    for number in range(1, len(PAGES) + 1):
        response = client.post(f"/respond/{CYCLE}/page/{number}", data=form_for(number, answers))
        assert response.status_code == 302, response.get_data(as_text=True)[:500]


def test_home_offers_the_open_cycle(ceo):
    html = ceo.get("/").get_data(as_text=True)
    assert f'href="/respond/{CYCLE}"' in html and f"Start {CYCLE}" in html


def test_intro_says_what_how_long_and_who_sees_answers(ceo):
    html = ceo.get(f"/respond/{CYCLE}").get_data(as_text=True)
    assert "What this is" in html and f"About {CEO.minutes} minutes" in html
    assert "attributed to you" in html
    assert "HR training coordinator sees only which training topics" in html


def test_full_journey_saves_submits_and_shows_results(app, ceo):
    answers = complete_answers("ceo")
    answer_everything(ceo, answers)
    assert stored(app) == answers
    review = ceo.get(f"/respond/{CYCLE}/review").get_data(as_text=True)
    assert "Everything is answered" in review
    submitted = ceo.post(f"/respond/{CYCLE}/submit")
    assert submitted.headers["Location"] == f"/respond/{CYCLE}/results"
    results = ceo.get(f"/respond/{CYCLE}/results").get_data(as_text=True)
    assert "Your results" in results and "L5 Leading" in results  # every keyed answer right
    assert "Waiting for the fact report" in results  # beliefs pending
    with app.app_context():
        response = db.session.scalar(select(Response))
        assert response.status == "submitted" and response.scoring_version == SCORING_VERSION
        assert (response.questionnaire_id, response.questionnaire_version) == ("ceo", CEO.version)


def test_page_post_saves_partial_answers_and_resume_lands_on_last_page(app, ceo):
    ceo.post(f"/respond/{CYCLE}/start")
    answers = complete_answers("ceo")
    first = PAGES[0].items[0]
    ceo.post(
        f"/respond/{CYCLE}/page/1",
        data={field_name(first): str(answers[first.id]), "action": "next"},
    )
    ceo.get(f"/respond/{CYCLE}/page/3")
    ceo.post("/logout")
    log_in(ceo, "ceo@example.com")
    intro = ceo.get(f"/respond/{CYCLE}").get_data(as_text=True)
    assert f'href="/respond/{CYCLE}/page/3">Continue where you left off' in intro
    assert stored(app) == {first.id: answers[first.id]}


def test_save_and_finish_later_confirms_the_save(ceo):
    ceo.post(f"/respond/{CYCLE}/start")
    response = ceo.post(f"/respond/{CYCLE}/page/1", data={"action": "leave"})
    assert response.headers["Location"] == f"/respond/{CYCLE}?saved=1"
    assert "Your answers are saved" in ceo.get(response.headers["Location"]).get_data(as_text=True)


def test_incomplete_submit_names_the_missing_items(app, ceo):
    answers = complete_answers("ceo")
    missing = [PAGES[1].items[0], PAGES[4].items[0]]
    for item in missing:
        del answers[item.id]
    answer_everything(ceo, answers)
    response = ceo.post(f"/respond/{CYCLE}/submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Not submitted yet: 2 questions still need an answer" in html
    for item in missing:
        assert item.text.replace("'", "&#39;").replace('"', "&#34;") in html
    with app.app_context():
        assert db.session.scalar(select(Response.status)) == "draft"


def test_empty_submit_is_not_complete(app, ceo):
    ceo.post(f"/respond/{CYCLE}/start")
    assert ceo.post(f"/respond/{CYCLE}/submit").status_code == 422


def test_double_submit_and_back_button_end_on_results_with_one_response(app, ceo):
    answer_everything(ceo, complete_answers("ceo"))
    first = ceo.post(f"/respond/{CYCLE}/submit")
    second = ceo.post(f"/respond/{CYCLE}/submit")
    assert first.headers["Location"] == second.headers["Location"] == f"/respond/{CYCLE}/results"
    back = ceo.post(f"/respond/{CYCLE}/page/2", data=form_for(2, {}))  # the back button, resent
    assert back.headers["Location"] == f"/respond/{CYCLE}/results"
    assert ceo.post(f"/respond/{CYCLE}/start").status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_answers_cannot_change_after_submission(app, ceo):
    answers = complete_answers("ceo")
    answer_everything(ceo, answers)
    ceo.post(f"/respond/{CYCLE}/submit")
    item = PAGES[0].items[0]
    other = next(c.id for c in item.choices if c.id != answers[item.id])
    ceo.post(f"/respond/{CYCLE}/page/1", data={field_name(item): other, "action": "next"})
    late = ceo.post(f"/respond/{CYCLE}/answer", json={"item": item.id, "value": other})
    assert late.status_code == 409
    assert stored(app)[item.id] == answers[item.id]


def test_stale_tab_does_not_overwrite_a_newer_answer(app, ceo):
    ceo.post(f"/respond/{CYCLE}/start")
    item = PAGES[0].items[0]
    first, second = item.choices[0].id, item.choices[1].id
    ceo.post(f"/respond/{CYCLE}/answer", json={"item": item.id, "value": first})
    page = ceo.get(f"/respond/{CYCLE}/page/1").get_data(as_text=True)
    version = re.search(rf'name="version-{re.escape(item.id)}" value="(\d+)"', page).group(1)
    # another tab changes the answer
    ceo.post(
        f"/respond/{CYCLE}/answer", json={"item": item.id, "value": second, "version": int(version)}
    )
    # the first tab, still showing the old version, posts a different answer
    stale = ceo.post(
        f"/respond/{CYCLE}/page/1",
        data={
            field_name(item): item.choices[2].id,
            f"version-{item.id}": version,
            "action": "next",
        },
    )
    assert stale.status_code == 409
    assert "changed in another window" in stale.get_data(as_text=True)
    assert stored(app)[item.id] == second


def test_autosave_confirms_with_version_and_rejects_bad_values(app, ceo):
    ceo.post(f"/respond/{CYCLE}/start")
    likert = next(i for i in CEO.items if i.type == "likert")
    ok = ceo.post(f"/respond/{CYCLE}/answer", json={"item": likert.id, "value": 5})
    required = sum(1 for i in CEO.items if i.type != "comment" and not i.optional)
    assert ok.status_code == 200 and ok.get_json() == {
        "saved": True,
        "item": likert.id,
        "version": 1,
        "answered": 1,
        "required": required,
    }
    again = ceo.post(f"/respond/{CYCLE}/answer", json={"item": likert.id, "value": 2, "version": 1})
    assert again.get_json()["version"] == 2
    bad = ceo.post(f"/respond/{CYCLE}/answer", json={"item": likert.id, "value": 9})
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"
    assert bad.get_json()["errors"][0]["field"] == likert.id
    unknown = ceo.post(f"/respond/{CYCLE}/answer", json={"item": "cio.d1.x", "value": 1})
    assert unknown.status_code == 422
    assert stored(app) == {likert.id: 2}


def test_autosave_when_signed_out_answers_401_problem(app, client):
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, CYCLE)
    response = client.post(f"/respond/{CYCLE}/answer", json={"item": "x", "value": 1})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_expired_csrf_token_keeps_the_posted_answers(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, CYCLE)
    client = app.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post(
        "/login",
        data={
            "email": "ceo@example.com",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    client.post(f"/respond/{CYCLE}/start", data={"csrf_token": token})
    answers = complete_answers("ceo")
    posted = form_for(1, answers)
    posted["csrf_token"] = "expired-or-forged"
    kept = client.post(f"/respond/{CYCLE}/page/1", data=posted)
    assert kept.status_code == 200
    assert "Your answers are kept" in kept.get_data(as_text=True)
    assert stored(app) == {}  # nothing changed without a valid token
    intro = client.get(f"/respond/{CYCLE}").get_data(as_text=True)
    assert f"you had just sent {len(PAGES[0].items)} answers" in intro
    fresh = re.search(r'name="csrf_token" value="([^"]+)"', intro).group(1)
    client.post(f"/respond/{CYCLE}/kept", data={"csrf_token": fresh, "action": "save"})
    assert stored(app) == {i.id: answers[i.id] for i in PAGES[0].items}


def test_expired_session_keeps_the_posted_answers_until_sign_in(app, client):
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, CYCLE)
    log_in(client, "ceo@example.com")
    client.post(f"/respond/{CYCLE}/start")
    client.post("/logout")  # the session ends while the page is still open
    answers = complete_answers("ceo")
    kept = client.post(f"/respond/{CYCLE}/page/2", data=form_for(2, answers))
    assert "Sign in again" in kept.get_data(as_text=True)
    log_in(client, "ceo@example.com")
    intro = client.get(f"/respond/{CYCLE}").get_data(as_text=True)
    assert "We kept them" in intro
    client.post(f"/respond/{CYCLE}/kept", data={"action": "save"})
    assert stored(app) == {i.id: answers[i.id] for i in PAGES[1].items}
    assert "We kept them" not in client.get(f"/respond/{CYCLE}").get_data(as_text=True)


def test_nobody_reaches_another_persons_questionnaire(app, client):
    add_user(app, "ceo@example.com", role="ceo")
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    open_test_cycle(app, CYCLE)
    log_in(client, "ceo@example.com")
    client.post(f"/respond/{CYCLE}/start")
    client.post("/logout")
    log_in(client, "coord@example.com")  # no executive role: no questionnaire at all
    assert client.get(f"/respond/{CYCLE}").status_code == 403
    assert (
        client.post(
            f"/respond/{CYCLE}/answer", json={"item": CEO.items[0].id, "value": "a"}
        ).status_code
        == 403
    )
    assert client.get(f"/respond/{CYCLE}/results").status_code == 403
    assert stored(app) == {}


def test_unknown_cycle_and_page_are_404(ceo):
    assert ceo.get("/respond/1999-Q1").status_code == 404
    ceo.post(f"/respond/{CYCLE}/start")
    assert ceo.get(f"/respond/{CYCLE}/page/99").status_code == 404


BAD = CORPUS


@pytest.mark.parametrize("text", BAD, ids=range(len(BAD)))
def test_bad_input_in_comment_is_kept_exactly_and_escaped(app, ceo, text):
    answers = complete_answers("ceo")
    comment = next(i for i in CEO.items if i.type == "comment")
    answers[comment.id] = text
    answer_everything(ceo, answers)
    assert stored(app)[comment.id] == text
    number = next(p.number for p in PAGES if comment in p.items)
    page = ceo.get(f"/respond/{CYCLE}/page/{number}").get_data(as_text=True)
    escaped = str(escape(text))
    assert escaped in page  # shown back exactly, as text: never markup, never evaluated
    assert "<script>alert(1)" not in page and "<img src=x" not in page and "<svg/onload" not in page
    ceo.post(f"/respond/{CYCLE}/submit")
    results = ceo.get(f"/respond/{CYCLE}/results").get_data(as_text=True)
    assert f"<blockquote>{escaped}</blockquote>" in results
    assert "<script>alert(1)" not in results and "<img src=x" not in results


@pytest.mark.parametrize(
    ("text", "message"),
    [("x" * 1_000_000, "at most 5000 characters"), ("nul\x00byte", "NUL")],
    ids=["one-megabyte", "nul-byte"],
)
def test_oversized_or_nul_comment_is_refused_clearly(app, ceo, text, message):
    ceo.post(f"/respond/{CYCLE}/start")
    comment = next(i for i in CEO.items if i.type == "comment")
    number = next(p.number for p in PAGES if comment in p.items)
    response = ceo.post(
        f"/respond/{CYCLE}/page/{number}", data={field_name(comment): text, "action": "next"}
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


@pytest.fixture
def another_request_first(app):
    """Run a write of "another request" once, just before this request's statement that
    writes the answer row: the moment a real race between two requests lands. Arm it with
    (the statement to precede, the racing write as a function of that statement's values)."""
    from sqlalchemy import event

    armed: list[tuple[object, object]] = []

    def before_execute(connection, statement, multiparams, params, options):
        if armed and statement is armed[0][0]:
            _, racing = armed.pop()
            values = multiparams[0] if multiparams else params
            with app.app_context(), db.engine.connect() as other:
                other.execute(racing(values))
                other.commit()

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_execute", before_execute)
    yield armed
    event.remove(engine, "before_execute", before_execute)
    assert not armed, "the race was set up but never happened"


def _insert_same_answer(value):
    from sqlalchemy import insert

    from assessment.queries import responses

    return responses._NEW_ANSWER, lambda row: insert(Answer).values(
        organisation_id=row["organisation"],
        response_id=row["response"],
        item_id=row["item_id"],
        value=value,
        version=1,
    )


def _update_same_answer(value):
    from sqlalchemy import update

    from assessment.queries import responses

    return (
        responses._CHANGED_ANSWER,
        lambda row: (
            update(Answer)
            .where(Answer.id == row["answer"])
            .values(value=value, version=Answer.version + 1)
        ),
    )


def test_page_save_racing_an_autosave_for_the_same_new_answer_loses_nothing(
    app, ceo, another_request_first
):
    """The autosave inserts the row first; the page save's insert then hits the unique key."""
    ceo.post(f"/respond/{CYCLE}/start")
    item = PAGES[0].items[0]
    another_request_first.append(_insert_same_answer(item.choices[1].id))
    response = ceo.post(
        f"/respond/{CYCLE}/page/1", data={field_name(item): item.choices[0].id, "action": "next"}
    )
    assert response.status_code == 302
    assert stored(app)[item.id] == item.choices[0].id  # the page's answer, after one retry


@pytest.mark.parametrize(
    ("seen_version", "status", "kept"),
    [(None, 200, "third"), (1, 409, "second")],
    ids=["without-a-version-the-retry-stores-it", "after-an-older-version-a-conflict"],
)
def test_a_save_racing_another_update_of_the_same_answer(
    app, ceo, another_request_first, seen_version, status, kept
):
    """Without a version the client asks to store its value, and the retry does so. A client
    that saw an older version gets a conflict, and the other window's newer answer is kept."""
    ceo.post(f"/respond/{CYCLE}/start")
    item = PAGES[0].items[0]
    first, second, third = (c.id for c in item.choices[:3])
    ceo.post(f"/respond/{CYCLE}/answer", json={"item": item.id, "value": first})
    another_request_first.append(_update_same_answer(second))
    body = {"item": item.id, "value": third}
    if seen_version is not None:
        body["version"] = seen_version
    saved = ceo.post(f"/respond/{CYCLE}/answer", json=body)
    assert saved.status_code == status, saved.get_json()
    expected = {"second": second, "third": third}[kept]
    assert stored(app)[item.id] == expected
    if status == 200:
        assert saved.get_json()["version"] == 3
    else:
        assert saved.get_json()["value"] == second
