"""Secrets that travel in links and headers are stored only as their SHA-256 hash."""

from __future__ import annotations

import hashlib


def token_hash(token: str) -> str:
    """The hex SHA-256 of a token: what the database keeps instead of the token itself."""
    return hashlib.sha256(token.encode()).hexdigest()
