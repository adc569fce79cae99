"""Typed refusals of the write layer. Nothing is written when one is raised; each door turns
it into its own answer (a form error or flash on the web, problem+json in the API, a message
on the command line)."""

from __future__ import annotations

from collections.abc import Mapping


class ActionError(Exception):
    """An action refused. ``errors`` names the fields at fault, each with a message."""

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, str] = dict(errors or {})


class NotFound(ActionError):
    """The thing to change does not exist."""


class Forbidden(ActionError):
    """The actor may not do this."""


class Conflict(ActionError):
    """The current state does not allow it (a frozen cycle, a second submission...)."""


class Invalid(ActionError):
    """The input is wrong; ``errors`` says where."""
