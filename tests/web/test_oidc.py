"""Single sign-on against a real OpenID Connect provider (oidc-provider-mock on 127.0.0.1).

The app talks to the provider over HTTP as it would to Entra ID or Okta: discovery, the
published keys, the token endpoint. The browser's part (the provider's sign-in page) is played
by ``requests``; the journeys through Chromium are in ``tests/e2e/test_sso_browser.py``.
"""

from __future__ import annotations

import datetime as dt
import socket
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from assessment import queries, sso, tenancy
from assessment.extensions import db
from assessment.models import Account, AuditEntry, IdentityProvider, Mail, Person
from assessment.web import oidc
from assessment.web.auth import KNOWN_DEVICE_COOKIE, SIGNED_IN_KEY, VERSION_KEY
from assessment.web.password_reset import wait_for_deliveries
from tests.conftest import add_user, log_in
from tests.sso_provider import PROVIDER_WARNINGS, Provider, running_provider

pytestmark = pytest.mark.filterwarnings(PROVIDER_WARNINGS)

REDIRECT = "http://assessment.test/auth/oidc/callback"
LABEL = "Example SSO"
CHECKS_FAILED = "failed our checks"


@pytest.fixture
def provider() -> Iterator[Provider]:
    yield from running_provider()


def sso_config(provider: Provider) -> dict[str, Any]:
    client_id, secret = provider.register(REDIRECT)
    return {
        "OIDC_ISSUER": provider.issuer,
        "OIDC_CLIENT_ID": client_id,
        "OIDC_CLIENT_SECRET": secret,
        "OIDC_LABEL": LABEL,
    }


@pytest.fixture
def sso_app(app_factory, provider) -> Flask:
    """The installation's provider set from the configuration, with an executive in it."""
    app = app_factory(**sso_config(provider))
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    provider.add_user("ceo@example.com")
    return app


@pytest.fixture
def sso_client(sso_app) -> FlaskClient:
    return sso_app.test_client()


# --- helpers -----------------------------------------------------------------------------------


def begin(client: FlaskClient, path: str = "/auth/oidc/start") -> str:
    """Start a sign-in: the provider's authorization URL the browser is sent to."""
    started = client.get(path)
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    return started.headers["Location"]


def follow(client: FlaskClient, callback: str) -> Any:
    """Open the provider's answer (an absolute URL on BASE_URL) with the test client."""
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")


def sso_sign_in(
    client: FlaskClient, provider: Provider, email: str, path: str = "/auth/oidc/start"
) -> Any:
    return follow(client, provider.authorize(begin(client, path), email))


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()} | changes
    return urlunsplit(parts._replace(query=urlencode(query)))


