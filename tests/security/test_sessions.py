"""Sessions and the doors into the app: sessions that end on the server, a fresh session at
log-in, idle and absolute timeouts, the known-device cookie against lock-out, the ``next``
target, and the API's bearer scheme, deep JSON and 405 answers."""

from __future__ import annotations

import re

import pytest

from assessment.web.auth import LOGIN_FAILED
from tests.conftest import PASSWORD, add_user, log_in, open_test_cycle

CYCLE = "2026-Q4"
NEW_PASSWORD = "a new long passphrase"


def signed_in(client) -> bool:
    return client.get("/").status_code == 200


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return dict(session)


def backdate(client, key: str, seconds: int) -> None:
    """Move a time the session keeps into the past, as if that much time had gone by."""
    with client.session_transaction() as session:
        session[key] -= seconds


# --- sessions end on the server (F-03) ------------------------------------------------------


def test_logout_a_copied_session_cookie_stops_working(app, client):
    """F-03: a cookie copied before log-out (shared computer, proxy log) is refused after."""
    add_user(app, "com@example.com", permissions=("committee",))
    log_in(client, "com@example.com")
    copied = client.get_cookie("session").value
    client.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client):
    """F-03: changing the password signs out every other browser, not the one that changed."""
    add_user(app, "ceo@example.com")
    other = app.test_client()
    log_in(client, "ceo@example.com")
    log_in(other, "ceo@example.com")
    changed = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert signed_in(client)
    assert client.get("/account/password").status_code == 200
    assert not signed_in(other)
    assert other.get("/account/password").headers["Location"].startswith("/login")


def test_logout_ends_sessions_opened_elsewhere_too(app, client):
    """F-03: log-out ends the account's sessions on the server, in every browser."""
    add_user(app, "ceo@example.com")
    other = app.test_client()
    log_in(client, "ceo@example.com")
    log_in(other, "ceo@example.com")
    client.post("/logout")
    assert not signed_in(other)
    assert log_in(other, "ceo@example.com").status_code == 302  # a new log-in works
    assert signed_in(other)


# --- a fresh session at log-in (F-16) ---------------------------------------------------------


def test_login_starts_a_fresh_session(app, client):
    """F-16: nothing of the anonymous session survives log-in (no fixation, no planted keys)."""
    add_user(app, "ceo@example.com")
    with client.session_transaction() as session:
        session["planted"] = "by another site"
        session["_id"] = "attacker-chosen"
    before = session_of(client)
    log_in(client, "ceo@example.com")
    after = session_of(client)
    assert "planted" not in after
    assert after["_id"] != before["_id"]
    assert after["session_version"] == 0
    assert after["signed_in_at"] == after["last_seen"]


def test_session_cookie_is_host_prefixed_when_secure(app_factory):
    """F-16: behind HTTPS the cookie is __Host-session: Secure, whole site, no Domain."""
    app = app_factory(SESSION_COOKIE_SECURE=True)
    add_user(app, "ceo@example.com")
    client = app.test_client()
    response = log_in(client, "ceo@example.com")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if "session=" in c)
    assert cookie.startswith("__Host-session=")
    assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
    assert signed_in(client)


def test_session_cookie_keeps_its_name_over_plain_http(app, client):
    """F-16: browsers drop a __Host- cookie that is not Secure, so plain HTTP keeps 'session'."""
    add_user(app, "ceo@example.com")
    response = log_in(client, "ceo@example.com")
    assert any(c.startswith("session=") for c in response.headers.getlist("Set-Cookie"))


# --- idle and absolute timeouts (F-16) --------------------------------------------------------


def test_session_timeouts_default_to_30_minutes_idle_and_12_hours(app):
    """F-16: the defaults the deployment documentation promises."""
    assert app.config["SESSION_IDLE_MINUTES"] == 30
    assert app.config["SESSION_ABSOLUTE_HOURS"] == 12


