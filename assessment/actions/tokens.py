"""API tokens: a random secret shown once and stored as a hash; revoked at once."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from assessment import queries, tenancy
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Forbidden, NotFound
from assessment.extensions import db
from assessment.models import Account, ApiToken
from assessment.services.security.tokens import token_hash

PREFIX = "lsa_"  # recognisable in logs and secret scanners


@dataclass(frozen=True)
class IssuedToken:
    account: Account
    token: str  # the only time it is seen


def issue_token(actor: Actor, email: str, days: int) -> IssuedToken:
    """Create a token acting with the account's permissions, valid for ``days``."""
    account = queries.find_account_by_email(db.session, email)
    if account is None:
        raise NotFound(f"There is no account for {email}.", {"email": "unknown account"})
    token = PREFIX + secrets.token_urlsafe(32)
    queries.add_token(db.session, account, token_hash(token), days)
    audit.record(actor, "token_created", account.person.email, days=days)
    return IssuedToken(account, token)


def authenticate(token: str) -> Account:
    """The account a bearer token acts for, stamping the token's last use; ``Forbidden`` for
    a token that is unknown, expired, revoked or whose account is disabled. Not audited:
    every API call would add an entry."""
    with tenancy.across_organisations():  # the token is what names the organisation
        found = queries.find_token_by_hash(db.session, token_hash(token))
        account = found.account if found is not None else None
        if account is not None:
            account.permission_rows  # noqa: B018  # loaded while looking across
    now = dt.datetime.now(dt.UTC)
    if found is None or found.revoked_at is not None or _utc(found.expires_at) <= now:
        raise Forbidden("The token is unknown, expired or revoked.")
    if account is None or not account.active:
        raise Forbidden("The token's account is disabled.")
    # Every call acts inside the token's organisation, and only there.
    if not tenancy.enter(found.organisation_id):
        raise Forbidden("The token belongs to another organisation.")
    found.last_used_at = now
    return account


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    """Stop a token from working, at once."""
    revoked = queries.revoke_token(db.session, token_id)
    if revoked is None:
        raise NotFound("There is no such token.", {"token_id": "unknown token"})
    audit.record(actor, "token_revoked", revoked.account.person.email, token_id=revoked.id)
    return revoked
