"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Outside CI, browser tests skip when /usr/bin/chromium is missing; in CI (CI=true) they fail
instead, so a missing browser can never hide behind a skip.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from assessment.cli.demo_org import seed_demo
from assessment.extensions import db
from tests.conftest import IN_CI, using_postgres
from tests.e2e.helpers import AXE, SHOTS

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def live_app(app_factory: Any, tmp_path: Path) -> Any:
    """The app on a database a server thread can share: PostgreSQL, or an SQLite file."""
    if using_postgres():
        return app_factory(BASE_URL="http://placeholder")
    return app_factory(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}", BASE_URL="http://placeholder"
    )


@pytest.fixture
def live_server(live_app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    live_app.config["BASE_URL"] = base_url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base_url
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium; CI must install it")
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture
def browser_budget_seconds() -> float:
    """A journey takes 5-25 s; a browser that has not finished one in 120 s has stopped
    answering (Chromium's new_page and evaluate have no timeout of their own)."""
    return 120


@pytest.fixture
def report_browser_hangs() -> bool:
    """Print every thread's stack to the real stderr when the watchdog kills the browser."""
    return True


class BrowserStoppedAnswering(Exception):
    """Chromium did not finish a test in its budget and was killed; the test runs once more."""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Only a killed browser earns a second run: any other failure of a browser test, an
    # assertion included, fails at once.
    for item in items:
        if "browser" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.flaky(reruns=1, only_rerun=[BrowserStoppedAnswering]))


def blame_a_killed_browser(item: pytest.Item) -> Generator[None, None, None]:
    """Name the browser's kill as the cause of whatever failed after it."""
    try:
        return (yield)
    except Exception as error:
        budget = getattr(item, "chromium_killed_after", None)
        if budget is None:
            raise
        raise BrowserStoppedAnswering(
            f"Chromium did not finish this test in {budget} s and was killed"
        ) from error


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from blame_a_killed_browser(item))


# Opening a page (setup) and closing one (teardown) can hang as well as the test itself.
@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from blame_a_killed_browser(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from blame_a_killed_browser(item))


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    playwright_driver: Any,
    browser_budget_seconds: float,
    report_browser_hangs: bool,
    live_server: str,
) -> Iterator[Any]:
    """A fresh Chromium for each test, killed by a watchdog if it stops answering.

    It depends on the live server so that it is closed first: no page left open can then
    reach the server while the server stops and the database is torn down.

    Chromium occasionally never answers a new page in containers, and the Playwright calls
    that open pages or evaluate scripts would then wait forever. Killing the browser makes the
    waiting call fail at once, so the test is run again with a new browser instead of
    stalling the whole run.
    """
    request.node.chromium_killed_after = None  # a rerun starts with a clean record

    def kill() -> None:
        request.node.chromium_killed_after = browser_budget_seconds
        kill_chromium(browser_budget_seconds, report_to_ci=report_browser_hangs)

    watchdog = threading.Timer(browser_budget_seconds, kill)
    watchdog.daemon = True
    watchdog.start()
    chromium = playwright_driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    try:
        yield chromium
    finally:
        try:
            if chromium.is_connected():
                chromium.close()  # still watched: closing can hang too
        finally:
            watchdog.cancel()


def kill_chromium(budget: float, *, report_to_ci: bool) -> None:
    """Kill every Chromium this test process started, then print every thread's stack.

    It runs on the watchdog's thread, where an exception would itself fail the run: nothing
    in it may raise. The stacks go to the real stderr: when the rerun passes, what the test
    captured is thrown away, and they are the only clue to why the browser stopped.
    """
    import faulthandler
    import sys

    import psutil

    descendants: list[psutil.Process] = []
    with contextlib.suppress(psutil.Error):
        descendants = psutil.Process().children(recursive=True)
    for process in descendants:
        with contextlib.suppress(psutil.Error):
            if process.name().startswith("chromium"):
                process.kill()
    if report_to_ci:
        with contextlib.suppress(Exception):
            print(f"\nChromium did not finish within {budget} s; killed it.", file=sys.__stderr__)
            faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)


@pytest.fixture
def demo(live_app, live_server):
    if not AXE.exists():
        if IN_CI:
            pytest.fail(f"axe-core is missing at {AXE}; `make test` installs it")
        pytest.skip("axe-core is not installed (make test installs it)")
    with live_app.app_context():
        logins = dict(seed_demo())
        db.session.commit()
    SHOTS.mkdir(exist_ok=True)
    return logins


@pytest.fixture
def new_context(browser):
    """Open browser contexts (separate cookie jars), all closed before the server stops, so
    that no page left open can reach the server while the database is torn down."""
    opened = []

    def open_context():
        # axe is injected as a script, which the app's strict CSP would rightly block.
        opened.append(browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900}))
        return opened[-1]

    yield open_context
    for ctx in opened:
        ctx.close()


@pytest.fixture
def context(new_context):
    return new_context()
