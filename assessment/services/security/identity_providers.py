"""What an OpenID Connect provider's settings must look like before the app trusts them.

The issuer is where discovery, keys and tokens come from, so it is an https URL (the ID token's
``iss`` must equal it exactly, and the app fetches ``<issuer>/.well-known/openid-configuration``
from it). Plain http is accepted only for a provider on this machine and only when the caller
says so (the tests' provider on 127.0.0.1).
"""

from __future__ import annotations

from typing import Final
from urllib.parse import urlsplit

ISSUER_MAX: Final = 500
CLIENT_ID_MAX: Final = 255
CLIENT_SECRET_MAX: Final = 2000
LABEL_MAX: Final = 100
LOCAL_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def issuer_problem(issuer: str, *, allow_insecure_localhost: bool = False) -> str | None:
    """Why ``issuer`` cannot be used, or None. Whitespace around it is the caller's to strip."""
    if not issuer:
        return "Enter the issuer URL your identity provider gives."
    if len(issuer) > ISSUER_MAX:
        return f"The issuer is too long: at most {ISSUER_MAX} characters."
    if any(char.isspace() or ord(char) < 32 for char in issuer):
        return "The issuer must not contain spaces or control characters."
    try:
        parts = urlsplit(issuer)
        port = parts.port  # raises on a port that is not a number or out of range
    except ValueError:
        return "The issuer is not a valid URL."
    if port == 0:
        return "The issuer is not a valid URL."
    if not parts.hostname:
        return "The issuer must be a full URL such as https://login.example.com."
    if parts.username is not None or parts.password is not None:
        return "The issuer must not contain a user name or password."
    if parts.query or parts.fragment or issuer.endswith(("?", "#")):
        return "The issuer must not have a query (?…) or a fragment (#…)."
    if parts.scheme == "https":
        return None
    if parts.scheme == "http" and parts.hostname in LOCAL_HOSTS and allow_insecure_localhost:
        return None
    return "The issuer must be an https:// URL."


def client_id_problem(client_id: str) -> str | None:
    """Why ``client_id`` (already stripped) cannot be used, or None."""
    if not client_id:
        return "Enter the client ID (application ID) your identity provider gives."
    if len(client_id) > CLIENT_ID_MAX:
        return f"The client ID is too long: at most {CLIENT_ID_MAX} characters."
    if any(char.isspace() or not char.isprintable() for char in client_id):
        return "The client ID must not contain spaces or control characters."
    return None


def client_secret_problem(client_secret: str) -> str | None:
    """Why a newly given ``client_secret`` (already stripped, not empty) cannot be used."""
    if len(client_secret) > CLIENT_SECRET_MAX:
        return f"The client secret is too long: at most {CLIENT_SECRET_MAX} characters."
    if any(not char.isprintable() for char in client_secret):
        return "The client secret must not contain control characters."
    return None
