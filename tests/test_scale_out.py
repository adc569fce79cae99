"""Two app servers on one database and one Redis limiter store, as a shared deployment runs.

Each server is its own gunicorn process with its own instance folder (as on two machines); they
share only the database (an SQLite file, or PostgreSQL when DATABASE_URL points at one), the
Redis store of the throttling counters and SECRET_KEY, all given through the environment as
README "Deploying for a shared team" says. The tests show that a throttle counts attempts made
on either server, that a session begun on one is honoured, and ended, on the other, and that
two processes writing audit entries at the same moment keep one chain.

Outside CI the tests skip when Debian's redis-server is missing; in CI (CI=true) they fail.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask_migrate import upgrade

from assessment.extensions import db
from tests.conftest import DATABASE_URL, IN_CI, make_app, reset_database, using_postgres

# Waits are bounded: a server that has not answered by then is reported with its log.
START_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
REQUEST_TIMEOUT = 30.0
LIMIT_PER_ACCOUNT = 3
PASSWORD = "Quartz-lantern-" + secrets.token_hex(8)  # passes the password policy
# One key for every process, as a deployment sets it: it signs sessions and the audit log.
SECRET_KEY = secrets.token_hex(32)


def _redis_server() -> str:
    found = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None
    )
    if found is None:
        if IN_CI:
            pytest.fail("redis-server is missing; CI must install Debian's redis-server (.ci/run)")
        pytest.skip("redis-server is not installed (Debian package redis-server)")
    return found


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _stop(process: subprocess.Popen[Any]) -> None:
    """Stop a process started in its own session, with everything it started (gunicorn's
    worker): politely first, then for good."""
    for sig, wait in ((signal.SIGTERM, STOP_TIMEOUT), (signal.SIGKILL, STOP_TIMEOUT)):
        if process.poll() is not None:
            break
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=wait)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # a worker left behind by its master


def _log(path: Path) -> str:
    return path.read_text(errors="replace")[-4000:] if path.exists() else "(no log)"


@dataclass
class Database:
    url: str
    app: Flask  # an app of the test process on that database, to set it up and check it


# Started once for the module: an app server takes seconds to start (it loads and checks the
# questionnaires). The tests use different accounts, so neither sees the other's traces.
@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throwaway Redis on 127.0.0.1: nothing saved to disk, stopped after the tests."""
    binary = _redis_server()
    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    log = folder / "redis.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly",
             "no", "--dir", str(folder), "--daemonize", "no"],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"redis-server exited with {process.returncode}:\n{_log(log)}")
            with contextlib.suppress(redis.RedisError):
                if client.ping():
                    break
            if time.monotonic() > deadline:
                pytest.fail(f"redis-server did not answer in {START_TIMEOUT} s:\n{_log(log)}")
            time.sleep(0.05)
        client.close()
        yield f"redis://127.0.0.1:{port}"
    finally:
        _stop(process)


@pytest.fixture(scope="module")
def shared_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    """The database both servers use, migrated, with three people. On PostgreSQL it is
    emptied again after the tests, once the servers are stopped."""
    folder = tmp_path_factory.mktemp("database")
    url = DATABASE_URL if using_postgres() else f"sqlite:///{folder / 'shared.db'}"
    app = make_app(folder, SQLALCHEMY_DATABASE_URI=url, SECRET_KEY=SECRET_KEY)
    with app.app_context():
        reset_database()
        upgrade()
    runner = app.test_cli_runner()
    for email in ("throttled@example.com", "traveller@example.com", "control@example.com"):
        result = runner.invoke(
            args=["users", "create", email, "--name", "Scale Out", "--password-stdin"],
            input=PASSWORD + "\n",
        )
        assert result.exit_code == 0, result.output
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # the servers are the only ones connected while they run
    try:
        yield Database(url, app)
    finally:
        with app.app_context():
            db.session.remove()
            reset_database()
            db.engine.dispose()


@dataclass
class Servers:
    a: str
    b: str
    redis: str


