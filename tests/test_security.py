"""Throttling, password policy, security headers and running behind a reverse proxy."""

from __future__ import annotations

import re

from assessment import ROOT
from assessment.web.auth import LOGIN_FAILED
from tests.conftest import PASSWORD, add_user, log_in


def test_failed_logins_per_account_are_throttled(app_factory):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    add_user(app, "ceo@example.com")
    client = app.test_client()
    for _ in range(3):
        assert LOGIN_FAILED in log_in(client, "ceo@example.com", "wrong").get_data(as_text=True)
    blocked = log_in(client, "ceo@example.com", PASSWORD)  # even the right password waits
    assert blocked.status_code == 429
    assert "Too many attempts" in blocked.get_data(as_text=True)
    other = app.test_client()
    add_user(app, "cio@example.com")
    assert log_in(other, "cio@example.com").status_code == 302  # other accounts unaffected


def test_successful_logins_do_not_count(app_factory):
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    add_user(app, "ceo@example.com")
    for _ in range(4):
        client = app.test_client()
        assert log_in(client, "ceo@example.com").status_code == 302


def test_failed_logins_per_address_are_throttled(app_factory):
    app = app_factory(LOGIN_LIMIT_PER_ADDRESS="4 per 15 minutes")
    client = app.test_client()
    statuses = [log_in(client, f"guess{k}@example.com", "x").status_code for k in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]


def test_unknown_and_known_emails_get_the_same_answer(app):
    add_user(app, "ceo@example.com")
    known = log_in(app.test_client(), "ceo@example.com", "wrong").get_data(as_text=True)
    unknown = log_in(app.test_client(), "who@example.com", "wrong").get_data(as_text=True)
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", known) == strip.sub("", unknown)


def test_invitation_token_guessing_is_throttled(app_factory):
    app = app_factory(INVITATION_LIMIT_PER_ADDRESS="5 per 10 minutes")
    client = app.test_client()
    statuses = [client.get(f"/i/guess-{k}").status_code for k in range(7)]
    assert statuses == [404] * 5 + [429, 429]


def test_password_change_enforces_the_minimum_length(app, client):
    add_user(app, "ceo@example.com")
    log_in(client, "ceo@example.com")
    short = client.post(
        "/account/password", data={"current": PASSWORD, "new": "short", "repeat": "short"}
    )
    assert "Use at least 12 characters" in short.get_data(as_text=True)
    wrong = client.post(
        "/account/password", data={"current": "nope", "new": "x" * 20, "repeat": "x" * 20}
    )
    assert "not your current password" in wrong.get_data(as_text=True)
    ok = client.post(
        "/account/password",
        data={
            "current": PASSWORD,
            "new": "a new long passphrase",
            "repeat": "a new long passphrase",
        },
    )
    assert ok.status_code == 302
    client.post("/logout")
    assert log_in(client, "ceo@example.com", "a new long passphrase").status_code == 302


def test_security_headers_on_every_page(client):
    for path in ("/login", "/healthz", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"


def test_templates_have_no_inline_scripts_styles_or_handlers():
    for template in (ROOT / "templates").rglob("*.html"):
        html = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), template
        assert not re.search(r"\son[a-z]+\s*=", html), template
        assert not re.search(r"\sstyle\s*=", html), template


def test_behind_a_proxy_scheme_and_secure_cookies(app_factory):
    app = app_factory(PROXY_FIX_HOPS=1, SESSION_COOKIE_SECURE=True)

    @app.route("/scheme")
    def scheme() -> str:
        from flask import request

        return request.scheme

    add_user(app, "ceo@example.com")
    client = app.test_client()
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    assert client.get("/scheme", headers=headers).get_data(as_text=True) == "https"
    response = client.post(
        "/login", data={"email": "ceo@example.com", "password": PASSWORD}, headers=headers
    )
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_proxy_fix_is_applied_from_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("ASSESSMENT_PROXY_FIX_HOPS", "1")
    from assessment import create_app

    app = create_app()
    from werkzeug.middleware.proxy_fix import ProxyFix

    assert isinstance(app.wsgi_app, ProxyFix)


def test_oversized_request_is_refused_cleanly(client):
    response = client.post("/login", data={"email": "x" * (2 * 1024 * 1024), "password": "y"})
    assert response.status_code == 413
    assert "Too large" in response.get_data(as_text=True)
