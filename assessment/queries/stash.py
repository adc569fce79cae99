"""Kept answers: posted after a session or form expired, held until their owner decides."""

from __future__ import annotations

from assessment.models import AnswerStash
from assessment.queries.session import AnySession


def stash_answers(session: AnySession, key: str, cycle_id: str, answers: dict[str, object]) -> None:
    """Keep answers that arrived with an expired session until their owner confirms them."""
    session.merge(AnswerStash(key=key, cycle_id=cycle_id, answers=answers))
    session.flush()


def take_stash(session: AnySession, key: str) -> AnswerStash | None:
    """The stash under ``key``, if any."""
    return session.get(AnswerStash, key)


def drop_stash(session: AnySession, key: str) -> None:
    """Forget a stash once applied or discarded."""
    stash = session.get(AnswerStash, key)
    if stash is not None:
        session.delete(stash)
        session.flush()
