"""Single sign-on providers: the installation's (from the environment) and each organisation's
(from its administration page, the client secret kept encrypted).

The sign-in flow (``web``) asks here which provider a key names and gets plain settings back,
the secret decrypted. Nothing is cached across requests: several app processes share one
database, and an administrator may change or remove a provider at any time. An organisation's
provider is read while acting for that organisation only, so one organisation's settings can
never come back for another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from flask import current_app

from assessment import queries, tenancy
from assessment.extensions import db
from assessment.models import IdentityProvider, Organisation
from assessment.organisations import shown_name
from assessment.services.security import sealed_secrets
from assessment.services.security.identity_providers import issuer_problem

# The key of the installation's provider; any other key is an organisation's slug.
INSTALLATION: Final = "installation"
# Where the provider sends the browser back: register BASE_URL + this with the provider.
CALLBACK_PATH: Final = "/auth/oidc/callback"

__all__ = [
    "CALLBACK_PATH",
    "INSTALLATION",
    "ProviderSettings",
    "SecretUnreadable",
    "allow_insecure_localhost",
    "decrypt_client_secret",
    "encrypt_client_secret",
    "installation_provider",
    "organisation_provider",
    "provider_by_key",
    "redirect_uri",
    "sso_only_for",
    "start_link",
]

SecretUnreadable = sealed_secrets.SecretUnreadable


@dataclass(frozen=True)
class ProviderSettings:
    """One OpenID Connect provider, ready for the sign-in flow."""

    key: str  # INSTALLATION for the environment's, else the organisation's slug
    issuer: str
    client_id: str
    client_secret: str = field(repr=False)  # never in a log line or a traceback
    label: str  # the button says "Sign in with <label>"
    organisation_id: int | None  # None: the installation's (environment) provider
    sso_only: bool
    create_unknown: bool


def installation_provider() -> ProviderSettings | None:
    """The provider the environment sets (``ASSESSMENT_OIDC_*``), when all of it is set and the
    issuer is acceptable; otherwise None, and the reason in the log."""
    config = current_app.config
    # Values from the environment are parsed as JSON when they can be: a numeric id is an int.
    issuer, client_id, secret = (
        str(config.get(name) or "").strip()
        for name in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
    )
    if not (issuer or client_id or secret):
        return None
    if not (issuer and client_id and secret):
        current_app.logger.error(
            "single sign-on is off: set all of OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET"
        )
        return None
    problem = issuer_problem(issuer, allow_insecure_localhost=allow_insecure_localhost())
    if problem:
        current_app.logger.error("single sign-on is off: OIDC_ISSUER %r: %s", issuer, problem)
        return None
    return ProviderSettings(
        key=INSTALLATION,
        issuer=issuer,
        client_id=client_id,
        client_secret=secret,
        label=str(config.get("OIDC_LABEL") or "").strip() or "your organisation's sign-in",
        organisation_id=None,
        sso_only=False,
        create_unknown=False,
    )


def organisation_provider(organisation_id: int) -> ProviderSettings | None:
    """The organisation's own provider, the secret decrypted; None when it has none, or when
    its secret cannot be read with this installation's key (logged: an administrator enters
    it again on the organisation's sign-in page)."""
    with tenancy.acting_for(organisation_id):
        row = queries.get_identity_provider(db.session, organisation_id)
        organisation = db.session.get(Organisation, organisation_id)
        if row is None or organisation is None:
            return None
        return _settings(row, organisation)


def provider_by_key(key: str) -> ProviderSettings | None:
    """The provider a key names: the installation's, or the organisation with that slug's."""
    if key == INSTALLATION:
        return installation_provider()
    organisation = queries.find_organisation(db.session, key)
    if organisation is None:
        return None
    return organisation_provider(organisation.id)


def unusable_provider(organisation_id: int) -> ProviderSettings | None:
    """An "SSO only" organisation's provider as far as it can be named when it cannot be used
    (its secret cannot be read with this key): its executives stay barred from passwords
    (failing closed) and are told to ask an administrator; starting it says "unavailable"."""
    with tenancy.acting_for(organisation_id):
        row = queries.get_identity_provider(db.session, organisation_id)
        organisation = db.session.get(Organisation, organisation_id)
        if row is None or organisation is None:
            return None
        return ProviderSettings(
            key=organisation.slug,
            issuer="",
            client_id="",
            client_secret="",
            label=row.label or organisation.name,
            organisation_id=organisation_id,
            sso_only=row.sso_only,
            create_unknown=False,
        )


def sso_only_for(organisation_id: int) -> bool:
    """Whether the organisation's executives may sign in through its provider only: the stored
    switch alone, whether or not the provider is usable right now (``organisation_provider``
    says that)."""
    with tenancy.acting_for(organisation_id):
        row = queries.get_identity_provider(db.session, organisation_id)
        return bool(row is not None and row.sso_only)


def redirect_uri() -> str:
    """The address to register with every provider (built from BASE_URL, never the request)."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + CALLBACK_PATH


def start_link(slug: str) -> str:
    """The log-in page offering this organisation's provider."""
    return str(current_app.config["BASE_URL"]).rstrip("/") + f"/login?org={slug}"


def allow_insecure_localhost() -> bool:
    """Whether an http issuer on this machine is accepted (tests, or the explicit switch)."""
    config = current_app.config
    return bool(config.get("TESTING") or config.get("OIDC_ALLOW_INSECURE_LOCALHOST"))


def encrypt_client_secret(plaintext: str) -> str:
    """What the database keeps of a client secret."""
    return sealed_secrets.encrypt(plaintext, _secret_keys()[0], sealed_secrets.CLIENT_SECRET)


def decrypt_client_secret(stored: str) -> str:
    """The client secret back; ``SecretUnreadable`` under another SECRET_KEY."""
    return sealed_secrets.decrypt(stored, _secret_keys(), sealed_secrets.CLIENT_SECRET)


def _secret_keys() -> list[str]:
    """The current SECRET_KEY, then Flask's SECRET_KEY_FALLBACKS (kept while rotating)."""
    config = current_app.config
    fallbacks = config.get("SECRET_KEY_FALLBACKS") or []
    return [str(config["SECRET_KEY"]), *(str(key) for key in fallbacks)]


def _settings(row: IdentityProvider, organisation: Organisation) -> ProviderSettings | None:
    try:
        secret = decrypt_client_secret(row.client_secret_encrypted)
    except SecretUnreadable:
        current_app.logger.error(
            "single sign-on of organisation %s is off: its client secret cannot be read with "
            "this SECRET_KEY; an administrator must enter it again",
            organisation.slug,
        )
        return None
    problem = issuer_problem(row.issuer, allow_insecure_localhost=allow_insecure_localhost())
    if problem:
        current_app.logger.error(
            "single sign-on of organisation %s is off: issuer %r: %s",
            organisation.slug,
            row.issuer,
            problem,
        )
        return None
    return ProviderSettings(
        key=organisation.slug,
        issuer=row.issuer,
        client_id=row.client_id,
        client_secret=secret,
        label=row.label or shown_name(organisation),
        organisation_id=organisation.id,
        sso_only=row.sso_only,
        create_unknown=row.create_unknown,
    )
