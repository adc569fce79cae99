"""The administrator closes, reopens and freezes a quarter in Chromium: each step asks first
and says what will happen; a bad reopening date is explained; freezing is final."""

from __future__ import annotations

import datetime as dt

import pytest

from assessment import queries
from assessment.extensions import db
from tests.e2e.helpers import check, open_cycle_id, sign_in

pytestmark = pytest.mark.browser


def status_of(app, cycle_id: str) -> str:
    with app.app_context():
        return queries.get_cycle(db.session, cycle_id).status


def test_admin_closes_reopens_and_freezes_a_cycle_with_confirmation(
    browser, live_app, live_server, demo, context
):
    from playwright.sync_api import expect

    cycle_id = open_cycle_id(live_app)
    page = context.new_page()
    sign_in(page, live_server, "admin@example.com", demo["admin@example.com"])
    page.goto(f"{live_server}/admin/cycles/{cycle_id}")
    page.get_by_role("button", name="Close the cycle…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Close {cycle_id}?")
    check(page, "cycle-1-close-confirm")
    page.get_by_role("link", name="Keep it open").click()
    assert status_of(live_app, cycle_id) == "open"

    page.get_by_role("button", name="Close the cycle…").click()
    page.get_by_role("button", name=f"Close {cycle_id} now").click()
    expect(page.locator(".flash-success")).to_contain_text("You can reopen it until it is frozen")
    assert status_of(live_app, cycle_id) == "closed"

    page.get_by_role("button", name="Reopen the cycle…").click()
    yesterday = dt.date.today() - dt.timedelta(days=1)
    page.get_by_label("Take answers until").fill(yesterday.isoformat())
    page.get_by_label("Why (kept in the audit log)").fill("<svg/onload=alert(1)> Dana was away")
    page.get_by_role("button", name=f"Reopen {cycle_id}").click()
    expect(page.locator(".error")).to_contain_text("has passed")
    check(page, "cycle-2-reopen-error")
    assert status_of(live_app, cycle_id) == "closed"
    later = dt.date.today() + dt.timedelta(days=14)
    page.get_by_label("Take answers until").fill(later.isoformat())
    page.get_by_role("button", name=f"Reopen {cycle_id}").click()
    expect(page.locator(".flash-success")).to_contain_text(f"open again until {later.isoformat()}")
    assert status_of(live_app, cycle_id) == "open"

    page.get_by_role("button", name="Close the cycle…").click()
    page.get_by_role("button", name=f"Close {cycle_id} now").click()
    page.get_by_role("button", name="Freeze: store scores and reports for good…").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("This is final")
    expect(page.locator(".consequences")).to_contain_text("cannot be undone")
    check(page, "cycle-3-freeze-confirm")
    page.get_by_role("button", name=f"Freeze {cycle_id} for good").click()
    expect(page.locator("main")).to_contain_text("A frozen cycle cannot be reopened")
    assert page.get_by_role("button", name="Reopen the cycle…").count() == 0
    assert status_of(live_app, cycle_id) == "frozen"
