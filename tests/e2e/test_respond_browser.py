"""The executive's journey in a real browser: link, answer, leave, come back, submit once."""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request

import pytest
from sqlalchemy import func, select

from assessment import queries
from assessment.actions import invitations
from assessment.extensions import db
from assessment.models import Answer, Person, Response
from assessment.services.answering.questionnaire_pages import split_into_pages
from assessment.tenancy import acting_for
from tests.conftest import add_user, open_test_cycle, shipped_catalogue

pytestmark = pytest.mark.browser

CYCLE = "2026-Q4"
CEO = shipped_catalogue().current_form("ceo")
PAGES = split_into_pages(CEO, shipped_catalogue().rubric)


@pytest.fixture
def invitation_link(live_app, live_server):
    add_user(live_app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(live_app, CYCLE)
    with live_app.test_request_context(), acting_for(1):
        person = db.session.scalar(select(Person).where(Person.email == "ceo@example.com"))
        cycle = queries.get_cycle(db.session, CYCLE)
        invitation = queries.get_or_create_invitation(db.session, person, cycle)
        link = invitations.issue_link(invitation)
        db.session.commit()
    assert link.startswith(live_server)
    return link


def answer_page(page, number: int) -> None:
    """Choose the first option of every question on the page and wait for each "Saved"."""
    for item in PAGES[number - 1].items:
        fieldset = page.locator(f'fieldset[data-item="{item.id}"]')
        if item.type == "comment":
            fieldset.locator("textarea").fill("Please schedule the tabletop before year end.")
            fieldset.locator("textarea").blur()
        else:
            fieldset.locator("input[type=radio]").first.check()
        expect_saved(fieldset)


def expect_saved(fieldset) -> None:
    from playwright.sync_api import expect

    expect(fieldset.locator(".save-status")).to_have_text("Saved", timeout=10_000)


def count(live_app, model) -> int:
    with live_app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_full_journey_with_keyboard_and_autosave(browser, live_app, invitation_link):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.goto(invitation_link)
    expect(page.get_by_role("heading", name="Who sees your answers")).to_be_visible()
    page.get_by_role("button", name="Start").click()
    expect(page.locator("#progress-text")).to_contain_text(f"Page 1 of {len(PAGES)}")
    # keyboard only: tab to the first option and choose it with the space bar
    first = page.locator("fieldset[data-item] input[type=radio]").first
    first.focus()
    page.keyboard.press("Space")
    expect(first).to_be_checked()
    expect_saved(page.locator("fieldset[data-item]").first)
    expect(page.locator("#progress-text")).to_contain_text("1 of ")
    for number in range(1, len(PAGES) + 1):
        answer_page(page, number)
        page.get_by_role("button", name=re.compile("^Save and (continue|review)$")).click()
    expect(page.get_by_role("heading", name="Review and submit")).to_be_visible()
    expect(page.get_by_text("Everything is answered")).to_be_visible()
    page.get_by_role("button", name="Submit my answers").click()
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
    expect(page.get_by_text("Waiting for the fact report").first).to_be_visible()
    assert count(live_app, Answer) == len(CEO.items)
    context.close()


def test_an_answer_given_before_the_script_loaded_is_saved_when_it_loads(
    browser, live_app, live_server, invitation_link
):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.route("**/static/respond.js", lambda route: route.abort())  # a slow network
    page.goto(invitation_link)
    page.get_by_role("button", name="Start").click()
    fieldset = page.locator("fieldset[data-item]").first
    fieldset.locator("input[type=radio]").first.check()
    expect(page.locator("form.questionnaire")).not_to_have_attribute("data-autosave", "ready")
    assert count(live_app, Answer) == 0

    page.unroute("**/static/respond.js")
    page.add_script_tag(url=f"{live_server}/static/respond.js")  # the script arrives at last
    expect_saved(fieldset)
    expect(page.locator("form.questionnaire")).to_have_attribute("data-autosave", "ready")
    assert count(live_app, Answer) == 1
    context.close()


def test_resume_after_closing_the_browser(browser, live_app, invitation_link):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.goto(invitation_link)
    page.get_by_role("button", name="Start").click()
    half = len(PAGES) // 2
    for number in range(1, half + 1):
        answer_page(page, number)
        page.get_by_role("button", name="Save and continue").click()
    context.close()  # the browser is closed; the session cookie is gone

    later = browser.new_context()
    page = later.new_page()
    page.goto(invitation_link)
    page.get_by_role("link", name="Continue where you left off").click()
    expect(page.locator("#progress-text")).to_contain_text(f"Page {half + 1} of {len(PAGES)}")
    page.goto(page.url.rsplit("/", 1)[0] + "/1")
    checked = page.locator("fieldset[data-item]").first.locator("input[type=radio]").first
    expect(checked).to_be_checked()
    later.close()


def test_double_click_on_submit_gives_one_response_and_the_results(
    browser, live_app, invitation_link
):
    from playwright.sync_api import expect

    context = browser.new_context()
    page = context.new_page()
    page.goto(invitation_link)
    page.get_by_role("button", name="Start").click()
    for number in range(1, len(PAGES) + 1):
        answer_page(page, number)
        page.get_by_role("button", name=re.compile("^Save and (continue|review)$")).click()
    page.get_by_role("button", name="Submit my answers").dblclick()
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
    page.go_back()
    page.goto(invitation_link)  # the link opened again after completion
    expect(page.get_by_role("heading", name="Your results")).to_be_visible()
    assert count(live_app, Response) == 1
    context.close()


def test_concurrent_final_submits_produce_one_submission(
    browser, live_app, live_server, invitation_link
):
    context = browser.new_context()
    page = context.new_page()
    page.goto(invitation_link)
    page.get_by_role("button", name="Start").click()
    for number in range(1, len(PAGES) + 1):
        answer_page(page, number)
        page.get_by_role("button", name=re.compile("^Save and (continue|review)$")).click()
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in context.cookies())
    token = page.locator("input[name=csrf_token]").first.get_attribute("value")
    # Flask-Login's strong session protection ties the session to the browser's user agent.
    agent = page.evaluate("navigator.userAgent")
    barrier, statuses, locations = threading.Barrier(2), [], []

    def submit() -> None:
        request = urllib.request.Request(
            f"{live_server}/respond/{CYCLE}/submit",
            data=f"csrf_token={token}".encode(),
            headers={
                "Cookie": cookie,
                "User-Agent": agent,
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        opener = urllib.request.build_opener(NoRedirect)
        barrier.wait()
        try:
            statuses.append(opener.open(request, timeout=20).status)
        except urllib.error.HTTPError as error:
            statuses.append(error.code)
            locations.append(error.headers.get("Location"))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == [302, 302]
    assert locations == [f"/respond/{CYCLE}/results"] * 2
    with live_app.app_context():
        rows = db.session.execute(select(Response.status, Response.submitted_at)).all()
    assert len(rows) == 1 and rows[0].status == "submitted"
    context.close()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def test_session_expiring_mid_way_loses_nothing_without_javascript(
    browser, live_app, invitation_link
):
    from playwright.sync_api import expect

    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(invitation_link)
    page.get_by_role("button", name="Start").click()
    first_page = PAGES[0]
    for item in first_page.items:
        fieldset = page.locator(f'fieldset[data-item="{item.id}"]')
        if item.type == "comment":
            fieldset.locator("textarea").fill("Kept <b>comment</b>")
        else:
            fieldset.locator("input[type=radio]").last.check()
    context.clear_cookies()  # the session expires while the page is open
    page.get_by_role("button", name="Save and continue").click()
    expect(page.get_by_role("heading", name="Your answers are kept")).to_be_visible()
    assert count(live_app, Answer) == 0
    page.goto(invitation_link)  # signing in again through the link
    page.get_by_role("button", name="Save the kept answers").click()
    with live_app.app_context():
        saved = {a.item_id: a.value for a in db.session.scalars(select(Answer))}
    expected: dict[str, object] = {}
    for item in first_page.items:
        if item.type == "comment":
            expected[item.id] = "Kept <b>comment</b>"
        else:
            expected[item.id] = item.choices[-1].id if item.choices else 5
    assert saved == expected
    context.close()
