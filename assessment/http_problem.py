"""RFC 9457 problem details for JSON endpoints: never an HTML page for a machine client."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response


def problem(status: int, title: str, detail: str, **extra: Any) -> tuple[Response, int]:
    """A problem+json answer with ``status``, ``title``, ``detail`` and any extra members."""
    body = {"type": "about:blank", "status": status, "title": title, "detail": detail, **extra}
    response = jsonify(body)
    response.mimetype = "application/problem+json"
    return response, status
