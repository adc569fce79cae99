"""Issuing API tokens: a random secret shown once, stored as a SHA-256 hash."""

from __future__ import annotations

import secrets

from . import queries
from .api.framework import token_hash
from .extensions import db
from .models import Account

PREFIX = "lsa_"  # recognisable in logs and secret scanners


def issue_token(account: Account, days: int) -> str:
    """Create a token for the account and return it; it cannot be shown again."""
    token = PREFIX + secrets.token_urlsafe(32)
    queries.add_token(db.session, account, token_hash(token), days)
    return token