def entries(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context(), tenancy.across_organisations():
        return list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def refusals(app: Flask) -> list[dict[str, Any]]:
    return [dict(e.details or {}) | {"target": e.target} for e in entries(app, "sso_refused")]


def people_count(app: Flask) -> tuple[int, int]:
    with app.app_context(), tenancy.across_organisations():
        return (
            db.session.scalar(select(func.count()).select_from(Person)) or 0,
            db.session.scalar(select(func.count()).select_from(Account)) or 0,
        )


def signed_in(client: FlaskClient) -> bool:
    return client.get("/").status_code == 200


def add_organisation(app: Flask, slug: str, name: str) -> int:
    with app.app_context():
        organisation = queries.create_organisation(db.session, slug, name)
        db.session.commit()
        return organisation.id


def set_provider(
    app: Flask,
    provider: Provider,
    organisation_id: int,
    *,
    label: str = "Northwind SSO",
    sso_only: bool = False,
    create_unknown: bool = False,
) -> None:
    client_id, secret = provider.register(REDIRECT)
    with app.app_context(), tenancy.acting_for(organisation_id):
        db.session.add(
            IdentityProvider(
                organisation_id=organisation_id,
                issuer=provider.issuer,
                client_id=client_id,
                client_secret_encrypted=sso.encrypt_client_secret(secret),
                label=label,
                sso_only=sso_only,
                create_unknown=create_unknown,
            )
        )
        db.session.commit()


def add_member(app: Flask, organisation_id: int, email: str, **options: Any) -> int:
    with tenancy.acting_for(organisation_id):
        return add_user(app, email, **options)


def page(response: Any) -> str:
    return response.get_data(as_text=True)


# --- the log-in page ---------------------------------------------------------------------------


def test_login_page_offers_sign_in_only_when_a_provider_is_set(client, sso_client):
    assert "Sign in with" not in page(client.get("/login"))
    html = page(sso_client.get("/login?next=/respond"))
    assert f"Sign in with {LABEL}" in html
    assert 'href="/auth/oidc/start?next=/respond"' in html
    assert 'name="password"' in html  # the password form stays


def test_start_without_a_provider_is_not_found(client, sso_client):
    assert client.get("/auth/oidc/start").status_code == 404
    assert sso_client.get("/auth/oidc/start/no-such-organisation").status_code == 404


# --- success ------------------------------------------------------------------------------------


def test_sso_signs_in_the_active_account_with_a_fresh_session(sso_app, sso_client, provider):
    with sso_client.session_transaction() as session:
        session["left_behind"] = "from before"  # nothing of the session before survives
    response = sso_sign_in(sso_client, provider, "ceo@example.com")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert KNOWN_DEVICE_COOKIE in response.headers.get("Set-Cookie", "")
    with sso_client.session_transaction() as session:
        assert "left_behind" not in session
        assert isinstance(session[VERSION_KEY], int) and isinstance(session[SIGNED_IN_KEY], int)
        assert not [key for key in session if key.startswith("_state_") or key == oidc.FLOWS_KEY]
    home = sso_client.get("/")
    assert home.status_code == 200 and "Casey Chief" in page(home)
    [entry] = entries(sso_app, "sso_login")
    assert entry.target == "ceo@example.com" and entry.details["provider"] == sso.INSTALLATION
    with sso_app.app_context():
        account = queries.find_account_by_email(db.session, "ceo@example.com")
        assert account is not None and account.last_login_at is not None
    assert people_count(sso_app) == (1, 1)


def test_the_flow_uses_pkce_state_and_nonce_and_the_client_secret(sso_client, provider):
    assert sso_sign_in(sso_client, provider, "ceo@example.com").status_code == 302
    [asked] = provider.layer.authorize_requests[:1]
    assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
    assert len(asked["state"]) >= 20 and len(asked["nonce"]) >= 20
    assert set(asked["scope"].split()) >= {"openid", "email"}
    assert asked["redirect_uri"] == REDIRECT
    [exchanged] = provider.layer.token_requests
    assert exchanged["code_verifier"] and "client_secret" not in exchanged  # sent as Basic auth


def test_each_sign_in_gets_its_own_state_nonce_and_verifier(sso_client, provider):
    first, second = begin(sso_client), begin(sso_client)
    one, two = (parse_qs(urlsplit(url).query) for url in (first, second))
    for name in ("state", "nonce", "code_challenge"):
        assert one[name] != two[name]
    # Both stay usable (two tabs): the second one finishes first.
    assert follow(sso_client, provider.authorize(second, "ceo@example.com")).status_code == 302


def test_next_is_kept_through_the_round_trip_and_only_when_safe(sso_client, provider):
    done = sso_sign_in(sso_client, provider, "ceo@example.com", "/auth/oidc/start?next=/respond")
    assert done.headers["Location"] == "/respond"
    sso_client.post("/logout")
    for unsafe in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        path = "/auth/oidc/start?" + urlencode({"next": unsafe})
        done = sso_sign_in(sso_client, provider, "ceo@example.com", path)
        assert done.headers["Location"] == "/", unsafe
        sso_client.post("/logout")


def test_a_signed_in_browser_is_not_sent_to_the_provider(sso_client, provider):
    sso_sign_in(sso_client, provider, "ceo@example.com")
    assert sso_client.get("/auth/oidc/start").headers["Location"] == "/"


# --- refusals: state, nonce, token --------------------------------------------------------------


def test_an_answer_with_another_state_is_refused(sso_app, sso_client, provider):
    callback = provider.authorize(begin(sso_client), "ceo@example.com")
    refused = follow(sso_client, with_query(callback, state="forged-state"))
    assert refused.status_code == 400 and "not signed in" in page(refused)
    assert "does not belong to a sign-in started in this browser" in page(refused)
    assert not signed_in(sso_client)
    assert [r["reason"] for r in refusals(sso_app)] == ["state"]


def test_an_answer_is_used_once(sso_app, sso_client, provider):
    callback = provider.authorize(begin(sso_client), "ceo@example.com")
    assert follow(sso_client, callback).status_code == 302
    sso_client.post("/logout")
    again = follow(sso_client, callback)
    assert again.status_code == 400 and not signed_in(sso_client)


def test_an_answer_from_another_browser_is_refused(sso_app, provider):
    """Login CSRF: an attacker's own answer planted in the victim's browser."""
    attacker, victim = sso_app.test_client(), sso_app.test_client()
    begin(victim)
    callback = provider.authorize(begin(attacker), "ceo@example.com")
    assert follow(victim, callback).status_code == 400 and not signed_in(victim)


def test_an_id_token_for_another_nonce_is_refused(sso_app, sso_client, provider):
    provider.layer.mode = "wrong_nonce"
    refused = sso_sign_in(sso_client, provider, "ceo@example.com")
    assert refused.status_code == 400 and CHECKS_FAILED in page(refused)
    assert not signed_in(sso_client)
    [refusal] = refusals(sso_app)
    assert refusal["reason"] == "token" and "nonce" in refusal["detail"]
    assert entries(sso_app, "sso_login") == []


@pytest.mark.parametrize(
    ("mode", "why"),
    [
        ("tampered", "BadSignature"),
        ("foreign_key", "BadSignature"),
        ("wrong_issuer", "iss"),
        ("no_id_token", "no ID token"),
    ],
    ids=["claims-changed-after-signing", "signed-with-an-unpublished-key", "issuer", "missing"],
)
def test_an_id_token_that_fails_a_check_is_refused(sso_app, sso_client, provider, mode, why):
    provider.layer.mode = mode
    refused = sso_sign_in(sso_client, provider, "ceo@example.com")
    assert refused.status_code == 400 and CHECKS_FAILED in page(refused)
    assert not signed_in(sso_client)
    [refusal] = refusals(sso_app)
    assert refusal["reason"] == "token" and why in refusal["detail"], refusal
    assert people_count(sso_app) == (1, 1)


def test_a_genuine_id_token_issued_to_another_client_is_refused(sso_app, sso_client, provider):
    authorize_url = begin(sso_client)
    nonce = parse_qs(urlsplit(authorize_url).query)["nonce"][0]
    provider.add_user("elsewhere@example.com")
    provider.layer.foreign_id_token = provider.foreign_token(nonce)  # same nonce, other audience
    provider.layer.mode = "foreign_audience"
    refused = follow(sso_client, provider.authorize(authorize_url, "ceo@example.com"))
    assert refused.status_code == 400 and not signed_in(sso_client)
    assert "aud" in refusals(sso_app)[0]["detail"]


@pytest.fixture
def expired_provider() -> Iterator[Provider]:
    """A provider whose ID tokens expired (beyond the tolerated clock difference) when issued."""
    yield from running_provider(token_max_age=-dt.timedelta(seconds=oidc.LEEWAY_SECONDS + 600))


def test_an_expired_id_token_is_refused(app_factory, expired_provider):
    app = app_factory(**sso_config(expired_provider))
    add_user(app, "ceo@example.com", role="ceo")
    expired_provider.add_user("ceo@example.com")
    client = app.test_client()
    refused = sso_sign_in(client, expired_provider, "ceo@example.com")
    assert refused.status_code == 400 and CHECKS_FAILED in page(refused)
    assert not signed_in(client)
    assert "Expired" in refusals(app)[0]["detail"]


def test_a_discovery_document_naming_another_issuer_is_not_trusted(sso_app, sso_client, provider):
    provider.layer.mode = "discovery_elsewhere"
    response = sso_client.get("/auth/oidc/start")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert refusals(sso_app)[0]["reason"] == "unavailable"
    assert "another issuer" in refusals(sso_app)[0]["detail"]


def test_the_provider_refusing_the_code_is_a_clear_page(sso_app, sso_client, provider):
    """A code exchanged without the right PKCE verifier is refused by the provider."""
    authorize_url = begin(sso_client)
    callback = provider.authorize(authorize_url, "ceo@example.com")
    with sso_client.session_transaction() as session:
        for key in [k for k in session if k.startswith("_state_")]:
            kept = session[key]
            kept["data"]["code_verifier"] = "x" * 48
            session[key] = kept
    refused = follow(sso_client, callback)
    assert refused.status_code == 403 and "cancelled or refused" in page(refused)
    assert refusals(sso_app)[0] | {"target": ""} == {
        "reason": "denied",
        "provider": "installation",
        "detail": "invalid_grant",
        "target": "",
    }


def test_cancelling_at_the_provider_is_a_clear_page(sso_app, sso_client, provider):
    authorize_url = begin(sso_client)
    answer = requests.post(authorize_url, data={"action": "deny"}, allow_redirects=False, timeout=5)
    refused = follow(sso_client, answer.headers["Location"])
    assert refused.status_code == 403 and "cancelled or refused" in page(refused)
    assert refusals(sso_app)[0]["detail"] == "access_denied"


# --- refusals: the person ----------------------------------------------------------------------


def test_an_unverified_address_is_refused(sso_app, sso_client, provider):
    provider.add_user("ceo@example.com", verified=False)
    refused = sso_sign_in(sso_client, provider, "ceo@example.com")
    assert refused.status_code == 403 and "has not confirmed" in page(refused)
    assert not signed_in(sso_client)
    assert refusals(sso_app) == [
        {"reason": "unverified", "provider": "installation", "target": "ceo@example.com"}
    ]


def test_an_unknown_person_is_refused_and_nothing_is_created(sso_app, sso_client, provider):
    provider.add_user("stranger@example.com")
    refused = sso_sign_in(sso_client, provider, "stranger@example.com")
    assert refused.status_code == 403 and "No account was created" in page(refused)
    assert "stranger@example.com" in page(refused)
    assert people_count(sso_app) == (1, 1) and not signed_in(sso_client)
    assert refusals(sso_app)[0]["reason"] == "unknown"


def test_a_deactivated_person_is_refused(app_factory, provider):
    app = app_factory(**sso_config(provider))
    add_user(app, "gone@example.com", role="cio", active=False)
    provider.add_user("gone@example.com")
    client = app.test_client()
    refused = sso_sign_in(client, provider, "gone@example.com")
    assert refused.status_code == 403 and "deactivated" in page(refused)
    assert not signed_in(client) and refusals(app)[0]["reason"] == "deactivated"


def test_the_audit_log_never_holds_a_token_or_code(sso_app, sso_client, provider):
    sso_sign_in(sso_client, provider, "ceo@example.com")
    sso_client.post("/logout")
    provider.layer.mode = "tampered"
    sso_sign_in(sso_client, provider, "ceo@example.com")
    with sso_app.app_context(), tenancy.across_organisations():
        logged = " ".join(f"{e.target} {e.details}" for e in db.session.scalars(select(AuditEntry)))
    assert provider.layer.issued and not [t for t in provider.layer.issued if t in logged]


# --- the provider not answering ----------------------------------------------------------------


def test_a_provider_down_is_a_message_on_the_login_page(sso_app, sso_client, provider):
    provider.stop()
    response = sso_client.get("/auth/oidc/start?next=/respond")
    assert response.status_code == 302
    assert response.headers["Location"] == "/login?next=/respond"
    html = page(sso_client.get(response.headers["Location"]))
    assert f"{LABEL} is not answering right now" in html and "sign in with your password" in html
    assert 'name="password"' in html
    assert refusals(sso_app)[0]["reason"] == "unavailable"
    assert log_in(sso_client, "ceo@example.com").headers["Location"] == "/"  # password works


def test_a_provider_down_at_the_token_exchange(sso_app, sso_client, provider):
    callback = provider.authorize(begin(sso_client), "ceo@example.com")
    provider.stop()
    response = follow(sso_client, callback)
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    assert "is not answering" in page(sso_client.get(response.headers["Location"]))
    assert not signed_in(sso_client)


def test_a_provider_that_never_answers_times_out(app_factory, monkeypatch):
    monkeypatch.setattr(oidc, "TIMEOUT_SECONDS", 0.5)
    with socket.socket() as silent:  # accepts connections (the backlog) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        app = app_factory(
            OIDC_ISSUER=f"http://127.0.0.1:{port}", OIDC_CLIENT_ID="c", OIDC_CLIENT_SECRET="s"
        )
        began = time.monotonic()
        response = app.test_client().get("/auth/oidc/start")
        assert time.monotonic() - began < 5
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Timeout" in refusals(app)[0]["detail"]


