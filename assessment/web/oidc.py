"""Single sign-on with OpenID Connect: the authorization code flow with PKCE, state and nonce.

Authlib runs the protocol. A client is built for each request from the provider's settings
(``assessment.sso``), which are read from the environment or the database every time: nothing
is cached across requests or processes. The provider's metadata comes from discovery
(``issuer + /.well-known/openid-configuration``) and must name the configured issuer.

The callback accepts only an answer to a sign-in this browser started (the state, kept in the
session with the provider's key and where to go afterwards), exchanges the code with the PKCE
verifier, and checks the ID token's signature against the provider's published keys, its
issuer, audience, expiry and nonce. The verified identity goes to ``actions.sso`` to become an
account; every refusal gets a page saying why (never a 500) and an audit entry.
"""

from __future__ import annotations

from typing import Any, Final

import requests
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from joserfc.errors import JoseError
from werkzeug.wrappers import Response

from assessment import queries, sso
from assessment.actions import sso as sso_actions
from assessment.extensions import db, limiter
from assessment.sso import ProviderSettings
from assessment.web.auth import _remember_device, _safe_next, sso_method, start_session

bp = Blueprint("oidc", __name__, url_prefix="/auth/oidc")

# Authlib keeps each flow's PKCE verifier, nonce and redirect URI in the session under this
# client name; this module keeps, by state, which provider and where to go afterwards.
CLIENT_NAME: Final = "oidc"
FLOWS_KEY: Final = "sso_flows"
# Sign-ins started in other tabs stay valid; beyond a few, the oldest are dropped (the
# session is a cookie, and each flow takes room in it).
MAX_FLOWS: Final = 3
SCOPE: Final = "openid email profile"
MAX_NEXT_LENGTH: Final = 1000
# A provider that has not answered in this many seconds is down for this request.
TIMEOUT_SECONDS: float = 5
# Clock difference tolerated on the ID token's expiry and issue time.
LEEWAY_SECONDS: Final = 60
# Reasons shown with the status a page carries.
STATUS = {sso_actions.STATE: 400, sso_actions.TOKEN: 400, sso_actions.DENIED: 403}

_PROVIDER_DOWN = (requests.RequestException, ValueError, KeyError, TypeError, RuntimeError)
_BAD_ANSWER = (JoseError, ValueError, KeyError, TypeError, RuntimeError)


class _Failed(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


@bp.get("/start", defaults={"key": None}, endpoint="start")
@bp.get("/start/<key>", endpoint="start_for")
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    # Only starts that did not reach the provider count (one that does not answer holds a
    # worker for the timeout); a whole office behind one address may sign in at once.
    deduct_when=lambda response: "://" not in (response.location or ""),
    scope="oidc-start-address",
)
def start(key: str | None) -> Response:
    """Send the browser to the provider (the installation's, or the organisation's ``key``)."""
    if current_user.is_authenticated:
        return redirect(_safe_next(None))
    provider = sso.installation_provider() if key is None else sso.provider_by_key(key)
    if provider is None:
        abort(404)
    next_url = request.args.get("next")
    client = _client(provider)
    try:
        _discover(client, provider)
        found = client.create_authorization_url(sso.redirect_uri())
    except _Failed as failed:
        return _unavailable(provider, failed.detail, next_url)
    except _PROVIDER_DOWN as error:
        return _unavailable(provider, type(error).__name__, next_url)
    client.save_authorize_data(
        redirect_uri=sso.redirect_uri(),
        state=found["state"],
        code_verifier=found["code_verifier"],
        nonce=found["nonce"],
    )
    _remember_flow(found["state"], provider.key, next_url)
    return redirect(found["url"])


@bp.get("/callback")
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    deduct_when=lambda response: response.status_code != 302,
    scope="oidc-callback-address",
)
def callback() -> Response | tuple[str, int]:
    """The provider's answer: sign in the account it vouches for, or say why not."""
    if current_user.is_authenticated:
        return redirect(_safe_next(None))
    flow = _take_flow(request.args.get("state", ""))
    provider = sso.provider_by_key(flow[0]) if flow else None
    if error := request.args.get("error"):
        # The person cancelled, or the provider refused (not every provider returns the state
        # with an error; an error signs nobody in, so none is needed to say so).
        session.pop(f"_state_{CLIENT_NAME}_{request.args.get('state', '')}", None)
        return _refused(provider, sso_actions.DENIED, error)
    if flow is None:
        return _refused(None, sso_actions.STATE, "no sign-in started in this browser")
    if provider is None:
        return _refused(None, sso_actions.STATE, "the provider is no longer configured")
    try:
        identity = _verified_identity(_client(provider), provider)
    except _Failed as failed:
        if failed.reason == sso_actions.UNAVAILABLE:
            return _unavailable(provider, failed.detail, flow[1])
        return _refused(provider, failed.reason, failed.detail)
    try:
        account = sso_actions.sign_in(provider, identity)
    except sso_actions.Refused as refused:
        return _refused(provider, refused.reason, email=refused.email, audited=True)
    db.session.commit()
    start_session(account, sso_method(provider.key))
    return _remember_device(redirect(_safe_next(flow[1])), account)


def _client(provider: ProviderSettings) -> Any:
    return FlaskOAuth2App(
        FlaskIntegration(CLIENT_NAME),
        name=CLIENT_NAME,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.issuer.rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={
            "scope": SCOPE,
            "code_challenge_method": "S256",
            "default_timeout": TIMEOUT_SECONDS,
        },
    )


