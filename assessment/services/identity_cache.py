"""Results computed from immutable catalogue objects, kept per object for the process.

Questionnaire items and versions never change once loaded, and the catalogue keeps one object
of each, so their identity is a cheap and exact key. The objects are kept with the result:
an id recycled after an object is freed (each test app loads its own catalogue) never matches.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class IdentityCache(Generic[V]):
    def __init__(self, limit: int) -> None:
        self._limit = limit  # cleared when full: far above what one catalogue needs
        self._entries: dict[tuple[tuple[int, ...], Hashable], tuple[tuple[object, ...], V]] = {}

    def get(self, objects: tuple[object, ...], extra: Hashable, compute: Callable[[], V]) -> V:
        """The value for these objects (and ``extra``), computing it on first use."""
        key = (tuple(id(o) for o in objects), extra)
        cached = self._entries.get(key)
        if cached is not None and all(a is b for a, b in zip(cached[0], objects, strict=True)):
            return cached[1]
        value = compute()
        if len(self._entries) >= self._limit:
            self._entries.clear()
        self._entries[key] = (objects, value)
        return value
