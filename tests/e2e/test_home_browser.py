"""Each demo persona signs in, sees the cards of their own work, and the first card's primary
button leads to the page where that work is done."""

from __future__ import annotations

import pytest

from assessment import queries
from assessment.extensions import db
from tests.e2e.helpers import check, sign_in

pytestmark = pytest.mark.browser

BAD_NAME = "<svg/onload=alert(1)>"


def _cycles(live_app) -> tuple[str, str]:
    """(the open cycle, the closed cycle before it) of the demo."""
    with live_app.app_context():
        ordered = [c.id for c in queries.cycles_in_order(db.session)]
    return ordered[-1], ordered[-2]


def _home(page, live_server, email: str, password: str) -> list[str]:
    """Sign in; the home page's card titles, in order."""
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, email, password)
    page.wait_for_url(f"{live_server}/")
    assert not dialogs, dialogs  # no name ever runs as script
    return [t.strip() for t in page.locator("li.home-card h2").all_inner_texts()]


def _follow_first(page):
    """Press the first card's primary button (a link or a form's button)."""
    first = page.locator("li.home-card").first
    first.locator(".inline-actions .button").first.click()
    page.wait_for_load_state()


def test_home_every_demo_persona_sees_their_work_and_its_next_step(
    browser, live_app, live_server, demo, new_context
):
    open_id, closed_id = _cycles(live_app)
    with live_app.app_context():  # an executive with a hostile name, not invited yet
        person = queries.find_person_by_email(db.session, "hr@example.com")
        assert person is not None
        person.name = BAD_NAME
        db.session.commit()

    # Administrator: the open cycle's invitations first; the button sends them.
    page = new_context().new_page()
    titles = _home(page, live_server, "admin@example.com", demo["admin@example.com"])
    assert titles == [f"Cycle {open_id} is open", f"Cycle {closed_id} is closed"]
    first = page.locator("li.home-card").first
    assert f"not invited yet: Marcus Webb, {BAD_NAME}" in first.inner_text()
    assert page.locator("svg").count() == 0
    check(page, "home-admin")
    _follow_first(page)
    assert page.url == f"{live_server}/admin/cycles/{open_id}"
    assert "2 invitations sent" in page.locator(".flashes").inner_text()
    page.goto(f"{live_server}/")
    assert f"2 invited and not answered yet: Marcus Webb, {BAD_NAME}" in (
        page.locator("li.home-card").first.inner_text()
    )

    # HR coordinator: the CEO's needs have no session coming up, so scheduling one comes first.
    page = new_context().new_page()
    titles = _home(page, live_server, "training@example.com", demo["training@example.com"])
    assert titles[0] == f"Training needs with no session, {open_id}"
    assert "Catherine Ng" in page.locator("li.home-card").first.inner_text()
    assert "Nothing needs your attention right now" not in page.locator("main").inner_text()
    check(page, "home-hr-coordinator")
    _follow_first(page)
    assert page.url.startswith(f"{live_server}/training/sessions/new?module=")
    assert page.get_by_label("Time zone").count() == 1

    # IT manager: reports facts and is the second check on one of HR's.
    page = new_context().new_page()
    titles = _home(page, live_server, "it@example.com", demo["it@example.com"])
    assert f"Your facts for {open_id}" in titles
    assert titles[0] == f"Fact report {closed_id} to check"
    assert "Leaver access removed on time" in page.locator("li.home-card").first.inner_text()
    check(page, "home-fact-owner")
    _follow_first(page)
    assert page.url == f"{live_server}/facts/{closed_id}"
    assert page.locator("h1").inner_text() == f"Fact report {closed_id}"

    # CIO: executive, committee member and fact owner; the check-in half done comes first.
    page = new_context().new_page()
    titles = _home(page, live_server, "cio@example.com", demo["cio@example.com"])
    assert titles[0].endswith(f"· {open_id}")
    assert f"Fact report {open_id} to attest" in titles
    assert f"What is new for the committee, {open_id}" in titles
    news = page.locator("li.home-card[data-kind=committee]").inner_text()
    assert f"Not yet submitted: Marcus Webb, {BAD_NAME}." in news
    check(page, "home-cio")
    _follow_first(page)
    assert page.url == f"{live_server}/respond/{open_id}"
    assert page.get_by_role("link", name="Continue where you left off").count() == 1

    # CEO: answered; the committee's work is what waits.
    page = new_context().new_page()
    titles = _home(page, live_server, "ceo@example.com", demo["ceo@example.com"])
    assert f"What is new for the committee, {open_id}" in titles
    assert "Nothing needs your attention right now" not in page.locator("main").inner_text()
    check(page, "home-ceo")
    page.get_by_role("link", name="What to act on").click()
    assert page.url == f"{live_server}/committee/#act"
    assert page.locator("#act").is_visible()