def _server_environment(database_url: str, redis_url: str, instance: Path) -> Any:
    # Nothing of the caller's configuration leaks in: only what a deployment would set.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("ASSESSMENT_") and k not in ("DATABASE_URL", "SECRET_KEY", "BASE_URL")
    }
    env.update(
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
        BASE_URL="http://assessment.test",
        ASSESSMENT_INSTANCE_PATH=str(instance),
        ASSESSMENT_RATELIMIT_STORAGE_URI=redis_url,
        ASSESSMENT_LOGIN_LIMIT_PER_ACCOUNT=f"{LIMIT_PER_ACCOUNT} per 15 minutes",
        PYTHONUNBUFFERED="1",
    )
    return env


def _wait_until_serving(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server at {base} exited with {process.returncode}:\n{_log(log)}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(base + "/healthz", timeout=5) as answer:
                if answer.status == 200:
                    return
        if time.monotonic() > deadline:
            pytest.fail(f"the server at {base} did not answer in {START_TIMEOUT} s:\n{_log(log)}")
        time.sleep(0.1)


@pytest.fixture(scope="module")
def servers(
    shared_database: Database, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Servers]:
    """Two gunicorn servers (one worker each), each with its own instance folder."""
    started: list[tuple[str, subprocess.Popen[bytes], Path]] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            folder = tmp_path_factory.mktemp(f"server-{name}")
            log = folder / "gunicorn.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "--workers", "1",
                     "--bind", f"127.0.0.1:{port}", "--graceful-timeout", "5",
                     "assessment:create_app()"],
                    cwd=folder,
                    env=_server_environment(shared_database.url, redis_url, folder / "instance"),
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )  # fmt: skip
            started.append((f"http://127.0.0.1:{port}", process, log))
        for base, process, log in started:  # both start at once; wait for each
            _wait_until_serving(base, process, log)
        yield Servers(started[0][0], started[1][0], redis_url)
    finally:
        for _, process, _ in started:
            _stop(process)


class Browser:
    """A client with a cookie jar that does not follow redirects, so every answer is seen."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    def __init__(self) -> None:
        self.cookies = http.cookiejar.CookieJar()
        self._opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), self._NoRedirect()
        )

    def request(self, url: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        """(status, Location, body) of a GET, or of a POST when ``form`` is given."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self._opener.open(url, data=data, timeout=REQUEST_TIMEOUT) as answer:
                return answer.status, answer.headers.get("Location", ""), answer.read().decode()
        except urllib.error.HTTPError as answer:  # 3xx (not followed), 4xx and 5xx
            body = answer.read().decode(errors="replace")
            return answer.code, answer.headers.get("Location", ""), body

    def csrf_token(self, url: str) -> str:
        status, _, body = self.request(url)
        assert status == 200, (url, status)
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
        assert found, f"no CSRF token on {url}"
        return found.group(1)

    def log_in(self, base: str, email: str, password: str, token: str) -> tuple[int, str, str]:
        form = {"email": email, "password": password, "csrf_token": token}
        return self.request(base + "/login", form)

    def session_cookie(self) -> http.cookiejar.Cookie:
        (cookie,) = [c for c in self.cookies if c.name == "session"]
        return cookie


def test_scale_out_login_throttle_counts_attempts_on_both_servers(servers: Servers) -> None:
    # A stranger's browser: no "known device" cookie, so the per-account limit applies.
    browser = Browser()
    token = browser.csrf_token(servers.a + "/login")  # the CSRF token works on both servers
    alternating = [servers.a, servers.b, servers.a]
    for attempt, base in enumerate(alternating, start=1):
        status, _, body = browser.log_in(base, "throttled@example.com", "wrong password", token)
        assert status == 200, f"attempt {attempt} on {base} was refused with {status}"
        assert "do not match an active account" in body

    # The fourth failed attempt, on the server that has seen only one of them, is refused:
    # the counter is the shared one, not that server's own.
    status, _, _ = browser.log_in(servers.b, "throttled@example.com", "wrong password", token)
    assert status == 429
    # And it stays closed wherever the next attempt lands, even with the right password.
    status, _, body = browser.log_in(servers.a, "throttled@example.com", PASSWORD, token)
    assert status == 429
    assert "Too many attempts" in body

    # The count lives in Redis, where both servers read it.
    store = redis.Redis.from_url(servers.redis, socket_timeout=5)
    keys = [key.decode() for key in store.scan_iter(match="*login-account*throttled@example.com*")]
    store.close()
    assert keys, "no per-account counter in the shared store"

    # The same limit on one server alone: refused at the same count, the fourth attempt.
    for attempt in range(1, LIMIT_PER_ACCOUNT + 1):
        status, _, _ = browser.log_in(servers.a, "control@example.com", "wrong password", token)
        assert status == 200, f"control attempt {attempt} was refused with {status}"
    status, _, _ = browser.log_in(servers.a, "control@example.com", "wrong password", token)
    assert status == 429