def test_session_idle_timeout_signs_out_and_says_why(app, client):
    """F-16: after 30 minutes without a request the session ends, with a clear message, and
    the expired account is remembered for the questionnaire's kept answers."""
    account_id = add_user(app, "ceo@example.com", role="ceo")
    log_in(client, "ceo@example.com")
    backdate(client, "last_seen", 31 * 60)
    response = client.get("/account/password")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "signed out after 30 minutes without activity" in page
    assert session_of(client)["expired_account_id"] == account_id
    assert not signed_in(client)


def test_session_idle_timeout_answers_autosave_with_401(app, client):
    """F-16: a JSON autosave after the idle timeout is told it is signed out (401), not
    redirected to an HTML page."""
    account_id = add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, CYCLE)
    log_in(client, "ceo@example.com")
    client.post(f"/respond/{CYCLE}/start")
    backdate(client, "last_seen", 31 * 60)
    response = client.post(f"/respond/{CYCLE}/answer", json={"item": "x", "value": 1})
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert session_of(client)["expired_account_id"] == account_id


def test_session_activity_keeps_it_alive(app, client):
    """F-16: the idle timeout counts from the last request, not from log-in."""
    add_user(app, "ceo@example.com")
    log_in(client, "ceo@example.com")
    backdate(client, "last_seen", 20 * 60)
    assert signed_in(client)
    backdate(client, "last_seen", 20 * 60)  # 40 minutes after log-in, 20 after the last use
    assert signed_in(client)


def test_session_absolute_lifetime_ends_an_active_session(app, client):
    """F-16: 12 hours after log-in the session ends however active it is."""
    add_user(app, "ceo@example.com")
    log_in(client, "ceo@example.com")
    backdate(client, "signed_in_at", 12 * 3600 + 1)
    response = client.get("/")
    assert response.headers["Location"].startswith("/login")
    assert "12 hours after signing in" in client.get("/login").get_data(as_text=True)
    assert not signed_in(client)


def test_session_timeouts_follow_configuration(app_factory):
    """F-16: SESSION_IDLE_MINUTES is read from the configuration."""
    app = app_factory(SESSION_IDLE_MINUTES=5)
    add_user(app, "ceo@example.com")
    client = app.test_client()
    log_in(client, "ceo@example.com")
    backdate(client, "last_seen", 4 * 60)
    assert signed_in(client)
    backdate(client, "last_seen", 6 * 60)
    assert not signed_in(client)


# --- lock-out and the known device (F-10) ---------------------------------------------------


def test_known_device_cookie_is_signed_httponly_lax_and_long_lived(app, client):
    """F-10: a successful log-in marks the browser as a known device for 180 days."""
    add_user(app, "ceo@example.com")
    response = log_in(client, "ceo@example.com")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("known_device=")
    )
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert f"Max-Age={180 * 86400}" in cookie
    assert "Secure" not in cookie


def test_known_device_cookie_is_secure_behind_https(app_factory):
    """F-10: the device cookie is Secure whenever session cookies are."""
    app = app_factory(SESSION_COOKIE_SECURE=True)
    add_user(app, "ceo@example.com")
    response = log_in(app.test_client(), "ceo@example.com")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("known_device=")
    )
    assert "Secure" in cookie


def test_known_device_is_not_locked_out_by_a_strangers_failures(app_factory):
    """F-10: an outsider's failed log-ins lock the account out for unknown browsers only; the
    executive's own browser still signs in."""
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    add_user(app, "ceo@example.com")
    executive = app.test_client()
    assert log_in(executive, "ceo@example.com").status_code == 302
    executive.post("/logout")
    stranger = app.test_client()
    for _ in range(3):
        assert LOGIN_FAILED in log_in(stranger, "ceo@example.com", "wrong").get_data(as_text=True)
    assert log_in(stranger, "ceo@example.com").status_code == 429
    assert log_in(executive, "ceo@example.com").status_code == 302


