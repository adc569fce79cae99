"""API tokens (stored as hashes)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from assessment.models import Account, ApiToken
from assessment.queries.session import AnySession


def add_token(session: AnySession, account: Account, token_hash: str, days: int) -> ApiToken:
    """Store a new token's hash, valid for ``days``."""
    token = ApiToken(
        account_id=account.id,
        token_hash=token_hash,
        expires_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=days),
    )
    session.add(token)
    session.flush()
    return token


def list_tokens(session: AnySession) -> list[ApiToken]:
    """All tokens, newest first."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))


def revoke_token(session: AnySession, token_id: int) -> ApiToken | None:
    """Mark a token revoked; it stops working at once."""
    token = session.get(ApiToken, token_id)
    if token is not None and token.revoked_at is None:
        token.revoked_at = dt.datetime.now(dt.UTC)
        session.flush()
    return token


def find_token_by_hash(session: AnySession, token_hash: str) -> ApiToken | None:
    """The token whose hash this is, if any (revoked and expired ones included)."""
    return session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash))