def test_scale_out_session_begun_on_one_server_is_honoured_and_ended_on_the_other(
    servers: Servers,
) -> None:
    browser = Browser()
    token = browser.csrf_token(servers.a + "/login")
    status, location, _ = browser.log_in(servers.a, "traveller@example.com", PASSWORD, token)
    assert status == 302 and not location.endswith("/login"), (status, location)
    copied = browser.session_cookie()  # as a proxy log or a shared computer might keep it

    # Signed in on A, the same cookie opens a signed-in page on B, and on A.
    for base in (servers.b, servers.a):
        status, location, body = browser.request(base + "/account/password")
        assert status == 200, f"{base} answered {status} {location}"
        assert "Scale Out" in body  # the signed-in person's name in the header

    # A browser without the cookie is sent to sign in: the page above needed the session.
    status, location, _ = Browser().request(servers.b + "/account/password")
    assert status == 302 and "/login" in location

    # Signing out on B ends the session on A too: the copied cookie no longer signs in there,
    # since the account's session version in the shared database has moved on.
    logout_token = browser.csrf_token(servers.b + "/account/password")
    status, location, _ = browser.request(servers.b + "/logout", {"csrf_token": logout_token})
    assert status == 302 and location.endswith("/login")
    replay = Browser()
    replay.cookies.set_cookie(copied)
    for base in (servers.a, servers.b):
        status, location, _ = replay.request(base + "/account/password")
        assert status == 302 and "/login" in location, f"{base} still honours the old session"


# Appends audit entries as fast as it can once the start file appears; prints how many failed.
AUDIT_WRITER = """
import sys, time
from pathlib import Path
from assessment import create_app
from assessment.actions import audit
from assessment.actions.actor import SYSTEM
from assessment.extensions import db

start, count = Path(sys.argv[1]), int(sys.argv[2])
app = create_app()
print("ready", flush=True)
deadline = time.monotonic() + float(sys.argv[3])
while not start.exists():
    if time.monotonic() > deadline:
        sys.exit("no start signal")
    time.sleep(0.005)
failed = 0
with app.app_context():
    for number in range(count):
        try:
            audit.record(SYSTEM, "scale_out_check", str(number))
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            failed += 1
            print(repr(error)[:300], file=sys.stderr)
print("failed", failed, flush=True)
"""


def test_scale_out_audited_writes_of_two_processes_keep_one_chain(
    shared_database: Database, redis_url: str, tmp_path: Path
) -> None:
    """Every change appends to one audit chain: two processes writing at the same moment
    must neither fail (SQLite ignores FOR UPDATE) nor fork the chain."""
    writes = 250
    start = tmp_path / "start"
    writers: list[tuple[subprocess.Popen[str], Path]] = []
    try:
        for name in ("a", "b"):
            log = tmp_path / f"writer-{name}.log"
            with log.open("w") as errors:
                writer = subprocess.Popen(
                    [sys.executable, "-c", AUDIT_WRITER, str(start), str(writes),
                     str(START_TIMEOUT)],
                    env=_server_environment(shared_database.url, redis_url, tmp_path / name),
                    stdout=subprocess.PIPE,
                    stderr=errors,
                    text=True,
                    start_new_session=True,
                )  # fmt: skip
            writers.append((writer, log))
        for writer, log in writers:  # both loaded, so that their writes overlap
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "ready", _log(log)
        start.touch()
        for writer, log in writers:
            output, _ = writer.communicate(timeout=START_TIMEOUT * 2)
            assert writer.returncode == 0, _log(log)
            assert output.split() == ["failed", "0"], _log(log)
    finally:
        for writer, _ in writers:
            _stop(writer)

    with shared_database.app.app_context():
        from assessment.actions import audit

        try:
            recorded = [e.target for e in audit.recent(10_000) if e.action == "scale_out_check"]
            assert sorted(recorded) == sorted([str(n) for n in range(writes)] * 2)
            assert audit.verify() is None
        finally:
            db.session.remove()
