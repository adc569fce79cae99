"""Security headers on every response."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.wrappers import Response


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response: Response) -> Response:
        config = app.config
        response.headers.setdefault("Content-Security-Policy", config["CONTENT_SECURITY_POLICY"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        # Invitation links carry a token in the path: never leak it to another site.
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=()"
        )
        if config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if _may_be_cached(app):
            return response
        # Pages, exports (CSV, XLSX, PDF, JSON, calendars, charts) and API answers name people
        # and their scores: no browser, proxy or CDN may keep a copy. Pragma for HTTP/1.0 proxies.
        response.headers["Cache-Control"] = "no-store"
        response.headers["Pragma"] = "no-cache"
        return response


def _may_be_cached(app: Flask) -> bool:
    """Public files only: the static folder and the OpenAPI document."""
    if request.path.startswith(f"{app.static_url_path}/"):
        return True
    return request.method in ("GET", "HEAD") and request.path == "/api/v1/openapi.json"
