"""A read-only sequence whose items are built on access from columns of codes.

Reports of 100,000 responses have 800,000 belief pairs; as objects they would cost gigabytes,
as a few NumPy columns a few megabytes. ``LazyRows`` lets such columns stand where callers expect
a tuple of objects: ``len``, iteration, indexing, slicing and equality behave as for a tuple,
but each item exists only while someone holds it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, TypeVar, overload

import numpy.typing as npt

T = TypeVar("T")
Column = npt.NDArray[Any]

# Iteration converts columns to Python lists a chunk at a time: far faster than indexing NumPy
# scalars one by one, and still a bounded amount of memory.
CHUNK = 4096


class LazyRows(Sequence[T]):
    """Items built by ``_build`` from the values of ``columns`` at one row (Python scalars)."""

    def __init__(self, columns: Sequence[Column], length: int) -> None:
        self._columns = columns
        self._length = length

    def _build(self, *values: Any) -> T:
        raise NotImplementedError

    def __len__(self) -> int:
        return self._length

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[T, ...]: ...

    def __getitem__(self, index: int | slice) -> T | tuple[T, ...]:
        if isinstance(index, slice):
            return tuple(self[k] for k in range(*index.indices(self._length)))
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError(f"row {index} of {self._length}")
        return self._build(*(column[position].item() for column in self._columns))

    def __iter__(self) -> Iterator[T]:
        for start in range(0, self._length, CHUNK):
            chunk = [column[start : start + CHUNK].tolist() for column in self._columns]
            for values in zip(*chunk, strict=True):
                yield self._build(*values)

    def __eq__(self, other: object) -> bool:
        # Equal to any sequence (a tuple, a list, another LazyRows) with equal items, so reports
        # built either way compare as before.
        if not isinstance(other, Sequence) or isinstance(other, str | bytes):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<{type(self).__name__} of {self._length}>"
