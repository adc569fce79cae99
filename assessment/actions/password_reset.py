"""Password reset and welcome links sent by e-mail: signed, expiring and single-use."""

from __future__ import annotations
