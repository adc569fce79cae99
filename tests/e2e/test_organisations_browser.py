"""A consultant works for two organisations in Chromium: the header names the one being
worked in, the portfolio lists both, switching moves every page to the other one, and the
organisation's settings page is usable."""

from __future__ import annotations

import pytest

from assessment import queries, tenancy
from assessment.extensions import db
from assessment.services.security.passwords import hash_password
from tests.e2e.helpers import check, sign_in

pytestmark = pytest.mark.browser


def second_client(app) -> None:
    """Harbour Labs, where the demo's administrator is also a member (same address), with a
    person the demo organisation does not have."""
    with app.app_context():
        harbour = queries.create_organisation(db.session, "harbour", "Harbour Labs")
        db.session.commit()
        with tenancy.acting_for(harbour.id):
            queries.create_person_with_account(
                db.session,
                email="admin@example.com",
                name="Avery Admin",
                password_hash=hash_password("not used: the demo password is shared"),
                permissions=("admin", "committee"),
            )
            queries.create_person_with_account(
                db.session,
                email="quinn@harbour.example",
                name="Quinn Harbour",
                role="ceo",
                password_hash=hash_password("a long harbour password"),
            )
            db.session.commit()


def test_consultant_switches_between_two_organisations(
    browser, live_app, live_server, demo, context
):
    from playwright.sync_api import expect

    second_client(live_app)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.com", demo["admin@example.com"])
    header = page.locator("header .organisation")
    expect(header.get_by_role("link", name="Switch organisation")).to_be_visible()
    header.get_by_role("link", name="Switch organisation").click()
    expect(page.get_by_role("heading", name="Your organisations")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Harbour Labs")
    check(page, "organisations-1-portfolio")

    page.get_by_role("button", name="Switch to Harbour Labs").click()
    expect(page.locator(".flash")).to_contain_text("You are now working in Harbour Labs")
    expect(header.locator(".organisation-name")).to_have_text("Harbour Labs")

    # Every page now shows Harbour's people only.
    page.goto(f"{live_server}/admin/people")
    expect(page.locator("main")).to_contain_text("Quinn Harbour")
    expect(page.locator("main")).not_to_contain_text("ceo@example.com")

    page.goto(f"{live_server}/admin/organisation")
    expect(page.get_by_label("Name", exact=True)).to_have_value("Harbour Labs")
    check(page, "organisations-2-settings")
    page.get_by_label("Name", exact=True).fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("name")  # a message, nothing saved
    expect(header.locator(".organisation-name")).to_have_text("Harbour Labs")

    # Back to the demo organisation: its people again.
    page.goto(f"{live_server}/organisations")
    page.locator("main form button").first.click()
    page.goto(f"{live_server}/admin/people")
    expect(page.locator("main")).to_contain_text("ceo@example.com")
    expect(page.locator("main")).not_to_contain_text("Quinn Harbour")
