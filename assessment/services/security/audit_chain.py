"""The audit chain: each entry's HMAC covers its content and the previous entry's hash.

Three layers of evidence, each keyed with the secret key:

- every entry's HMAC chains it to the previous one, so an edited or removed entry shows;
- the head row (count, last hash) carries its own MAC, so rolling the head back to an earlier
  entry (after deleting the newest ones) needs the key;
- checkpoints written outside the database (the anchor file and the application log) record
  (count, hash) after every commit, so a rollback to an *earlier, validly signed* state (an old
  copy of the head row, or a wiped log) still shows while the anchor survives.
"""

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


def head_mac(key: bytes, count: int, last_hash: str) -> str:
    """The head row's MAC over ``count:last_hash``."""
    return hmac.new(key, f"{count}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def checkpoint_mac(key: bytes, count: int, last_hash: str) -> str:
    """A checkpoint's MAC. It is domain-separated from ``head_mac`` on purpose: checkpoints are
    shipped to logs that more people read, and a copied checkpoint MAC must not be usable as
    a valid head MAC for an earlier state of the database."""
    return hmac.new(key, f"anchor:{count}:{last_hash}".encode(), hashlib.sha256).hexdigest()


def checkpoint_line(key: bytes, count: int, last_hash: str) -> str:
    """One line of the anchor file (JSON, no newline)."""
    return json.dumps(
        {"count": count, "hash": last_hash, "mac": checkpoint_mac(key, count, last_hash)},
        separators=(", ", ": "),
    )


@dataclass(frozen=True)
class ChainProblem:
    entry_id: int | None
    message: str


@dataclass(frozen=True)
class Head:
    """The stored head row: entry count, the newest entry's hash and its MAC (None: legacy)."""

    count: int
    last_hash: str
    mac: str | None = None


def read_checkpoints(
    key: bytes, lines: Iterable[str]
) -> tuple[dict[int, str], ChainProblem | None]:
    """Checkpoints of the anchor file as {count: hash}, and the first bad line if any.

    A line that is not a checkpoint signed with ``key``, or two checkpoints that disagree about
    the same entry, is itself evidence of tampering (or of a key change), so it is reported.
    """
    checkpoints: dict[int, str] = {}
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            parsed = json.loads(line)
            count, last_hash, mac = parsed["count"], parsed["hash"], parsed["mac"]
        except (ValueError, TypeError, KeyError):
            return checkpoints, ChainProblem(None, f"anchor line {number} is not a checkpoint")
        if not (
            isinstance(count, int)
            and isinstance(last_hash, str)
            and isinstance(mac, str)
            and hmac.compare_digest(checkpoint_mac(key, count, last_hash), mac)
        ):
            return checkpoints, ChainProblem(
                None, f"anchor line {number} is not a checkpoint signed with this key"
            )
        if checkpoints.setdefault(count, last_hash) != last_hash:
            return checkpoints, ChainProblem(
                count,
                f"the anchor holds two different checkpoints for entry {count}: "
                "the log was rolled back and written again",
            )
    return checkpoints, None


def verify_chain(
    key: bytes,
    entries: Iterable[tuple[int, str, str, Mapping[str, object]]],
    head: Head | None,
    *,
    checkpoints: Mapping[int, str] | None = None,
    accounts: int = 0,
) -> ChainProblem | None:
    """The first problem in (id, prev_hash, hash, fields) entries in id order, or None.

    ``head`` is the stored head row, which catches entries removed from the end; its MAC
    catches a head rolled back without the key. ``checkpoints`` ({count: hash} from outside
    the database) catch a log truncated or wiped together with its head. ``accounts`` is the
    number of accounts: each one's creation was audited, so an empty log with accounts was
    wiped.
    """
    checkpoints = checkpoints or {}
    previous, count, last_id = GENESIS, 0, 0
    rewritten: int | None = None
    for entry_id, prev_hash, stored, fields in entries:
        count += 1
        if entry_id != last_id + 1:
            return ChainProblem(entry_id, f"entry {last_id + 1} is missing (next is {entry_id})")
        if prev_hash != previous:
            return ChainProblem(entry_id, f"entry {entry_id} does not follow entry {last_id}")
        if not hmac.compare_digest(entry_hash(key, prev_hash, fields), stored):
            return ChainProblem(entry_id, f"entry {entry_id} was changed after it was written")
        anchored = checkpoints.get(entry_id)
        if rewritten is None and anchored is not None and anchored != stored:
            rewritten = entry_id
        previous, last_id = stored, entry_id
    if head is None and count:
        return ChainProblem(None, f"the audit head is missing although {count} entries exist")
    expected = head or Head(0, GENESIS)
    if count != expected.count or previous != expected.last_hash:
        return ChainProblem(
            None,
            f"the log ends after {count} entries but {expected.count} "
            "were written: entries were removed from the end",
        )
    anchored_count = max(checkpoints, default=0)
    if anchored_count > count:
        if count == 0:
            return ChainProblem(
                None,
                f"the anchor file records {anchored_count} entries but the log is empty: "
                "the audit log was wiped",
            )
        return ChainProblem(
            None,
            f"the anchor file records {anchored_count} entries but the log ends after "
            f"{count}: entries were removed from the end and the head rolled back",
        )
    if rewritten is not None:
        return ChainProblem(
            rewritten,
            f"entry {rewritten} differs from its anchor checkpoint: "
            "the log was rolled back and written again",
        )
    if head is not None:
        if head.mac is None:
            # A head written before MACs existed is accepted while nothing was checkpointed;
            # since then every append writes both, so a missing MAC now means a replaced head.
            if checkpoints:
                return ChainProblem(
                    None, "the audit head has no MAC although checkpoints were written"
                )
        elif not hmac.compare_digest(head_mac(key, head.count, head.last_hash), head.mac):
            return ChainProblem(
                None,
                f"the audit head (entry {head.count}) carries no valid MAC: "
                "it was rolled back or edited without the key",
            )
    if count == 0 and accounts:
        return ChainProblem(
            None,
            f"the audit log is empty although {accounts} accounts exist: the log was wiped",
        )
    return None
