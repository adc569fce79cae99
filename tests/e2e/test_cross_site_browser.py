"""A page on another site cannot plant answers through the questionnaire's page save (F-02),
checked the way the penetration test found it: Chromium, a signed-in victim, an attacker page
on another origin that submits a form to the app."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from assessment.extensions import db
from assessment.models import Answer, AnswerStash
from tests.conftest import PASSWORD, add_user, open_test_cycle
from tests.e2e.test_respond_browser import CYCLE, PAGES

pytestmark = pytest.mark.browser

ATTACKER = "http://attacker.test"


def test_cross_site_form_plants_nothing_and_keeps_the_victim_signed_in(
    browser, live_app, live_server
):
    """F-02: the cross-site POST is refused, nothing is kept, the session survives."""
    add_user(live_app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(live_app, CYCLE)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{live_server}/login")
        page.get_by_label("E-mail").fill("ceo@example.com")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server}/")
        item = next(i for i in PAGES[0].items if i.choices)
        attack = (
            f'<form id="f" method="post" action="{live_server}/respond/{CYCLE}/page/1">'
            f'<input name="answer-{item.id}" value="{item.choices[0].id}">'
            '<input name="action" value="next"></form>'
            '<script>document.getElementById("f").submit()</script>'
        )
        page.route(
            f"{ATTACKER}/**",
            lambda route: route.fulfill(status=200, content_type="text/html", body=attack),
        )
        with page.expect_navigation(url=f"{live_server}/respond/{CYCLE}/page/1"):
            page.goto(f"{ATTACKER}/prize")
        assert "another website" in page.content()
        page.goto(f"{live_server}/account/password")
        assert page.url == f"{live_server}/account/password"  # still signed in
        with live_app.app_context():
            assert db.session.scalar(select(func.count()).select_from(AnswerStash)) == 0
            assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
    finally:
        context.close()
