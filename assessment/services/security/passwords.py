"""Password hashing with Argon2id (argon2-cffi's RFC 9106 low-memory profile)."""

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()

# Verified when an e-mail is unknown so that a wrong e-mail costs the same time as a wrong
# password: response timing must not reveal which addresses have accounts.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """Return an Argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Check ``password`` against ``password_hash``; a missing hash still spends the time."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with older parameters and should be upgraded at log-in."""
    return _hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password that satisfies the length policy with room to spare."""
    return secrets.token_urlsafe(15)
