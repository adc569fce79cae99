"""'Forgot your password?': asking for a reset link, and setting a new password with it."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("password_reset", __name__)