def _discover(client: Any, provider: ProviderSettings) -> dict[str, Any]:
    """The provider's metadata; it must be for the configured issuer (a document naming
    another would let that one's tokens in)."""
    metadata: dict[str, Any] = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer.rstrip("/"):
        raise _Failed(sso_actions.UNAVAILABLE, "discovery names another issuer")
    return metadata


def _verified_identity(client: Any, provider: ProviderSettings) -> sso_actions.Identity:
    """Exchange the code and check the ID token, or raise ``_Failed`` with the reason."""
    try:
        metadata = _discover(client, provider)
    except _PROVIDER_DOWN as error:
        raise _Failed(sso_actions.UNAVAILABLE, type(error).__name__) from error
    options = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": provider.client_id},
        "exp": {"essential": True},
    }
    try:
        token = client.authorize_access_token(claims_options=options, leeway=LEEWAY_SECONDS)
    except MismatchingStateError as error:
        raise _Failed(sso_actions.STATE, "state not found") from error
    except OAuthError as error:  # the provider said no: cancelled, or the code was refused
        raise _Failed(sso_actions.DENIED, str(error.error or "error")) from error
    except requests.RequestException as error:  # token endpoint or keys not answering
        raise _Failed(sso_actions.UNAVAILABLE, type(error).__name__) from error
    except _BAD_ANSWER as error:  # signature, issuer, audience, expiry, nonce, malformed
        raise _Failed(sso_actions.TOKEN, f"{type(error).__name__}: {error}") from error
    claims = token.get("userinfo")
    if not claims:  # no ID token: nothing was verified
        raise _Failed(sso_actions.TOKEN, "no ID token")
    claims = dict(claims)
    if "email" not in claims:
        claims = _with_userinfo(client, claims, token)
    return sso_actions.Identity.of_claims(claims)


def _with_userinfo(client: Any, claims: dict[str, Any], token: Any) -> dict[str, Any]:
    """Okta may send a "thin" ID token without the e-mail; the user-info endpoint has it. Its
    answer counts only for the same subject as the verified ID token (OpenID Connect Core
    5.3.2), and adds to the token's claims without replacing any."""
    try:
        extra = dict(client.userinfo(token=token))
    except (requests.RequestException, OAuthError, ValueError) as error:
        raise _Failed(sso_actions.UNAVAILABLE, f"userinfo: {type(error).__name__}") from error
    if extra.get("sub") != claims.get("sub"):
        raise _Failed(sso_actions.TOKEN, "userinfo is for another subject")
    return {**extra, **claims}


def _remember_flow(state: str, key: str, next_url: str | None) -> None:
    flows = dict(session.get(FLOWS_KEY) or {})
    # An address too long to keep in the cookie is dropped: the flow lands on the home page.
    flows[state] = [key, next_url if next_url and len(next_url) <= MAX_NEXT_LENGTH else None]
    while len(flows) > MAX_FLOWS:
        oldest = next(iter(flows))
        del flows[oldest]
        session.pop(f"_state_{CLIENT_NAME}_{oldest}", None)
    session[FLOWS_KEY] = flows


def _take_flow(state: str) -> tuple[str, str | None] | None:
    """The provider's key and the page to go to of the flow with this state, forgotten at
    once: an answer is used once."""
    flows = dict(session.get(FLOWS_KEY) or {})
    if not state or state not in flows:
        return None
    found = flows.pop(state)
    session[FLOWS_KEY] = flows
    if not isinstance(found, list) or len(found) != 2 or not isinstance(found[0], str):
        return None
    return found[0], found[1] if isinstance(found[1], str) else None


def _refused(
    provider: ProviderSettings | None,
    reason: str,
    detail: str = "",
    *,
    email: str = "",
    audited: bool = False,
) -> tuple[str, int]:
    if not audited:
        sso_actions.refuse(provider, reason, email, detail)
    db.session.commit()
    organisation = (
        queries.get_organisation(db.session, provider.organisation_id)
        if provider is not None and provider.organisation_id is not None
        else None
    )
    page = render_template(
        "auth/sso_problem.html",
        reason=reason,
        label=provider.label if provider else "your organisation's sign-in",
        email=email,
        organisation=organisation.name if organisation else None,
        retry=_start_url(provider),
        login=_login_url(provider),
    )
    return page, STATUS.get(reason, 403)


def _unavailable(provider: ProviderSettings, detail: str, next_url: str | None) -> Response:
    """Back to the log-in page with the reason; its password form stays for whoever may use
    it (everyone but the executives of an organisation whose provider is "SSO only")."""
    sso_actions.refuse(provider, sso_actions.UNAVAILABLE, detail=detail)
    db.session.commit()
    if provider.sso_only:
        flash(
            f"Sign-in is unavailable right now: {provider.label} is not answering, and people "
            "with a role here sign in only through it. Please try again in a few minutes.",
            "error",
        )
    else:
        flash(
            f"{provider.label} is not answering right now, so you cannot sign in with it. "
            "Try again in a few minutes, or sign in with your password.",
            "error",
        )
    return redirect(_login_url(provider, next_url))


def _start_url(provider: ProviderSettings | None) -> str | None:
    if provider is None:
        return None
    if provider.organisation_id is None:
        return url_for("oidc.start")
    return url_for("oidc.start_for", key=provider.key)


def _login_url(provider: ProviderSettings | None, next_url: str | None = None) -> str:
    organisation = provider.key if provider and provider.organisation_id is not None else None
    return url_for("auth.login", org=organisation, next=next_url or None)
