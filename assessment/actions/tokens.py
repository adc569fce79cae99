"""API tokens: a random secret shown once and stored as a hash; revoked at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from assessment import queries
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import NotFound
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


def revoke_token(actor: Actor, token_id: int) -> ApiToken:
    """Stop a token from working, at once."""
    revoked = queries.revoke_token(db.session, token_id)
    if revoked is None:
        raise NotFound("There is no such token.", {"token_id": "unknown token"})
    audit.record(actor, "token_revoked", revoked.account.person.email, token_id=revoked.id)
    return revoked