# --- an organisation's own provider -------------------------------------------------------------


@pytest.fixture
def northwind(app_factory, provider) -> tuple[Flask, int]:
    """Organisation 1 without a provider, Northwind with its own; a consultant in both."""
    app = app_factory()
    organisation_id = add_organisation(app, "northwind", "Northwind Traders")
    set_provider(app, provider, organisation_id)
    add_member(app, organisation_id, "ceo@northwind.example", role="ceo", name="Nia North")
    add_user(app, "consultant@example.com", permissions=("admin",), name="Con Sultant")
    add_member(app, organisation_id, "consultant@example.com", permissions=("committee",))
    add_user(app, "ceo@first.example", role="ceo", name="First Ceo")
    for email in ("ceo@northwind.example", "consultant@example.com", "ceo@first.example"):
        provider.add_user(email)
    return app, organisation_id


def test_an_organisations_provider_is_offered_only_on_its_own_login_page(northwind):
    app, _ = northwind
    client = app.test_client()
    assert "Sign in with" not in page(client.get("/login"))
    html = page(client.get("/login?org=northwind"))
    assert "Sign in with Northwind SSO" in html and 'href="/auth/oidc/start/northwind"' in html
    assert "Sign in with" not in page(client.get("/login?org=no-such-org"))


def test_an_organisations_provider_signs_in_to_that_organisation_only(northwind, provider):
    app, organisation_id = northwind
    client = app.test_client()
    done = sso_sign_in(client, provider, "consultant@example.com", "/auth/oidc/start/northwind")
    assert done.status_code == 302
    with client.session_transaction() as session:
        account_id = int(session["_user_id"])
    with app.app_context(), tenancy.across_organisations():
        account = db.session.get(Account, account_id)
        assert account is not None and account.organisation_id == organisation_id
    [entry] = entries(app, "sso_login")
    assert entry.organisation_id == organisation_id and entry.details["provider"] == "northwind"


