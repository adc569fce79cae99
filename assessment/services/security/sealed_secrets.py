"""Secrets the app must read back (an identity provider's client secret), kept encrypted.

Fernet (AES-128-CBC with an HMAC-SHA256, from ``cryptography``) under a key derived from the
app's SECRET_KEY by HKDF, with the purpose in the derivation: the key that encrypts a client
secret is used for nothing else, and the SECRET_KEY itself never encrypts anything. A database
copied without the SECRET_KEY does not reveal the secret; a SECRET_KEY changed without keeping
the old one among the fallbacks makes stored secrets unreadable (``SecretUnreadable``), to be
entered again.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Final

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

# The purpose of the one secret stored so far; each purpose derives its own key.
CLIENT_SECRET: Final = "identity-provider-client-secret"
_SALT: Final = b"leadership-security-assessment secrets v1"


class SecretUnreadable(ValueError):
    """The stored secret cannot be decrypted with the keys given (another SECRET_KEY, or a
    damaged value)."""


def derived_key(secret_key: str, purpose: str) -> bytes:
    """The Fernet key (URL-safe base64 of 32 bytes) HKDF-SHA256 derives for ``purpose``."""
    if not secret_key:
        raise ValueError("a secret key is needed to derive an encryption key")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=_SALT, info=purpose.encode())
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode()))


def encrypt(plaintext: str, secret_key: str, purpose: str = CLIENT_SECRET) -> str:
    """``plaintext`` encrypted (and authenticated) under the key derived for ``purpose``."""
    return Fernet(derived_key(secret_key, purpose)).encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str, secret_keys: Sequence[str], purpose: str = CLIENT_SECRET) -> str:
    """The plaintext of ``token``, trying each key in turn (the current SECRET_KEY first, then
    older ones kept while rotating). ``SecretUnreadable`` when none of them opens it."""
    keys = [Fernet(derived_key(key, purpose)) for key in secret_keys if key]
    if not keys:
        raise SecretUnreadable("no secret key to decrypt with")
    try:
        return MultiFernet(keys).decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeError) as error:
        raise SecretUnreadable(
            "the stored secret cannot be read with this installation's SECRET_KEY"
        ) from error
