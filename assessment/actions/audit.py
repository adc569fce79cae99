"""Writing and checking the append-only audit log: every action appends exactly one entry.

Besides the chained entries and the MAC'd head row in the database, every commit that appended
entries writes a signed checkpoint to ``instance/audit-anchor.jsonl`` and to the application
log. The database alone cannot prove that nothing was cut from its end (an old copy of the
head row is validly signed); a checkpoint kept outside it can.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session, SessionTransaction

from assessment import queries, tenancy
from assessment.actions.actor import Actor
from assessment.extensions import db
from assessment.models import AuditEntry, AuditHead
from assessment.services.security.audit_chain import (
    GENESIS,
    ChainProblem,
    Head,
    checkpoint_line,
    entry_hash,
    head_mac,
    read_checkpoints,
    verify_chain,
)

ANCHOR_FILE = "audit-anchor.jsonl"
# Migration 0011 puts an existing installation (and its log) into organisation 1; a new
# database gets organisation 1 first too.
FIRST_ORGANISATION = 1
# The head appended in the session's current transaction, waiting for its commit.
_PENDING = "audit_pending_head"


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def anchor_path(organisation_id: int = FIRST_ORGANISATION) -> Path:
    """The anchor file of one organisation's chain. The installation's first organisation (the
    one a migrated installation's log belongs to) keeps the single-organisation file name."""
    if organisation_id == FIRST_ORGANISATION:
        return Path(current_app.instance_path) / ANCHOR_FILE
    return Path(current_app.instance_path) / f"audit-anchor-{organisation_id}.jsonl"


def _fields(entry: AuditEntry) -> dict[str, Any]:
    at = entry.at if entry.at.tzinfo else entry.at.replace(tzinfo=dt.UTC)
    return {
        "id": entry.id,
        "at": at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "action": entry.action,
        "target": entry.target,
        "details": entry.details,
        "address": entry.address,
    }


def record(actor: Actor, action: str, target: str = "", **details: Any) -> None:
    """Append an entry in the current transaction; the caller commits.

    The entry is the same whichever door the action came through: only the client address
    (empty outside a request) tells web and API apart.
    """
    key = _key()
    # Each organisation's log is its own chain; the entry goes to the one being acted for.
    organisation_id = tenancy.current_organisation_id(db.session())
    if not isinstance(organisation_id, int):
        raise tenancy.NoOrganisation("an audit entry needs the organisation it is about")
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite ignores FOR UPDATE, and reads outside a write transaction: two processes (or
        # threads) could both read head N and both append entry N + 1, the second failing with
        # a 500. A write first takes the database's write lock (waiting for the other writer),
        # so the head read below is the latest and stays so until this commits.
        db.session.execute(
            update(AuditHead).values(count=AuditHead.count),
            execution_options={"synchronize_session": False},  # nothing changes
        )
    head = db.session.scalar(select(AuditHead).with_for_update())
    if head is None:
        head = AuditHead(organisation_id=organisation_id, count=0, last_hash=GENESIS)
        db.session.add(head)
    elif head.mac is not None and head.mac != head_mac(key, head.count, head.last_hash):
        # Refusing to write would stop the whole app; the anchor keeps the evidence, and the
        # log says when the bad head was overwritten.
        current_app.logger.warning(
            "audit head (entry %s) carries no valid MAC (edited, or written by a server with "
            "another SECRET_KEY: every server must share one); appending after it anyway",
            head.count,
        )
    entry = AuditEntry(
        organisation_id=organisation_id,
        id=head.count + 1,
        at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        actor=actor.email,
        action=action,
        # An attacker-chosen target (a failed log-in's e-mail) may hold NUL, which PostgreSQL
        # refuses: it is stored as U+FFFD so that the entry, and the request, still go through.
        target=target.replace("\x00", "\ufffd")[:300],
        details=details,
        address=(request.remote_addr or "")[:64] if has_request_context() else "",
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = entry_hash(key, entry.prev_hash, _fields(entry))
    # A legacy head without a MAC gets one here.
    head.count, head.last_hash = entry.id, entry.hash
    head.mac = head_mac(key, head.count, head.last_hash)
    db.session.add(entry)
    db.session.flush()
    # The file is named now: no query may run while the commit is being anchored.
    pending = db.session.info.setdefault(_PENDING, {})
    pending[organisation_id] = (head.count, head.last_hash, anchor_path(organisation_id))


@event.listens_for(db.session, "after_commit")
def _checkpoint_committed_head(session: Session) -> None:
    """Anchor the head that was really committed, outside the database."""
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the outer transaction may still roll back
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    for organisation_id, (count, last_hash, path) in pending.items():
        line = checkpoint_line(_key(), count, last_hash)
        try:
            _append(path, line)
        except OSError as error:
            # The change is committed already; a missing checkpoint only weakens the evidence.
            current_app.logger.error("audit checkpoint not written to %s: %s", path, error)
        if organisation_id == FIRST_ORGANISATION:
            current_app.logger.info("audit checkpoint %s", line)
        else:
            current_app.logger.info("audit checkpoint (organisation %s) %s", organisation_id, line)


@event.listens_for(db.session, "after_rollback")
def _forget_rolled_back_head(session: Session) -> None:
    # Also on a savepoint's rollback: the pending head may have been appended inside it, and a
    # missing checkpoint is harmless where a checkpoint of an uncommitted entry is not.
    session.info.pop(_PENDING, None)


@event.listens_for(db.session, "after_transaction_end")
def _forget_abandoned_head(session: Session, transaction: SessionTransaction) -> None:
    # A session closed without commit or rollback discards its transaction silently.
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


def _append(path: Path, line: str) -> None:
    """One write on an O_APPEND descriptor: lines of several workers never interleave."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def verify() -> ChainProblem | None:
    """The first problem of the stored log (checked against the anchor file), or None."""
    key = _key()
    try:
        text = anchor_path(tenancy.organisation_parameter(db.session())).read_text()
    except FileNotFoundError:
        text = ""  # a new instance, or one that never wrote an entry since anchors exist
    # A last line without its newline is a checkpoint being written right now: not evidence.
    lines = text.splitlines() if text.endswith("\n") else text.splitlines()[:-1]
    checkpoints, anchor_problem = read_checkpoints(key, lines)
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    head = db.session.scalar(select(AuditHead))
    return (
        verify_chain(
            key,
            ((e.id, e.prev_hash, e.hash, _fields(e)) for e in entries),
            Head(head.count, head.last_hash, head.mac) if head else None,
            checkpoints=checkpoints,
            accounts=queries.count_accounts(db.session),
        )
        or anchor_problem
    )


def recent(limit: int = 300) -> list[AuditEntry]:
    """The newest entries first."""
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