def test_an_organisations_provider_does_not_vouch_for_other_organisations(northwind, provider):
    app, organisation_id = northwind
    client = app.test_client()
    before = people_count(app)
    refused = sso_sign_in(client, provider, "ceo@first.example", "/auth/oidc/start/northwind")
    assert refused.status_code == 403 and "at Northwind Traders" in page(refused)
    assert people_count(app) == before and not signed_in(client)
    [entry] = entries(app, "sso_refused")
    assert entry.organisation_id == organisation_id and entry.details["reason"] == "unknown"


def test_just_in_time_creation_when_the_organisation_allows_it(app_factory, provider):
    app = app_factory()
    organisation_id = add_organisation(app, "northwind", "Northwind Traders")
    set_provider(app, provider, organisation_id, create_unknown=True)
    provider.add_user("new@northwind.example", name="Newt Comer")
    client = app.test_client()
    done = sso_sign_in(client, provider, "new@northwind.example", "/auth/oidc/start/northwind")
    assert done.status_code == 302 and signed_in(client)
    with app.app_context(), tenancy.acting_for(organisation_id):
        person = queries.find_person_by_email(db.session, "new@northwind.example")
        assert person is not None and person.name == "Newt Comer" and person.role is None
        assert person.account is not None and person.account.permissions == frozenset()
    assert entries(app, "sso_login")[0].details["created"] is True
    # An unverified address is still refused, and creates nobody.
    provider.add_user("unverified@northwind.example", verified=False)
    other = app.test_client()
    sso_sign_in(other, provider, "unverified@northwind.example", "/auth/oidc/start/northwind")
    with app.app_context(), tenancy.acting_for(organisation_id):
        assert queries.find_person_by_email(db.session, "unverified@northwind.example") is None


