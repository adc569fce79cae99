"""Single sign-on in Chromium against a real OpenID Connect provider on 127.0.0.1.

oidc-provider-mock (``tests/sso_provider.py``: PKCE and the nonce required, client
registration on) signs ID tokens with its own key; the app fetches its discovery document,
keys and tokens over HTTP. Chromium clicks "Sign in with …" on the log-in page, signs in on
the provider's page and comes back. Every refusal ends on a page that says why, creates nobody,
and leaves an ``sso_refused`` entry in the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
from flask import Flask
from sqlalchemy import func, select

from assessment import queries, sso, tenancy
from assessment.extensions import db
from assessment.models import Account, AuditEntry, IdentityProvider, Person
from assessment.web import oidc
from tests.conftest import IN_CI, add_user
from tests.e2e.helpers import AXE, SHOTS, check
from tests.sso_provider import PROVIDER_WARNINGS, Provider, running_provider

pytestmark = [pytest.mark.browser, pytest.mark.filterwarnings(PROVIDER_WARNINGS)]

LABEL = "Contoso ID"
ORGANISATION = "Contoso Ltd"
CEO = "ceo@contoso.example"
NOT_SIGNED_IN = "You are not signed in"


@pytest.fixture
def provider() -> Iterator[Provider]:
    yield from running_provider()


def use_provider(app: Flask, base: str, provider: Provider) -> None:
    """Make ``provider`` the installation's (read from the configuration on every request)."""
    client_id, secret = provider.register(f"{base}/auth/oidc/callback")
    app.config.update(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=client_id,
        OIDC_CLIENT_SECRET=secret,
        OIDC_LABEL=LABEL,
    )


@pytest.fixture
def contoso(live_app, live_server, provider) -> Flask:
    """Contoso signs in through its provider: a CEO, a deactivated CIO, and a person the
    provider knows but the app does not."""
    if not AXE.exists():
        if IN_CI:
            pytest.fail(f"axe-core is missing at {AXE}; `make test` installs it")
        pytest.skip("axe-core is not installed (make test installs it)")
    SHOTS.mkdir(exist_ok=True)
    with live_app.app_context():
        organisation = queries.get_organisation(db.session, 1)
        assert organisation is not None
        organisation.name = ORGANISATION
        db.session.commit()
    add_user(live_app, CEO, role="ceo", name="Casey Chief")
    add_user(live_app, "cio@contoso.example", role="cio", name="Gone Away", active=False)
    for email in (CEO, "cio@contoso.example", "stranger@contoso.example"):
        provider.add_user(email)
    use_provider(live_app, live_server, provider)
    return live_app


# --- helpers -----------------------------------------------------------------------------------


def to_provider(page: Any, base: str, login_path: str = "/login", label: str = LABEL) -> None:
    page.goto(f"{base}{login_path}")
    page.get_by_role("link", name=f"Sign in with {label}").click()
    page.wait_for_url("**/oauth2/authorize?**")


def authorize(page: Any, email: str) -> None:
    """Sign in on the provider's own page as ``email``."""
    page.locator("input[name=sub]").fill(email)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_load_state()


def through_provider(page: Any, base: str, email: str, login_path: str = "/login") -> None:
    to_provider(page, base, login_path)
    authorize(page, email)


def audit(app: Flask, action: str) -> list[AuditEntry]:
    with app.app_context(), tenancy.across_organisations():
        return list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
            )
        )


def headcount(app: Flask) -> tuple[int, int]:
    with app.app_context(), tenancy.across_organisations():
        return (
            db.session.scalar(select(func.count()).select_from(Person)) or 0,
            db.session.scalar(select(func.count()).select_from(Account)) or 0,
        )


def assert_refused(page: Any, app: Flask, base: str, reason: str, says: str) -> None:
    """A clear page, nobody signed in, nobody created, and the refusal audited."""
    assert page.get_by_role("heading", name=NOT_SIGNED_IN).is_visible()
    assert says in page.locator("main").inner_text()
    assert headcount(app) == (2, 2)
    assert audit(app, "sso_login") == []
    assert [e.details["reason"] for e in audit(app, "sso_refused")] == [reason]
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/login**")


# --- success -----------------------------------------------------------------------------------


def test_sso_signs_the_executive_in(contoso, live_server, context):
    base, page = live_server, context.new_page()
    page.goto(f"{base}/login?next=/account/password")
    check(page, "sso-1-login")
    page.get_by_role("link", name=f"Sign in with {LABEL}").click()
    page.wait_for_url("**/oauth2/authorize?**")
    authorize(page, CEO)
    page.wait_for_url(f"{base}/account/password")  # ``next`` kept through the round trip
    assert page.locator(".organisation-name").inner_text() == ORGANISATION
    page.goto(f"{base}/")
    assert "Casey Chief" in page.locator("body").inner_text()
    [entry] = audit(contoso, "sso_login")
    assert entry.target == CEO and entry.details["provider"] == sso.INSTALLATION
    cookies = {c["name"]: c for c in context.cookies()}
    assert cookies["session"]["httpOnly"] and "known_device" in cookies
    # Signing out ends the session as after a password log-in.
    page.get_by_role("button", name="Sign out").click()
    page.goto(f"{base}/")
    page.wait_for_url(f"{base}/login**")


# --- the answer tampered with on its way back -----------------------------------------------


def test_an_answer_with_another_state_is_refused(contoso, live_server, context, provider):
    base, page = live_server, context.new_page()

    def forge_state(route: Any) -> None:
        """The provider's answer (a redirect to the callback) gets another state on its way
        back to the browser."""
        if route.request.method != "POST":
            route.continue_()
            return
        answer = route.fetch(max_redirects=0)
        parts = urlsplit(answer.headers["location"])
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert query["state"] and query["code"]
        forged = urlunsplit(parts._replace(query=urlencode(query | {"state": "forged"})))
        route.fulfill(status=302, headers={"Location": forged})

    page.route("**/oauth2/authorize?**", forge_state)
    through_provider(page, base, CEO)
    assert_refused(page, contoso, base, "state", "does not belong to a sign-in started")


