"""The HR coordinator schedules a session in Chromium (issue 21): from the planner to a module,
a time zone chosen from the list, the whole team added, invitations sent, the primary button
following along, and a cancellation confirmed. Each page passes axe-core and fits 320 px."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from assessment import queries
from assessment.extensions import db
from assessment.models import AuditEntry, Mail
from tests.e2e.helpers import SHOTS, check, sign_in

pytestmark = pytest.mark.browser

PLACE = '"><h1>X</h1><img src=x onerror=alert(1)>'
FACILITATOR = "{{7*7}} <svg/onload=alert(1)>"

# Every column of a stacked table is on screen: no row wider than the viewport, and no table
# that scrolls sideways inside itself.
TABLES_FIT = """(width) => [...document.querySelectorAll('main table')].map(t => ({
    fits: t.scrollWidth <= t.clientWidth + 1 && t.getBoundingClientRect().right <= width + 1,
    cells: [...t.querySelectorAll('td')].every(c => c.getBoundingClientRect().right <= width + 1),
}))"""


def primary_buttons(page) -> list[str]:
    """The text of every primary (blue) button in the page's main part."""
    return [
        b.inner_text().strip()
        for b in page.locator("main .button:not(.secondary):not(.danger)").all()
    ]


def test_hr_schedules_a_session_for_the_whole_team_and_cancels_it(
    browser, live_app, live_server, demo, context
):
    from playwright.sync_api import expect

    dialogs: list[str] = []
    page = context.new_page()
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    sign_in(page, live_server, "training@example.com", demo["training@example.com"])
    with live_app.app_context():
        earlier = queries.list_cycles(db.session)[1].id  # closed: "Did it work?" is shown
    page.goto(f"{live_server}/training/?cycle={earlier}")
    expect(page.get_by_role("heading", name=re.compile("^Did it work"))).to_be_visible()
    for width in (390, 320):  # the Modules and "In words" columns stay on screen
        page.set_viewport_size({"width": width, "height": 800})
        page.screenshot(path=str(SHOTS / f"training-1-planner-{width}.png"), full_page=True)
        assert all(t["fits"] and t["cells"] for t in page.evaluate(TABLES_FIT, width)), width
        for label in ("Modules", "In words"):
            cell = page.locator(f'td[data-label="{label}"]').first
            expect(cell).to_be_visible()
            box = cell.bounding_box()
            assert box is not None and box["x"] + box["width"] <= width, (label, width)
    page.set_viewport_size({"width": 1200, "height": 900})
    check(page, "training-1-planner-earlier")
    page.goto(f"{live_server}/training/")
    check(page, "training-1-planner")

    # a module that fits someone's need, from the planner's table
    link = page.locator('td[data-label="Modules"] a').first
    title = link.inner_text().strip()
    link.click()
    expect(page.get_by_label("Module")).to_have_value(re.compile(".+"))
    zone = page.get_by_label("Time zone")
    expect(zone).to_have_value("UTC")  # nothing scheduled by this coordinator yet
    expect(zone.locator('option[value="Europe/Berlin"]')).to_have_text(
        re.compile(r"^Berlin \(Europe/Berlin, UTC\+0[12]:00\)$")
    )
    day = dt.date.today() + dt.timedelta(days=40)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("14:30")
    zone.select_option("Europe/Berlin")
    page.get_by_label("Place or video link").fill(PLACE)
    page.get_by_label("Facilitator").fill(FACILITATOR)
    check(page, "training-2-session-form")
    page.get_by_role("button", name="Save session").click()
    expect(page.get_by_text("Session scheduled")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    expect(page.get_by_text("(Europe/Berlin)")).to_be_visible()
    expect(page.get_by_text(PLACE, exact=False)).to_be_visible()  # shown as text
    expect(page.locator("main h1")).to_have_count(1)  # the place made no heading
    assert primary_buttons(page) == ["Assign the selected people"]
    check(page, "training-3-session-empty")

    page.get_by_role("button", name="Add the whole leadership team").click()
    expect(page.get_by_text("5 assigned")).to_be_visible()
    assert primary_buttons(page) == ["Send invitations to 5 people not yet invited"]
    expect(page.locator("table.stack tbody tr")).to_have_count(5)
    check(page, "training-4-session-assigned")

    page.get_by_role("button", name="Send invitations to 5 people not yet invited").click()
    expect(page.get_by_text("5 invitations sent")).to_be_visible()
    expect(page.get_by_text("Everyone assigned has been invited.")).to_be_visible()
    assert primary_buttons(page) == []
    check(page, "training-5-session-invited")

    cancel = page.get_by_role("link", name="Cancel the session")
    assert "danger" in (cancel.get_attribute("class") or "")
    cancel.click()
    expect(page.get_by_text("5 people invited will be told")).to_be_visible()
    check(page, "training-6-cancel-confirm")
    page.get_by_role("button", name="Cancel the session and tell 5 people").click()
    expect(page.get_by_text("Session cancelled; 5 cancellations sent.")).to_be_visible()
    expect(page.locator("h1 .badge")).to_have_text("cancelled")
    assert dialogs == []  # nothing the coordinator typed ran as script

    with live_app.app_context():
        training = queries.list_training_sessions(db.session)[-1]
        assert training.timezone == "Europe/Berlin" and not training.is_scheduled
        assert training.location == PLACE and training.facilitator == FACILITATOR
        assert len(training.attendees) == 5
        target = f"training-session-{training.id}"
        actions = db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.target == target).order_by(AuditEntry.id)
        ).all()
        assert actions == [
            "training_session_scheduled",
            "training_attendees_assigned",
            "training_invitations_sent",
            "training_session_cancelled",
        ]
        cancelled = db.session.scalars(
            select(Mail).where(Mail.subject.startswith("Cancelled"))
        ).all()
        assert len(cancelled) == 5

    # the next session's form starts in the zone of this one
    page.goto(f"{live_server}/training/sessions/new")
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
