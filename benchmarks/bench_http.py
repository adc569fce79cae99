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
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
THREADS = 8
SECONDS = 10.0
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
    port: int, method: str, path: str, headers: dict[str, str], body: bytes | None = None
) -> float:
    """Requests per second over THREADS keep-alive connections, bounded in count and time."""
    done, lock, stop_at = [0], threading.Lock(), time.perf_counter() + SECONDS
    errors = []

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while time.perf_counter() < stop_at:
            with lock:
                if done[0] >= MAX_REQUESTS:
                    return
                done[0] += 1
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status >= 400:
                errors.append(response.status)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
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
        [sys.executable, "-m", "assessment.cli_entry", "setup"],
        cwd=ROOT,
        env={**os.environ, **env},
        check=True,
        capture_output=True,
    )
    logins = dict(line.split() for line in (folder / "first-login.txt").read_text().splitlines())
    app_port, bare_port = free_port(), free_port()
    server = start("wsgi:app", app_port, env)
    try:
        cookie, _ = sign_in(app_port, "cio@example.com", logins["cio@example.com"])
        cycle = re.search(r"/respond/([^/\"]+)", _get(app_port, "/", cookie)).group(1)
        page_path = f"/respond/{cycle}/page/1"
        page = _get(app_port, page_path, cookie)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        item = re.search(r'data-item="([^"]+)"', page).group(1)
        (folder / "page.html").write_text(page)
        headers = {"Cookie": cookie}
        page_rps = load(app_port, "GET", page_path, headers)
        save_rps = load(
            app_port,
            "POST",
            f"/respond/{cycle}/answer",
            {**headers, "Content-Type": "application/json", "X-CSRFToken": token},
            json.dumps({"item": item, "value": "dk"}).encode(),
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    bare_db = folder / "bare.db"
    with sqlite3.connect(bare_db) as connection:
        connection.execute(
            "CREATE TABLE answer_copy (id INTEGER PRIMARY KEY, item_id TEXT, value TEXT)"
        )
    bare = start(
        "benchmarks.bare_app:app",
        bare_port,
        {"BARE_PAGE": str(folder / "page.html"), "BARE_DATABASE": str(bare_db)},
    )
    try:
        bare_page_rps = load(bare_port, "GET", "/page", {})
        bare_insert_rps = load(
            bare_port,
            "POST",
            "/insert",
            {"Content-Type": "application/json"},
            json.dumps({"item": item, "value": "dk"}).encode(),
        )
    finally:
        bare.terminate()
        bare.wait(timeout=30)
    print(
        f"gunicorn -w {WORKERS}, {THREADS} keep-alive connections, {SECONDS:.0f} s or "
        f"{MAX_REQUESTS} requests per measurement"
    )
    print(
        f"questionnaire page:  {page_rps:8.0f} req/s   bare page:   {bare_page_rps:8.0f} req/s"
        f"   ratio {page_rps / bare_page_rps:.2f}"
    )
    print(
        f"save one answer:     {save_rps:8.0f} req/s   bare insert: {bare_insert_rps:8.0f} req/s"
        f"   ratio {save_rps / bare_insert_rps:.2f}"
    )


def _get(port: int, path: str, cookie: str) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", path, headers={"Cookie": cookie})
    return connection.getresponse().read().decode()


if __name__ == "__main__":
    main()
