"""People administration: changing a person's details, role and permissions, deactivating and
reactivating accounts, and importing the leadership roster."""

from __future__ import annotations
