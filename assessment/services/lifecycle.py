"""The states a cycle, a response and a training session pass through, defined once.

They are ``StrEnum`` members, so they compare equal to the strings stored in the database.
"""

from __future__ import annotations

from enum import StrEnum


class CycleStatus(StrEnum):
    """A cycle's life: draft → open (takes answers) → closed → frozen (reports stored)."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    FROZEN = "frozen"


class ResponseStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class TrainingSessionStatus(StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


__all__ = ["CycleStatus", "ResponseStatus", "TrainingSessionStatus"]
