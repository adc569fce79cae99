"""The write layer: the only way the web views, the API and the command line change state.

Each action is a plain function of the database session and an :class:`Actor`. It checks
the rules, writes through ``queries``, appends one audit entry and returns a result, or
raises an :class:`ActionError` before writing anything. It flushes but never commits: the
caller (one request, one command) commits once.
"""

# The actions themselves, one module per thing that changes (``actions.cycles.change_status``).
from assessment.actions import (  # noqa: E402 - after the names they import from this package
    accounts,
    audit,
    cycles,
    facts,
    invitations,
    password_reset,
    people,
    regimes,
    responses,
    sso,
    tokens,
    training_sessions,
)
from assessment.actions.actor import ANONYMOUS, SYSTEM, Actor
from assessment.actions.errors import ActionError, Conflict, Forbidden, Invalid, NotFound

__all__ = [
    "accounts",
    "audit",
    "cycles",
    "facts",
    "invitations",
    "password_reset",
    "people",
    "regimes",
    "responses",
    "sso",
    "tokens",
    "training_sessions",
    "ANONYMOUS",
    "SYSTEM",
    "ActionError",
    "Actor",
    "Conflict",
    "Forbidden",
    "Invalid",
    "NotFound",
]
