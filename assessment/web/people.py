"""People administration on the web: list, search, add, edit, deactivate, import a roster."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("people", __name__, url_prefix="/admin/people")
