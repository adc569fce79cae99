"""The bad-input corpus (shared/BAD_INPUTS.md) through every user-controlled field, checked at
every place it comes out again: HTML, mail, CSV, XLSX, PDF, calendar files and JSON."""

from __future__ import annotations

import csv
import datetime as dt
import io
from urllib.parse import quote

import openpyxl
import pytest
from icalendar import Calendar
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Mail
from assessment.services.text import text_problem
from tests.conftest import (
    add_user,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)
from tests.fixtures.bad_inputs import CORPUS  # noqa: E402
from tests.web.test_training import weak_answers  # noqa: E402

LIVE_MARKUP = ("<script>alert(1)", "<img src=x", "<svg/onload", "<h1>X</h1>", "<xmp>")
CEO = shipped_catalogue().current_form("ceo")
CYCLE = "2026-Q4"


def assert_inert_html(html: str, text: str) -> None:
    for marker in LIVE_MARKUP:
        assert marker not in html
    assert "SECRET_KEY" not in html and "&lt;class" not in html  # nothing was evaluated
    assert str(escape(text)) in html  # and the text itself is still shown, as text


def assert_neutral_cell(value: object, text: str) -> None:
    dangerous = text.startswith(("=", "+", "-", "@")) and text != "-12.5"
    assert value == ("'" + text if dangerous else text)


@pytest.fixture
def world(app):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "chair@example.com", permissions=("committee",))
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app)
    return app


