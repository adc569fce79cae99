"""The browser fixture's watchdog: a browser that stops answering is killed, so the waiting
call fails instead of holding the whole run (Playwright's evaluate has no timeout of its own),
and the test gets one more run with a new browser."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser
NEVER_FINISHES = "() => new Promise(() => {})"


@pytest.fixture
def browser_budget_seconds(request):
    """3 s for the run that hangs on purpose; the usual budget for its rerun, which must not
    be killed for being slow on a busy machine."""
    return 3 if getattr(request.node, "execution_count", 1) == 1 else 120


@pytest.fixture
def report_browser_hangs():
    return False  # these hangs are on purpose: keep their stacks out of the CI log


def test_a_browser_that_never_answers_is_killed_and_the_waiting_call_fails(browser):
    page = browser.new_page()
    with pytest.raises(Exception, match="closed"):
        page.evaluate(NEVER_FINISHES)
    assert not browser.is_connected()


browsers_seen: list[Any] = []


def test_a_test_whose_browser_was_killed_runs_once_more_with_a_new_browser(browser):
    browsers_seen.append(browser)
    page = browser.new_page()
    if len(browsers_seen) == 1:
        page.evaluate(NEVER_FINISHES)  # the watchdog kills the browser: this run fails
    assert len(browsers_seen) == 2 and browsers_seen[0] is not browser
    assert page.evaluate("1 + 1") == 2


hangs_in_teardown: list[bool] = []


@pytest.fixture
def page_that_hangs_when_closed_the_first_time(browser):
    page = browser.new_page()
    yield page
    if not hangs_in_teardown:
        hangs_in_teardown.append(True)
        page.evaluate(NEVER_FINISHES)  # as if closing the page never finished


def test_a_browser_that_hangs_in_teardown_is_killed_and_the_test_runs_once_more(
    page_that_hangs_when_closed_the_first_time,
):
    assert page_that_hangs_when_closed_the_first_time.evaluate("1 + 1") == 2


hangs_in_setup: list[bool] = []


@pytest.fixture
def page_that_hangs_when_opened_the_first_time(browser):
    page = browser.new_page()
    if not hangs_in_setup:
        hangs_in_setup.append(True)
        page.evaluate(NEVER_FINISHES)  # as if opening the page never finished
    return page


def test_a_browser_that_hangs_in_setup_is_killed_and_the_test_runs_once_more(
    page_that_hangs_when_opened_the_first_time,
):
    assert page_that_hangs_when_opened_the_first_time.evaluate("1 + 1") == 2