@pytest.mark.parametrize("cookie", ["another-account", "forged"])
def test_known_device_cookie_helps_only_its_own_account(app_factory, cookie):
    """F-10: a device cookie of another account, or a forged one, does not lift the limit."""
    app = app_factory(LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    add_user(app, "ceo@example.com")
    add_user(app, "cio@example.com")
    browser = app.test_client()
    if cookie == "another-account":
        log_in(browser, "cio@example.com")
        browser.post("/logout")
    else:
        browser.set_cookie("known_device", "MQ.forged.signature")
    for _ in range(3):
        log_in(browser, "ceo@example.com", "wrong")
    assert log_in(browser, "ceo@example.com").status_code == 429


def test_known_device_still_counts_against_the_per_address_limit(app_factory):
    """F-10: the known device lifts the per-account limit only; guessing from one address is
    still throttled."""
    app = app_factory(LOGIN_LIMIT_PER_ADDRESS="4 per 15 minutes")
    add_user(app, "ceo@example.com")
    browser = app.test_client()
    log_in(browser, "ceo@example.com")
    browser.post("/logout")
    statuses = [log_in(browser, "ceo@example.com", "wrong").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]


# --- the next= target (F-12) ------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    ["/\r\nSet-Cookie:x=1", "/admin\x00", "/gaps\tx", "/x\x7f"],
    ids=["crlf", "nul", "tab", "del"],
)
def test_login_next_with_control_characters_goes_home(app, client, target):
    """F-12: a next= target with control characters goes home instead of answering 500."""
    add_user(app, "ceo@example.com")
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "ceo@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)


def test_login_next_raw_percent_encoded_crlf_goes_home(app, client):
    """F-12: the request from the report, exactly: POST /login?next=/%0d%0aSet-Cookie:x=1."""
    add_user(app, "ceo@example.com")
    response = client.post(
        "/login?next=/%0d%0aSet-Cookie:x=1",
        data={"email": "ceo@example.com", "password": PASSWORD},
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


# --- the API's door (F-12, F-17) ----------------------------------------------------------------


def api_token(app, runner, email: str, **options) -> str:
    add_user(app, email, **options)
    result = runner.invoke(args=["tokens", "create", email])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_api_deeply_nested_json_is_400_problem(app, client, runner):
    """F-12: a body nested 100,000 deep is a bad request (400 problem+json), not a 500."""
    token = api_token(app, runner, "fo@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app, CYCLE)
    response = client.put(
        f"/api/v1/cycles/{CYCLE}/facts",
        data="[" * 100_000 + "]" * 100_000,
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 400


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_api_bearer_scheme_is_case_insensitive(app, client, runner, scheme):
    """F-17: RFC 9110 auth schemes are case-insensitive, so 'bearer <token>' works."""
    token = api_token(app, runner, "admin@example.com", permissions=("admin",))
    response = client.get("/api/v1/cycles", headers={"Authorization": f"{scheme} {token}"})
    assert response.status_code == 200


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Basic abc", "Bearertoken"])
def test_api_malformed_authorization_is_still_401(app, client, runner, header):
    """F-17: accepting any case of the scheme accepts nothing else."""
    api_token(app, runner, "admin@example.com", permissions=("admin",))
    response = client.get("/api/v1/cycles", headers={"Authorization": header})
    assert response.status_code == 401


def test_method_not_allowed_names_the_allowed_methods(app, client):
    """F-17: a 405 page carries the Allow header (RFC 9110), on the web and in the API."""
    page = client.get("/logout")
    assert page.status_code == 405 and page.mimetype == "text/html"
    assert "POST" in re.split(r",\s*", page.headers["Allow"])
    api = client.delete("/api/v1/cycles")
    assert api.status_code == 405 and api.mimetype == "application/problem+json"
    assert {"GET", "POST"} <= set(re.split(r",\s*", api.headers["Allow"]))
