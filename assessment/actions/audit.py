"""Writing and checking the append-only audit log: every action appends exactly one entry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import current_app, has_request_context, request
from sqlalchemy import select

from assessment.actions.actor import Actor
from assessment.extensions import db
from assessment.models import AuditEntry, AuditHead
from assessment.services.security.audit_chain import GENESIS, ChainProblem, entry_hash, verify_chain


def _key() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


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
    head = db.session.scalar(select(AuditHead).where(AuditHead.id == 1).with_for_update())
    if head is None:
        head = AuditHead(id=1, count=0, last_hash=GENESIS)
        db.session.add(head)
    entry = AuditEntry(
        id=head.count + 1,
        at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        actor=actor.email,
        action=action,
        target=target[:300],
        details=details,
        address=(request.remote_addr or "")[:64] if has_request_context() else "",
        prev_hash=head.last_hash,
        hash="",
    )
    entry.hash = entry_hash(_key(), entry.prev_hash, _fields(entry))
    head.count, head.last_hash = entry.id, entry.hash
    db.session.add(entry)
    db.session.flush()


def verify() -> ChainProblem | None:
    """The first broken entry of the stored log, or None when the chain is intact."""
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    head = db.session.get(AuditHead, 1)
    return verify_chain(
        _key(),
        ((e.id, e.prev_hash, e.hash, _fields(e)) for e in entries),
        (head.count, head.last_hash) if head else None,
    )


def recent(limit: int = 300) -> list[AuditEntry]:
    """The newest entries first."""
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))
