"""The JSON API under /api/v1 (CONTRACT.md): bearer tokens, problem+json, OpenAPI 3.1."""

from __future__ import annotations

from flask import Flask

# Importing the operation modules registers their routes, in the order the document lists them.
from assessment.api import (  # noqa: F401
    catalogue_ops,
    cycles,
    measurement,
    openapi,
    organisation,
    people,
    reports,
)
from assessment.api.framework import bp


def init_app(app: Flask) -> None:
    """Register the API blueprint (CSRF-exempt: it authenticates with bearer tokens)."""
    app.register_blueprint(bp)