# --- SSO only ----------------------------------------------------------------------------------


@pytest.fixture
def sso_only(northwind, provider) -> tuple[Flask, int]:
    app, organisation_id = northwind
    with app.app_context(), tenancy.acting_for(organisation_id):
        row = queries.get_identity_provider(db.session, organisation_id)
        assert row is not None
        row.sso_only = True
        db.session.commit()
    add_member(app, organisation_id, "admin@northwind.example", permissions=("admin",))
    return app, organisation_id


def test_sso_only_refuses_an_executives_password_naming_the_provider(sso_only):
    app, _ = sso_only
    client = app.test_client()
    refused = log_in(client, "ceo@northwind.example")
    html = page(refused)
    assert refused.status_code == 200 and "signs you in with Northwind SSO" in html
    assert 'href="/auth/oidc/start/northwind"' in html  # the way in is offered at once
    assert not signed_in(client)
    assert entries(app, "login_failed")[-1].details == {"reason": "sso_only"}


def test_sso_only_tells_nothing_to_whoever_lacks_the_password(sso_only):
    app, _ = sso_only
    client = app.test_client()
    wrong = page(log_in(client, "ceo@northwind.example", "not the password at all"))
    assert "Northwind" not in wrong and "do not match an active account" in wrong


def test_sso_only_leaves_everyone_else_with_their_password(sso_only):
    app, _ = sso_only
    for email in ("admin@northwind.example", "ceo@first.example", "consultant@example.com"):
        client = app.test_client()
        assert log_in(client, email).headers["Location"] == "/", email


