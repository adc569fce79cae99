"""The audit chain: each entry's HMAC covers its content and the previous entry's hash."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

GENESIS = "0" * 64


def entry_hash(key: bytes, prev_hash: str, fields: Mapping[str, object]) -> str:
    """HMAC-SHA256 over the previous hash and the entry's fields in canonical JSON."""
    canonical = json.dumps(
        fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hmac.new(key, (prev_hash + "\n" + canonical).encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    message: str


def verify_chain(
    key: bytes,
    entries: Iterable[tuple[int, str, str, Mapping[str, object]]],
    head: tuple[int, str] | None,
) -> ChainProblem | None:
    """The first problem in (id, prev_hash, hash, fields) entries in id order, or None.

    ``head`` is the stored (count, last hash), which catches entries removed from the end.
    """
    previous, count, last_id = GENESIS, 0, 0
    for entry_id, prev_hash, stored, fields in entries:
        count += 1
        if entry_id != last_id + 1:
            return ChainProblem(entry_id, f"entry {last_id + 1} is missing (next is {entry_id})")
        if prev_hash != previous:
            return ChainProblem(entry_id, f"entry {entry_id} does not follow entry {last_id}")
        if not hmac.compare_digest(entry_hash(key, prev_hash, fields), stored):
            return ChainProblem(entry_id, f"entry {entry_id} was changed after it was written")
        previous, last_id = stored, entry_id
    expected_count, expected_hash = head if head else (0, GENESIS)
    if count != expected_count or previous != expected_hash:
        return ChainProblem(
            None,
            f"the log ends after {count} entries but {expected_count} "
            "were written: entries were removed from the end",
        )
    return None
