"""A live server on 127.0.0.1 and Debian's Chromium driven by Playwright.

Outside CI, browser tests skip when /usr/bin/chromium is missing; in CI (CI=true) they fail
instead, so a missing browser can never hide behind a skip.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import IN_CI, using_postgres

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
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if IN_CI:
            pytest.fail("Chromium is missing at /usr/bin/chromium; CI must install it")
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