def test_sso_only_organisation_page_says_who_must_use_the_provider(sso_only):
    app, _ = sso_only
    html = page(app.test_client().get("/login?org=northwind"))
    assert "People with a role at Northwind Traders sign in with Northwind SSO only" in html
    assert 'name="password"' in html


def test_sso_only_executive_still_signs_in_through_the_provider(sso_only, provider):
    app, _ = sso_only
    client = app.test_client()
    done = sso_sign_in(client, provider, "ceo@northwind.example", "/auth/oidc/start/northwind")
    assert done.status_code == 302 and signed_in(client)


def test_sso_only_provider_down_says_sign_in_is_unavailable(sso_only, provider):
    app, _ = sso_only
    provider.stop()
    client = app.test_client()
    response = client.get("/auth/oidc/start/northwind")
    assert response.headers["Location"] == "/login?org=northwind"
    html = page(client.get(response.headers["Location"]))
    assert "Sign-in is unavailable right now: Northwind SSO is not answering" in html


def test_sso_only_sends_no_password_link_and_says_the_same(sso_only):
    app, _ = sso_only
    client = app.test_client()
    answers = set()
    for email in ("ceo@northwind.example", "admin@northwind.example", "nobody@example.com"):
        response = client.post("/forgot", data={"email": email})
        answers.add((response.status_code, response.headers["Location"]))
    wait_for_deliveries()
    assert answers == {(302, "/forgot/sent")}
    with app.app_context(), tenancy.across_organisations():
        recipients = [m.recipient for m in db.session.scalars(select(Mail))]
    assert recipients == ["admin@northwind.example"]
    reasons = [e.details.get("reason") for e in entries(app, "password_reset_requested")]
    assert reasons == ["sso_only", "no account"]


# --- rate limit --------------------------------------------------------------------------------


def test_failed_callbacks_are_limited_per_address(app_factory, provider):
    app = app_factory(**sso_config(provider), LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    statuses = [client.get("/auth/oidc/callback?state=x&code=y").status_code for _ in range(4)]
    assert statuses == [400, 400, 400, 429]
    # Another address is not held back.
    other = client.get("/auth/oidc/callback?state=x", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 400


def test_only_failed_starts_count_against_the_address(app_factory, provider):
    app = app_factory(**sso_config(provider), LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    client = app.test_client()
    assert all(begin(client).startswith(provider.issuer) for _ in range(5))
    provider.stop()
    statuses = [client.get("/auth/oidc/start").status_code for _ in range(4)]
    assert statuses == [302, 302, 302, 429]


def test_sso_only_membership_is_skipped_for_a_password_not_the_others(sso_only):
    """Someone with a role in the SSO-only organisation and another membership elsewhere
    signs in with a password to the other one, even if they used the SSO-only one last."""
    app, organisation_id = sso_only
    add_user(app, "both@example.com", permissions=("admin",), name="Bo Th")
    add_member(app, organisation_id, "both@example.com", role="cio", name="Bo Th")
    with app.app_context(), tenancy.acting_for(organisation_id):
        account = queries.find_account_by_email(db.session, "both@example.com")
        assert account is not None
        account.last_login_at = dt.datetime.now(dt.UTC)
        db.session.commit()
    client = app.test_client()
    assert log_in(client, "both@example.com").headers["Location"] == "/"
    with client.session_transaction() as session:
        assert session["organisation"] != organisation_id