def client_for(app, email):
    client = app.test_client()
    log_in(client, email)
    return client


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_names_evidence_and_sessions_are_inert_everywhere(world, text):
    app = world
    add_user(app, "ceo@example.com", role="ceo", name=text)
    add_user(app, "cio@example.com", role="cio", name=text)  # not submitted: gets the mail
    answers = weak_answers("ceo")  # low levels, so the CEO has training needs
    comment = next(i for i in CEO.items if i.type == "comment")
    answers[comment.id] = text
    belief = next(i for i in CEO.items if i.type == "belief" and i.fact == "mfa_remote_access")
    answers[belief.id] = "yes"
    submit_answers(app, "ceo@example.com", answers)

    it = client_for(app, "it@example.com")
    entry = {"category": "no", "as_of": dt.date.today().isoformat(), "evidence": text, "note": text}
    if text_problem(text, multiline=True):  # F-15: refused with a message, nothing stored
        refused = it.post(f"/facts/{CYCLE}/mfa_remote_access", data=entry)
        assert refused.status_code == 422 and "invisible formatting" in refused.text
        entry.update(evidence="MDM export", note="")
    saved = it.post(f"/facts/{CYCLE}/mfa_remote_access", data=entry)
    assert saved.status_code == 302
    if entry["evidence"] == text:
        assert_inert_html(it.get(f"/facts/{CYCLE}").get_data(as_text=True), text)
        facts_page = it.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True)
        assert_inert_html(facts_page, text)

    admin = client_for(app, "admin@example.com")
    assert_inert_html(admin.get("/admin/people").get_data(as_text=True), text)
    assert_inert_html(admin.get(f"/admin/cycles/{CYCLE}").get_data(as_text=True), text)
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    assert_inert_html(admin.get("/admin/outbox").get_data(as_text=True), text)
    with app.app_context():
        body = db.session.scalar(select(Mail.body).where(Mail.recipient == "cio@example.com"))
    assert f"Dear {text}," in body  # plain-text mail: kept exactly, never rendered as markup

    chair = client_for(app, "chair@example.com")
    gap_page = chair.get(f"/gaps/{CYCLE}").get_data(as_text=True)
    if entry["evidence"] == text:  # the page shows the evidence the owner gave
        assert_inert_html(gap_page, text)
    rows = list(
        csv.reader(io.StringIO(chair.get(f"/gaps/{CYCLE}/export.csv").data.decode("utf-8-sig")))
    )
    assert_neutral_cell(rows[1][1], text)
    book = openpyxl.load_workbook(io.BytesIO(chair.get(f"/gaps/{CYCLE}/export.xlsx").data))
    cell = book["Beliefs and facts"]["B2"]
    assert cell.data_type != "f"
    assert_neutral_cell(cell.value, text)
    assert chair.get(f"/gaps/{CYCLE}/export.json").get_json()["pairs"][0]["email"] == (
        "ceo@example.com"
    )
    pdf = PdfReader(io.BytesIO(chair.get(f"/gaps/{CYCLE}/export.pdf").data))
    assert "Gap report" in pdf.pages[0].extract_text()
    assert chair.get(f"/committee/pack/{CYCLE}.pdf").status_code == 200

    ceo = client_for(app, "ceo@example.com")
    assert_inert_html(ceo.get(f"/respond/{CYCLE}/results").get_data(as_text=True), text)

    coord = client_for(app, "coord@example.com")
    module = next(iter(shipped_catalogue().training))
    plan = {
        "module_id": module,
        "date": "2027-01-10",
        "time": "10:00",
        "timezone": "UTC",
        "duration_minutes": "60",
        "location": text,
        "capacity": "3",
        "facilitator": text,
    }
    if text_problem(text):  # F-15: a place or facilitator with such characters is refused
        refused = coord.post("/training/sessions/new", data=plan)
        assert refused.status_code == 200 and "characters" in refused.text
        plan.update(location="Room 4", facilitator="Dana")
    created = coord.post("/training/sessions/new", data=plan)
    assert created.status_code == 302
    session_path = created.headers["Location"]
    coord.post(session_path + "/assign", data={"email": ["ceo@example.com"]})
    assert_inert_html(coord.get(session_path).get_data(as_text=True), text)
    assert_inert_html(coord.get("/training/").get_data(as_text=True), text)
    needs = list(csv.reader(io.StringIO(coord.get("/training/needs.csv").data.decode("utf-8-sig"))))
    assert_neutral_cell(needs[1][0], text)
    calendar = Calendar.from_ical(coord.get("/training/sessions.ics").data)
    assert str(calendar.events[0]["LOCATION"]) == plan["location"]


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_validated_fields_refuse_cleanly(world, text):
    admin = client_for(world, "admin@example.com")
    response = admin.post(
        "/admin/cycles", data={"id": text, "opens": "2027-01-01", "closes": "2027-03-31"}
    )
    assert response.status_code == 200  # the form again, with a message; never a 500
    html = response.get_data(as_text=True)
    assert "Use letters, digits" in html or "Field cannot be longer" in html
    for marker in LIVE_MARKUP:
        assert marker not in html
    login = world.test_client().post("/login", data={"email": text, "password": text})
    assert login.status_code == 200
    for marker in LIVE_MARKUP:
        assert marker not in login.get_data(as_text=True)


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_query_parameters_and_tokens_never_cause_a_500(world, text):
    chair = client_for(world, "chair@example.com")
    coord = client_for(world, "coord@example.com")
    quoted = quote(text, safe="")
    for client, path in (
        (chair, f"/committee/?from={quoted}"),
        (chair, f"/committee/why?from={CYCLE}&to={CYCLE}&domain={quoted}"),
        (coord, f"/training/?cycle={quoted}"),
        (chair, f"/gaps/{quoted}"),
        (world.test_client(), f"/i/{quoted}"),
    ):
        response = client.get(path)
        assert response.status_code in (200, 404), (path, response.status_code)
        for marker in LIVE_MARKUP:
            assert marker not in response.get_data(as_text=True)


def test_ten_thousand_fields_and_a_huge_answer_are_handled_cleanly(world):
    add_user(world, "ceo@example.com", role="ceo")
    ceo = client_for(world, "ceo@example.com")
    ceo.post(f"/respond/{CYCLE}/start")
    many = {f"answer-x{k}": "a" for k in range(10_000)} | {"action": "next"}
    response = ceo.post(f"/respond/{CYCLE}/page/1", data=many)
    assert response.status_code == 302  # unknown fields are ignored, nothing else happens
    with world.app_context():
        from assessment.models import Answer

        assert db.session.scalar(select(Answer.id)) is None
    huge = ceo.post(
        f"/respond/{CYCLE}/answer", json={"item": CEO.items[0].id, "value": "x" * 2_000_000}
    )
    assert huge.status_code == 413
