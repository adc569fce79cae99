"""Kept answers: posted after a session or form expired, held until their owner decides."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, func, select

from assessment.models import AnswerStash
from assessment.queries.session import AnySession


def stash_answers(
    session: AnySession,
    key: str,
    cycle_id: str,
    answers: dict[str, object],
    account_id: int | None = None,
) -> None:
    """Keep answers that arrived with an expired session until their owner confirms them."""
    session.merge(
        AnswerStash(
            key=key,
            cycle_id=cycle_id,
            answers=answers,
            account_id=account_id,
            created_at=dt.datetime.now(dt.UTC),
        )
    )
    session.flush()


def purge_stashes(session: AnySession, before: dt.datetime) -> int:
    """Forget kept answers older than ``before``; returns how many sets went."""
    result = session.execute(delete(AnswerStash).where(AnswerStash.created_at < before))
    return int(getattr(result, "rowcount", 0) or 0)


def count_stashes(session: AnySession) -> int:
    """How many sets of kept answers are waiting."""
    return session.scalar(select(func.count()).select_from(AnswerStash)) or 0


def take_stash(session: AnySession, key: str) -> AnswerStash | None:
    """The stash under ``key``, if any."""
    return session.get(AnswerStash, key)


def drop_stash(session: AnySession, key: str) -> None:
    """Forget a stash once applied or discarded."""
    stash = session.get(AnswerStash, key)
    if stash is not None:
        session.delete(stash)
        session.flush()
