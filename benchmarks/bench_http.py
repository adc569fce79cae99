"""Throughput of the questionnaire page and of saving an answer, under gunicorn, as ratios to a
bare Flask app serving the same markup and a bare single-row insert, measured in one run.

Both servers listen on 127.0.0.1 only, get the same gunicorn settings, and are stopped at the
end. The load generator is bounded in requests and in time.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8
SECONDS = 6.0
ROUNDS = 3
MAX_REQUESTS = 20_000
WORKERS = "2"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(app: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            WORKERS,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, **env},
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"{app} did not start")


def load(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body: Callable[[int, int], bytes] | None = None,
) -> float:
    """Requests per second over THREADS keep-alive connections, bounded in count and time.

    ``body(connection, n)`` gives a connection's n-th body, so that saves can alternate
    values: saving the value already stored writes nothing and would flatter the app.
    """
    done, lock, stop_at = [0], threading.Lock(), time.perf_counter() + SECONDS
    errors = []

    def worker(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            with lock:
                if done[0] >= MAX_REQUESTS:
                    return
                done[0] += 1
                number = done[0]
            payload = body(index, number) if body else None
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors.append(response.status)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise RuntimeError(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return done[0] / (time.perf_counter() - started)


def sign_in(port: int, email: str, password: str) -> tuple[str, str]:
    """Log in like a browser; returns the session cookie and a CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = _session_cookie(response) or ""
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    connection.request(
        "POST",
        "/login",
        body=urlencode({"email": email, "password": password, "csrf_token": token}),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    response = connection.getresponse()
    response.read()
    return _session_cookie(response) or cookie, token


def _session_cookie(response: http.client.HTTPResponse) -> str | None:
    for header in response.msg.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            return header.split(";")[0]
    return None


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-http-"))
    env = {
        "ASSESSMENT_INSTANCE_PATH": str(folder),
        "SECRET_KEY": "bench",
        "DATABASE_URL": f"sqlite:///{folder / 'app.db'}",
    }
    subprocess.run(
        [sys.executable, "-m", "assessment", "setup"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    lines = (folder / "first-login.txt").read_text().splitlines()
    # e-mail, password, then who it is; comment lines start with "#"
    logins = dict(line.split()[:2] for line in lines if line and not line.startswith("#"))
    bare_db = folder / "bare.db"
    with sqlite3.connect(bare_db) as connection:
        # The same journal and sync settings as the app's database (assessment/extensions.py).
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute(
            "CREATE TABLE answer_copy (id INTEGER PRIMARY KEY, item_id TEXT, value TEXT)"
        )
    app_port, bare_port = free_port(), free_port()
    servers = [start("wsgi:app", app_port, env)]
    try:
        cookie, _ = sign_in(app_port, "cio@example.com", logins["cio@example.com"])
        cycle = re.search(r"/respond/([^/\"]+)", _get(app_port, "/", cookie)).group(1)
        # Each connection saves its own item (one person's autosaves never race on one
        # answer eight times over), changing its value on every request.
        items = _choice_items(app_port, cycle, cookie)[:THREADS]
        assert len(items) == THREADS, "the questionnaire has enough items for the connections"
        page_path = f"/respond/{cycle}/page/1"  # read last, so resuming there writes nothing
        page = _get(app_port, page_path, cookie)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        (folder / "page.html").write_text(page)
        servers.append(
            start(
                "benchmarks.bare_app:app",
                bare_port,
                {"BARE_PAGE": str(folder / "page.html"), "BARE_DATABASE": str(bare_db)},
            )
        )

        def answer(connection: int, number: int) -> bytes:
            item, choices = items[connection]
            return json.dumps({"item": item, "value": choices[number % len(choices)]}).encode()

        signed_in = {"Cookie": cookie}
        save_headers = {**signed_in, "Content-Type": "application/json", "X-CSRFToken": token}
        measurements: dict[str, Callable[[], float]] = {
            "page": lambda: load(app_port, "GET", page_path, signed_in),
            "bare page": lambda: load(bare_port, "GET", "/page", {}),
            # Not a target: the app's cheapest request (no sign-in, one query) shows how much
            # of the gap to the bare page is the framework and its extensions.
            "healthz": lambda: load(app_port, "GET", "/healthz", {}),
            "save": lambda: load(
                app_port, "POST", f"/respond/{cycle}/answer", save_headers, answer
            ),
            "bare insert": lambda: load(
                bare_port, "POST", "/insert", {"Content-Type": "application/json"}, answer
            ),
        }
        # The machine's speed drifts by tens of percent over a minute, so app and baseline
        # alternate within each round and the ratio is taken per round (median reported).
        rounds = [
            {name: measure() for name, measure in measurements.items()} for _ in range(ROUNDS)
        ]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"gunicorn -w {WORKERS}, {THREADS} keep-alive connections, {SECONDS:.0f} s or "
        f"{MAX_REQUESTS} requests per measurement, {ROUNDS} rounds (median ratio)"
    )
    for name, baseline, label in (
        ("page", "bare page", "questionnaire page"),
        ("healthz", "bare page", "(app /healthz, for reference)"),
        ("save", "bare insert", "save one answer"),
    ):
        ratios = [r[name] / r[baseline] for r in rounds]
        print(
            f"{label:32} app {_rates(rounds, name)} req/s   {baseline} "
            f"{_rates(rounds, baseline)} req/s   ratios {' '.join(f'{x:.2f}' for x in ratios)}"
            f"   median {statistics.median(ratios):.2f}"
        )


def _rates(rounds: list[dict[str, float]], name: str) -> str:
    return "/".join(f"{r[name]:.0f}" for r in rounds)


def _choice_items(port: int, cycle: str, cookie: str) -> list[tuple[str, list[str]]]:
    """(item, option values) of the multiple-choice items on the first pages."""
    found = []
    for number in (1, 2, 3):
        page = _get(port, f"/respond/{cycle}/page/{number}", cookie)
        for item in re.findall(r'data-item="([^"]+)"', page):
            values = re.findall(
                rf'name="answer-{re.escape(item)}" type="radio" value="([^"]+)"', page
            )
            if len(values) >= 2:
                found.append((item, values))
    return found


def _get(port: int, path: str, cookie: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers={"Cookie": cookie})
    return connection.getresponse().read().decode()


if __name__ == "__main__":
    main()
