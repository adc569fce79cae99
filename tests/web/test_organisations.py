"""Consultants on the web (the portfolio and switching organisation) and an organisation's own
settings and logo."""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import zlib

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from assessment import actions, queries, tenancy
from assessment.actions.actor import Actor
from assessment.actions.facts import FactInput
from assessment.extensions import db
from assessment.models import AuditEntry, Cycle, CycleStatus, Organisation
from assessment.reports.gaps import gap_report_of
from tests.conftest import (
    PASSWORD,
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)

CONSULTANT = "consultant@example.com"
NORTHWIND, CONTOSO = "Northwind Health", "Contoso Bank"


def png(width: int = 1, height: int = 1) -> bytes:
    """A real PNG image: signature, header, one grey row per line of pixels, end."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def new_organisation(app, slug: str, name: str) -> int:
    with app.app_context():
        organisation = queries.create_organisation(db.session, slug, name)
        db.session.commit()
        return organisation.id


def member(app, organisation_id: int, email: str, **options) -> int:
    """A person with an account in that organisation; returns the account id."""
    with tenancy.acting_for(organisation_id):
        return add_user(app, email, **options)


@pytest.fixture
def orgs(app) -> dict[str, int]:
    """Northwind (the installation's first organisation) and Contoso, each with its own CEO;
    the consultant administers both and sits on Contoso's committee."""
    with app.app_context():
        first = db.session.scalars(select(Organisation).order_by(Organisation.id)).first()
        first.name = NORTHWIND
        db.session.commit()
        northwind = first.id
    contoso = new_organisation(app, "contoso", CONTOSO)
    member(app, northwind, CONSULTANT, permissions=("admin",), name="Casey Consultant")
    member(app, contoso, CONSULTANT, permissions=("admin", "committee"), name="Casey Consultant")
    member(app, northwind, "north-ceo@example.com", role="ceo", name="Nora North")
    member(app, contoso, "contoso-ceo@example.com", role="ceo", name="Conrad Contoso")
    return {"northwind": northwind, "contoso": contoso}


def header(html: str) -> str:
    found = re.search(r'<header class="site-header">(.*?)</header>', html, re.S)
    assert found, "no header"
    return found.group(1)


def working_in(client) -> str:
    """The organisation name the header shows."""
    found = re.search(
        r'<span class="organisation-name">([^<]*)</span>', header(client.get("/").text)
    )
    assert found, "the header names no organisation"
    return found.group(1)


def switch(client, organisation_id: object, **extra):
    return client.post("/organisations/switch", data={"organisation": organisation_id, **extra})


def switches(app, organisation_id: int) -> list[AuditEntry]:
    with app.app_context(), tenancy.acting_for(organisation_id):
        return list(
            db.session.scalars(select(AuditEntry).where(AuditEntry.action == "organisation_switch"))
        )


def signed_in(app, email: str = CONSULTANT):
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client


# --- the portfolio and switching ----------------------------------------------------------


def test_portfolio_lists_the_consultants_organisations_with_their_access(app, orgs):
    client = signed_in(app)
    page = client.get("/organisations")
    assert page.status_code == 200
    html = page.text
    assert NORTHWIND in html and CONTOSO in html
    assert "Administrator, Committee member" in html  # their access in Contoso
    assert html.count('name="organisation"') == 1  # a Switch button for the other one only
    assert "working here now" in html
    assert "Switch organisation" in header(html)


def test_a_person_in_one_organisation_is_offered_no_switch(app, orgs):
    client = signed_in(app, "north-ceo@example.com")
    assert working_in(client) == NORTHWIND
    assert "Switch organisation" not in header(client.get("/").text)
    assert client.get("/organisations").text.count('name="organisation"') == 0


def test_switching_changes_the_header_and_the_data_shown(app, orgs):
    client = signed_in(app)
    assert working_in(client) == NORTHWIND
    people = client.get("/admin/people").text
    assert "Nora North" in people and "Conrad Contoso" not in people

    response = switch(client, orgs["contoso"])
    assert response.status_code == 302 and response.headers["Location"] == "/"
    home = client.get("/").text
    assert f"You are now working in {CONTOSO}." in home
    assert working_in(client) == CONTOSO
    people = client.get("/admin/people").text
    assert "Conrad Contoso" in people and "Nora North" not in people
    # and back
    assert switch(client, orgs["northwind"]).status_code == 302
    assert working_in(client) == NORTHWIND


def test_a_switch_is_recorded_in_both_organisations_audit_logs(app, orgs):
    client = signed_in(app)
    switch(client, orgs["contoso"])
    (left,) = switches(app, orgs["northwind"])
    (entered,) = switches(app, orgs["contoso"])
    moved = {"from_organisation": orgs["northwind"], "to_organisation": orgs["contoso"]}
    assert left.actor == entered.actor == CONSULTANT
    assert left.details == {"direction": "left", **moved}
    assert entered.details == {"direction": "entered", **moved}
    # the other client's name never enters this client's log
    assert CONTOSO not in str(left.details) and NORTHWIND not in str(entered.details)
    for organisation_id in orgs.values():
        with app.app_context(), tenancy.acting_for(organisation_id):
            assert actions.audit.verify() is None
    # the next sign-in lands where the consultant last worked
    assert working_in(signed_in(app)) == CONTOSO


@pytest.mark.parametrize(
    "target",
    ["stranger", "deactivated", "missing", "text", "empty"],
)
def test_only_the_persons_own_active_memberships_can_be_switched_to(app, orgs, target):
    stranger = new_organisation(app, "fabrikam", "Fabrikam")
    member(app, stranger, "someone@example.com", permissions=("admin",))
    deactivated = new_organisation(app, "tailspin", "Tailspin Toys")
    member(app, deactivated, CONSULTANT, permissions=("admin",), active=False)
    chosen = {
        "stranger": stranger,
        "deactivated": deactivated,
        "missing": 9999,
        "text": "contoso",
        "empty": "",
    }[target]
    client = signed_in(app)
    assert "Tailspin" not in client.get("/organisations").text
    assert switch(client, chosen).status_code == 404
    assert working_in(client) == NORTHWIND
    assert not switches(app, orgs["northwind"])


def test_switching_to_the_current_organisation_changes_nothing(app, orgs):
    client = signed_in(app)
    response = switch(client, orgs["northwind"])
    assert response.status_code == 302 and response.headers["Location"] == "/organisations"
    assert not switches(app, orgs["northwind"])


def test_a_forged_switch_without_the_csrf_token_is_refused(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    with app.app_context():
        contoso = new_organisation(app, "contoso", CONTOSO)
    member(app, 1, CONSULTANT, permissions=("admin",))
    member(app, contoso, CONSULTANT, permissions=("admin",))
    client = app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)
    client.post("/login", data={"email": CONSULTANT, "password": PASSWORD, "csrf_token": token[1]})
    assert switch(client, contoso).status_code == 400
    assert not switches(app, contoso)
    page = client.get("/organisations").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert switch(client, contoso, csrf_token=token[1]).status_code == 302
    assert len(switches(app, contoso)) == 1


def _closed_cycle_with_gaps(app, organisation_id: int) -> None:
    """A closed 2026-Q4 in the organisation: the CEO's belief about MFA is optimistic."""
    with tenancy.acting_for(organisation_id):
        open_test_cycle(app, "2026-Q4")
        form = shipped_catalogue().current_form("ceo")
        answers = complete_answers("ceo", form)
        item = next(i for i in form.items if i.type == "belief" and i.fact == "mfa_remote_access")
        answers[item.id] = "yes"
        with app.app_context():
            ceo = queries.find_person_by_email(db.session, "contoso-ceo@example.com")
            email = ceo.email
        submit_answers(app, email, answers, "2026-Q4")
        with app.app_context():
            admin = queries.find_person_by_email(db.session, CONSULTANT)
            cycle = queries.get_cycle(db.session, "2026-Q4")
            actions.facts.report_facts(
                Actor.of_account(admin.account),
                cycle,
                {"mfa_remote_access": FactInput(category="partly")},
                as_of=dt.date.today(),
                evidence="Policy export",
            )
            cycle.status = CycleStatus.CLOSED
            db.session.commit()


def test_portfolio_shows_each_organisations_newest_cycle_and_headline_gaps(app, orgs):
    _closed_cycle_with_gaps(app, orgs["contoso"])
    with tenancy.acting_for(orgs["northwind"]):
        open_test_cycle(app, "2026-Q4")  # the same id, open and empty, in the other client
    executive_only = new_organisation(app, "fabrikam", "Fabrikam")
    member(app, executive_only, CONSULTANT, role="cio")
    with tenancy.acting_for(executive_only):
        open_test_cycle(app, "2026-Q3")
        with app.app_context():
            db.session.scalars(select(Cycle)).one().status = CycleStatus.CLOSED
            db.session.commit()
    with app.app_context(), tenancy.acting_for(orgs["contoso"]):
        report = gap_report_of(queries.get_cycle(db.session, "2026-Q4"))
        blind, optimistic = len(report.blind_spots), report.overall.counts["optimistic"]
        compared = report.overall.answered
    assert optimistic >= 1

    html = signed_in(app).get("/organisations").text
    rows = {
        name: row
        for row in re.findall(r"<tr>(.*?)</tr>", html, re.S)
        for name in (NORTHWIND, CONTOSO, "Fabrikam")
        if name in row
    }
    assert "2026-Q4 (open)" in rows[NORTHWIND] and "No closed cycle yet" in rows[NORTHWIND]
    shown = re.search(
        r"2026-Q4 \(closed\): (\d+) blind spots?; (\d+) of (\d+) compared beliefs? optimistic",
        rows[CONTOSO],
    )
    assert shown and tuple(map(int, shown.groups())) == (blind, optimistic, compared)
    # an executive there, not an administrator or committee member: no gaps
    assert "2026-Q3 (closed)" in rows["Fabrikam"]
    assert "Not part of your access there" in rows["Fabrikam"]
    assert "answers as" in rows["Fabrikam"]


# --- the organisation's settings ------------------------------------------------------------


def settings_form(**changes) -> dict[str, object]:
    form: dict[str, object] = {
        "name": CONTOSO,
        "industry": "",
        "size": "",
        "pack_marking": "",
        "training_timezone": "",
    }
    form.update(changes)
    return form


def post_settings(client, logo: tuple[str, bytes] | None = None, **changes):
    data = MultiDict(settings_form(**changes))
    if logo is not None:
        data["logo"] = FileStorage(io.BytesIO(logo[1]), filename=logo[0])
    # Encoded in memory: a body the server refuses unread must leave no temporary file open.
    boundary, body = encode_multipart(data)
    return client.post(
        "/admin/organisation",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


@pytest.fixture
def contoso_admin(app, orgs):
    """The consultant, working in Contoso."""
    client = signed_in(app)
    switch(client, orgs["contoso"])
    return client


def organisation_row(app, organisation_id: int) -> Organisation:
    with app.app_context():
        found = db.session.get(Organisation, organisation_id)
        db.session.expunge(found)
        return found


def test_settings_page_is_for_administrators_only(app, orgs):
    client = signed_in(app, "north-ceo@example.com")
    assert client.get("/admin/organisation").status_code == 403
    assert client.post("/admin/organisation", data=settings_form()).status_code == 403


def test_settings_page_explains_the_benchmark_and_shows_the_current_values(contoso_admin):
    html = contoso_admin.get("/admin/organisation").text
    assert f'value="{CONTOSO}"' in html
    assert "What is never shared" in html and "at least 5 organisations" in html
    for band in ("1-49", "50-249", "250-999", "1000-4999", "5000+"):
        assert f'value="{band}"' in html


def test_settings_are_saved_audited_and_used(app, orgs, contoso_admin):
    response = contoso_admin.post(
        "/admin/organisation",
        data=settings_form(
            name="Contoso Bank plc",
            industry="Financial services",
            size="250-999",
            benchmark_opt_in="y",
            pack_marking="Strictly confidential: board only",
            training_timezone="Europe/Lisbon",
        ),
    )
    assert response.status_code == 302
    saved = organisation_row(app, orgs["contoso"])
    assert (saved.name, saved.industry, saved.size, saved.benchmark_opt_in) == (
        "Contoso Bank plc",
        "Financial services",
        "250-999",
        True,
    )
    assert saved.settings == {
        "PACK_MARKING": "Strictly confidential: board only",
        "TRAINING_DEFAULT_TIMEZONE": "Europe/Lisbon",
    }
    assert working_in(contoso_admin) == "Contoso Bank plc"
    with app.app_context(), tenancy.acting_for(orgs["contoso"]):
        logged = {e.action: e.details for e in db.session.scalars(select(AuditEntry))}
    assert logged["organisation_updated"]["changed"]["name"] == [CONTOSO, "Contoso Bank plc"]
    assert logged["organisation_settings_changed"]["changed"]["TRAINING_DEFAULT_TIMEZONE"] == [
        None,
        "Europe/Lisbon",
    ]
    # the other organisation keeps its own name and the installation's settings
    assert organisation_row(app, orgs["northwind"]).settings == {}
    # a new session's form starts in the organisation's time zone
    with tenancy.acting_for(orgs["contoso"]):
        member(app, orgs["contoso"], "coord@example.com", permissions=("hr_coordinator",))
    coordinator = signed_in(app, "coord@example.com")
    form = coordinator.get("/training/sessions/new").text
    assert re.search(
        r'<option (selected value="Europe/Lisbon"|value="Europe/Lisbon" selected)', form
    )
    # saving the same page again changes nothing and records nothing
    again = contoso_admin.get("/admin/organisation")
    assert 'value="Strictly confidential: board only"' in again.text
    with app.app_context(), tenancy.acting_for(orgs["contoso"]):
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    contoso_admin.post(
        "/admin/organisation",
        data=settings_form(
            name="Contoso Bank plc",
            industry="Financial services",
            size="250-999",
            benchmark_opt_in="y",
            pack_marking="Strictly confidential: board only",
            training_timezone="Europe/Lisbon",
        ),
    )
    with app.app_context(), tenancy.acting_for(orgs["contoso"]):
        after = db.session.scalar(select(func.count()).select_from(AuditEntry))
    assert after == before


def test_settings_errors_are_shown_on_the_form_and_nothing_typed_is_lost(app, orgs, contoso_admin):
    response = contoso_admin.post(
        "/admin/organisation",
        data=settings_form(
            name="",
            industry="Insurance",
            pack_marking="Board only",
            training_timezone="Mars/Olympus_Mons",
        ),
    )
    assert response.status_code == 422
    html = response.text
    assert "Enter the organisation&#39;s name." in html or "Enter the organisation's name." in html
    assert 'value="Insurance"' in html and 'value="Board only"' in html
    assert organisation_row(app, orgs["contoso"]).name == CONTOSO

    response = contoso_admin.post(
        "/admin/organisation",
        data=settings_form(pack_marking="Board only", training_timezone="Mars/Olympus_Mons"),
    )
    assert response.status_code == 422
    assert "Choose a time zone from the list." in response.text
    assert 'value="Board only"' in response.text
    assert organisation_row(app, orgs["contoso"]).settings == {}


@pytest.mark.parametrize(
    ("filename", "content", "message"),
    [
        ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>", "not a PNG or JPEG"),
        ("logo.png", b"just some text renamed", "not a PNG or JPEG"),
        ("logo.svg", b"<svg onload='alert(1)'></svg>", "not a PNG or JPEG"),
        ("logo.png", png(4001, 1), "not a PNG or JPEG"),
        ("logo.png", png() + b"\x00" * (500 * 1024), "at most 500 KB"),
        ("logo.png", b"", "empty"),
    ],
    ids=["svg-named-png", "text-named-png", "svg", "too-wide", "too-large", "empty"],
)
def test_a_logo_is_checked_by_its_content(app, orgs, contoso_admin, filename, content, message):
    response = post_settings(contoso_admin, (filename, content), pack_marking="Kept")
    assert response.status_code == 422
    assert message in response.text
    assert 'value="Kept"' in response.text
    assert organisation_row(app, orgs["contoso"]).logo_sha256 is None


def test_an_upload_too_large_to_read_gets_the_page_back_not_a_bare_413(app, orgs, contoso_admin):
    response = post_settings(contoso_admin, ("logo.png", png() + b"\x00" * (2 * 1024 * 1024)))
    assert response.status_code == 413
    assert '<form method="post"' in response.text and "far larger than the 500 KB" in response.text
    assert organisation_row(app, orgs["contoso"]).logo_sha256 is None


def test_a_logo_is_stored_shown_in_the_header_and_served_to_members_only(app, orgs, contoso_admin):
    image = png(40, 20)
    response = post_settings(contoso_admin, ("Our logo.PNG", image))
    assert response.status_code == 302
    saved = organisation_row(app, orgs["contoso"])
    assert saved.logo_type == "image/png" and saved.logo_sha256
    top = header(contoso_admin.get("/").text)
    address = re.search(r'<img class="organisation-logo" src="([^"]+)"', top)[1]
    assert address.startswith("/organisation/logo")
    served = contoso_admin.get(address)
    assert served.status_code == 200 and served.data == image
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    with app.app_context(), tenancy.acting_for(orgs["contoso"]):
        assert "organisation_logo_changed" in {
            e.action for e in db.session.scalars(select(AuditEntry))
        }
    # a member of the other organisation gets its logo (none), never this one
    other = signed_in(app, "north-ceo@example.com")
    assert other.get(address).status_code == 404
    assert 'class="organisation-logo"' not in header(other.get("/").text)
    assert app.test_client().get(address).status_code == 302  # to the log-in page
    # removing it
    contoso_admin.post("/admin/organisation", data=settings_form(remove_logo="y"))
    assert organisation_row(app, orgs["contoso"]).logo_sha256 is None
    assert contoso_admin.get(address).status_code == 404


def test_the_committee_pack_carries_the_organisations_name_and_marking(app, orgs, contoso_admin):
    with tenancy.acting_for(orgs["contoso"]):
        open_test_cycle(app, "2026-Q4")
    with tenancy.acting_for(orgs["northwind"]):
        open_test_cycle(app, "2026-Q4")
    contoso_admin.post(
        "/admin/organisation", data=settings_form(pack_marking="Contoso board eyes only")
    )
    pdf = contoso_admin.get("/committee/pack/2026-Q4.pdf")
    assert pdf.status_code == 200
    cover = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert CONTOSO in cover and "Contoso board eyes only" in cover
    assert NORTHWIND not in cover

    switch(contoso_admin, orgs["northwind"])
    pdf = contoso_admin.get("/committee/pack/2026-Q4.pdf")
    cover = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert NORTHWIND in cover and CONTOSO not in cover
    assert app.config["PACK_MARKING"] in cover  # Northwind overrides nothing