def test_an_id_token_for_another_nonce_is_refused(contoso, live_server, context, provider):
    """The provider signs, with its own key, an ID token for another nonce than the one this
    browser's sign-in sent (as a token replayed from another sign-in would carry). With PKCE a
    code from another sign-in cannot be redeemed at all (see test_oidc), so this is how a
    genuine token with the wrong nonce reaches the app."""
    base, page = live_server, context.new_page()
    provider.layer.mode = "wrong_nonce"
    through_provider(page, base, CEO)
    check(page, "sso-2-refused-token")
    assert_refused(page, contoso, base, "token", "failed our checks")
    assert "nonce" in audit(contoso, "sso_refused")[0].details["detail"]


def test_a_tampered_id_token_is_refused(contoso, live_server, context, provider):
    base, page = live_server, context.new_page()
    provider.layer.mode = "tampered"  # the e-mail claim changed after the provider signed it
    through_provider(page, base, CEO)
    assert_refused(page, contoso, base, "token", "failed our checks")
    assert "BadSignature" in audit(contoso, "sso_refused")[0].details["detail"]


@pytest.fixture
def expired_provider() -> Iterator[Provider]:
    yield from running_provider(token_max_age=-dt.timedelta(seconds=oidc.LEEWAY_SECONDS + 600))


def test_an_expired_id_token_is_refused(contoso, live_server, context, expired_provider):
    base, page = live_server, context.new_page()
    expired_provider.add_user(CEO)
    use_provider(contoso, base, expired_provider)
    through_provider(page, base, CEO)
    assert_refused(page, contoso, base, "token", "failed our checks")
    assert "Expired" in audit(contoso, "sso_refused")[0].details["detail"]


# --- the person ----------------------------------------------------------------------------------


def test_an_unverified_address_is_refused(contoso, live_server, context, provider):
    base, page = live_server, context.new_page()
    provider.add_user(CEO, verified=False)
    through_provider(page, base, CEO)
    assert_refused(page, contoso, base, "unverified", "has not confirmed")


def test_an_unknown_person_is_refused_and_nothing_is_created(contoso, live_server, context):
    base, page = live_server, context.new_page()
    through_provider(page, base, "stranger@contoso.example")
    check(page, "sso-3-refused-unknown")
    assert_refused(page, contoso, base, "unknown", "No account was created")


def test_a_deactivated_person_is_refused(contoso, live_server, context):
    base, page = live_server, context.new_page()
    through_provider(page, base, "cio@contoso.example")
    assert_refused(page, contoso, base, "deactivated", "is deactivated")


# --- the provider down -------------------------------------------------------------------------


def test_a_provider_down_leaves_the_password_form(contoso, live_server, context, provider):
    base, page = live_server, context.new_page()
    page.goto(f"{base}/login")
    provider.stop()
    page.get_by_role("link", name=f"Sign in with {LABEL}").click()
    page.wait_for_url(f"{base}/login**")
    assert f"{LABEL} is not answering right now" in page.locator(".flashes").inner_text()
    assert page.get_by_label("Password").is_visible()
    check(page, "sso-4-provider-down")
    assert [e.details["reason"] for e in audit(contoso, "sso_refused")] == ["unavailable"]


@pytest.fixture
def sso_only(contoso, live_server, provider) -> Flask:
    """Contoso's own provider (not the installation's), "SSO only"."""
    contoso.config["OIDC_ISSUER"] = None  # only the organisation's provider from now on
    client_id, secret = provider.register(f"{live_server}/auth/oidc/callback")
    with contoso.app_context(), tenancy.acting_for(1):
        organisation = queries.get_organisation(db.session, 1)
        assert organisation is not None
        db.session.add(
            IdentityProvider(
                organisation_id=1,
                issuer=provider.issuer,
                client_id=client_id,
                client_secret_encrypted=sso.encrypt_client_secret(secret),
                label=LABEL,
                sso_only=True,
            )
        )
        db.session.commit()
        return contoso


def slug_of_first(app: Flask) -> str:
    with app.app_context():
        organisation = queries.get_organisation(db.session, 1)
        assert organisation is not None
        return organisation.slug


def test_sso_only_signs_in_through_the_organisations_provider(sso_only, live_server, context):
    base, page = live_server, context.new_page()
    page.goto(f"{base}/login")
    assert page.get_by_role("link", name=f"Sign in with {LABEL}").count() == 0
    through_provider(page, base, CEO, f"/login?org={slug_of_first(sso_only)}")
    page.wait_for_url(f"{base}/")
    assert page.locator(".organisation-name").inner_text() == ORGANISATION


def test_sso_only_provider_down_says_sign_in_is_unavailable(
    sso_only, live_server, context, provider
):
    base, page = live_server, context.new_page()
    login = f"{base}/login?org={slug_of_first(sso_only)}"
    page.goto(login)
    assert f"People with a role at {ORGANISATION} sign in with {LABEL} only" in page.content()
    # A password is refused, naming the provider.
    page.get_by_label("E-mail").fill(CEO)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert f"Your organisation signs you in with {LABEL}" in page.locator("main").inner_text()
    provider.stop()
    page.get_by_role("link", name=f"Sign in with {LABEL}").click()
    page.wait_for_url(f"{base}/login?org=**")
    flashed = page.locator(".flashes").inner_text()
    assert f"Sign-in is unavailable right now: {LABEL} is not answering" in flashed
    check(page, "sso-5-sso-only-down")
