"""A real OpenID Connect provider for the single sign-on tests, on 127.0.0.1.

oidc-provider-mock (discovery, an authorization page, a token endpoint issuing RS256-signed ID
tokens, published keys) runs in a thread with client registration and the nonce required. A
thin WSGI layer in front of it makes it stricter and lets a test spoil its answers:

* PKCE is required: an authorization request without an S256 ``code_challenge`` is refused,
  and the token endpoint refuses a ``code_verifier`` that does not match it (the mock itself
  would accept a code without one);
* ``mode`` spoils the next answers: ``wrong_nonce`` (the provider signs an ID token for another
  nonce than the app sent), ``tampered`` (a claim changed after signing), ``foreign_key`` (signed
  with a key the provider never published), ``wrong_issuer`` (issued under another issuer
  name), ``foreign_audience`` (a genuine token issued to another client), ``no_id_token``,
  ``discovery_elsewhere`` (the discovery document names another issuer).

The ID tokens are signed by the provider; every check that refuses them is the app's own.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import warnings
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server

# The mock still uses Authlib's deprecated modules (its own business, not the app's).
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "authlib.jose module is deprecated")
    warnings.filterwarnings("ignore", "The httpx module is deprecated")
    from oidc_provider_mock import app as provider_app

# What the mock's token endpoint warns about while serving, in its threads: tests that use a
# provider carry this mark (the suite turns every other warning into an error).
PROVIDER_WARNINGS = "ignore:get_jwt_config:DeprecationWarning"

MODES = (
    "wrong_nonce",
    "tampered",
    "foreign_key",
    "wrong_issuer",
    "foreign_audience",
    "no_id_token",
    "discovery_elsewhere",
)

StartResponse = Callable[..., Any]


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Strict:
    """The WSGI layer in front of the mock (see the module's docstring)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.mode: str | None = None
        self.foreign_id_token: str | None = None
        self.challenges: dict[str, str] = {}  # authorization code -> code_challenge
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self.issued: list[str] = []  # every token and code handed out, to look for in logs
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/oauth2/authorize":
            return self._authorize(environ, start_response)
        if path == "/oauth2/token":
            return self._token(environ, start_response)
        if path.startswith("/.well-known/") and self.mode == "discovery_elsewhere":
            environ["HTTP_HOST"] = environ["HTTP_HOST"].replace("127.0.0.1", "localhost")
        return self.inner(environ, start_response)

    def _authorize(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        query = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        with self.lock:
            self.authorize_requests.append(query)
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return _answer(start_response, "400 Bad Request", b"PKCE (S256) is required")
        if environ["REQUEST_METHOD"] == "POST" and self.mode == "wrong_nonce":
            environ["QUERY_STRING"] = urlencode({**query, "nonce": "not-the-apps-nonce"})
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            captured["headers"] = headers
            return start_response(status, headers, *rest)

        body = _read(self.inner(environ, capture))  # the debugger starts answering lazily
        location = dict(captured.get("headers", [])).get("Location", "")
        code = parse_qs(urlsplit(location).query).get("code")
        if code:
            with self.lock:
                self.challenges[code[0]] = query["code_challenge"]
                self.issued.append(code[0])
        return [body]

    def _token(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        raw = environ["wsgi.input"].read(length)
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        with self.lock:
            self.token_requests.append(form)
            challenge = self.challenges.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        if challenge is None or not verifier or s256(verifier) != challenge:
            error = {"error": "invalid_grant", "error_description": "PKCE verification failed"}
            return _answer(
                start_response, "400 Bad Request", json.dumps(error).encode(), "application/json"
            )
        environ["wsgi.input"] = io.BytesIO(raw)
        if self.mode == "wrong_issuer":  # the mock names itself after the Host header
            environ["HTTP_HOST"] = environ["HTTP_HOST"].replace("127.0.0.1", "localhost")
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = _read(self.inner(environ, capture))
        if captured["status"].startswith("200"):
            body = self._spoil(body)
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], [*headers, ("Content-Length", str(len(body)))])
        return [body]

    def _spoil(self, body: bytes) -> bytes:
        token = json.loads(body)
        with self.lock:
            self.issued += [str(token[k]) for k in ("id_token", "access_token") if k in token]
        if self.mode == "no_id_token":
            del token["id_token"]
        elif self.mode == "foreign_audience":
            assert self.foreign_id_token, "set foreign_id_token first"
            token["id_token"] = self.foreign_id_token
        elif self.mode in ("tampered", "foreign_key"):
            header, payload, signature = token["id_token"].split(".")
            claims = json.loads(_unb64(payload))
            claims["email"] = "someone.else@example.com"
            if self.mode == "tampered":
                changed = _b64(json.dumps(claims).encode())
                token["id_token"] = f"{header}.{changed}.{signature}"
            else:
                # The same header (key id included): only the key differs.
                protected = json.loads(_unb64(header))
                key = RSAKey.generate_key(2048)
                token["id_token"] = jwt.encode(protected, claims, key)
        return json.dumps(token).encode()


def _read(chunks: Iterable[bytes]) -> bytes:
    try:
        return b"".join(chunks)
    finally:
        close = getattr(chunks, "close", None)
        if close is not None:
            close()


def _answer(
    start_response: StartResponse, status: str, body: bytes, kind: str = "text/plain"
) -> list[bytes]:
    start_response(status, [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


class Provider:
    """oidc-provider-mock behind ``Strict``, listening on 127.0.0.1 until ``stop``."""

    def __init__(self, *, token_max_age: timedelta = timedelta(hours=1)) -> None:
        inner = provider_app(
            require_client_registration=True,
            require_nonce=True,
            access_token_max_age=token_max_age,
        )
        self.layer = Strict(inner)
        self.server = make_server("127.0.0.1", 0, self.layer, threaded=True)
        self.port = self.server.server_port
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.running = True

    def register(self, redirect_uri: str) -> tuple[str, str]:
        """A client registered for this redirect URI: (client id, client secret)."""
        answer = requests.post(
            f"{self.issuer}/oauth2/clients",
            json={
                "redirect_uris": [redirect_uri],
                "token_endpoint_auth_method": "client_secret_basic",
            },
            timeout=5,
        )
        answer.raise_for_status()
        found = answer.json()
        return found["client_id"], found["client_secret"]

    def add_user(self, email: str, *, verified: bool = True, name: str = "Sam Sso") -> None:
        """A person the provider signs in (their ``sub`` is the address)."""
        claims = {"email": email, "email_verified": verified, "name": name}
        answer = requests.put(f"{self.issuer}/users/{email}", json=claims, timeout=5)
        answer.raise_for_status()

    def authorize(self, authorize_url: str, email: str) -> str:
        """Sign ``email`` in on the provider's page, as a browser would: the callback URL."""
        answer = requests.post(authorize_url, data={"sub": email}, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, (answer.status_code, answer.text[:300])
        return answer.headers["Location"]

    def foreign_token(self, nonce: str) -> str:
        """A genuine ID token for ``nonce``, issued to another client than the app."""
        client_id, secret = self.register("http://elsewhere.test/callback")
        verifier = "v" * 50
        url = f"{self.issuer}/oauth2/authorize?" + urlencode(
            {
                "response_type": "code",
                "client_id": client_id,
                "redirect_uri": "http://elsewhere.test/callback",
                "scope": "openid email profile",
                "state": "s",
                "nonce": nonce,
                "code_challenge": s256(verifier),
                "code_challenge_method": "S256",
            }
        )
        callback = self.authorize(url, "elsewhere@example.com")
        code = parse_qs(urlsplit(callback).query)["code"][0]
        answer = requests.post(
            f"{self.issuer}/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://elsewhere.test/callback",
                "code_verifier": verifier,
            },
            auth=(client_id, secret),
            timeout=5,
        )
        answer.raise_for_status()
        return str(answer.json()["id_token"])

    def stop(self) -> None:
        if self.running:
            self.running = False
            self.server.shutdown()
            self.thread.join(timeout=10)
            self.server.server_close()


def running_provider(**options: Any) -> Iterator[Provider]:
    """For fixtures: a provider, stopped afterwards whatever happens."""
    provider = Provider(**options)
    try:
        yield provider
    finally:
        provider.stop()
