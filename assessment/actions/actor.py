"""Who is acting. The write layer never asks Flask-Login or the API token: each door says."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from assessment.models import PERMISSIONS, Account


@dataclass(frozen=True)
class Actor:
    """The audit log's actor and the permissions an action checks.

    ``email`` is the account's address, or ``system`` for the command line and ``anonymous``
    before anyone has signed in.
    """

    email: str
    person_id: int | None = None
    role: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions

    @classmethod
    def of_account(cls, account: Account) -> Actor:
        person = account.person
        return cls(person.email, person.id, person.role, account.permissions)


SYSTEM: Final = Actor("system", permissions=frozenset(PERMISSIONS))
ANONYMOUS: Final = Actor("anonymous")
