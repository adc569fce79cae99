"""A cycle's submitted answers as a stream, one response at a time (the reports read this)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from ..models import Answer, Person, Response
from .responses import SubmittedAnswers
from .session import AnySession


def iter_submitted_answers(session: AnySession, cycle_id: str) -> Iterator[SubmittedAnswers]:
    """Every submitted response of the cycle with its answers, as ``submitted_answers`` lists
    them, but yielded one by one: the caller decides what to keep of 100,000 responses."""
    rows = session.execute(
        select(
            Response.id,
            Person.email,
            Person.name,
            Person.role,
            Response.questionnaire_id,
            Response.questionnaire_version,
            Answer.item_id,
            Answer.value,
        )
        .join(Person, Person.id == Response.person_id)
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(Response.cycle_id == cycle_id, Response.status == "submitted")
        .order_by(Response.id),  # a response's rows come together
        execution_options={"yield_per": 5000},  # the driver buffers 5,000 rows, not all
    )
    current: SubmittedAnswers | None = None
    for response_id, email, name, role, qid, version, item_id, value in rows:
        if current is None or current.response_id != response_id:
            if current is not None:
                yield current
            current = SubmittedAnswers(response_id, email, name, role or "", qid, version, {})
        if item_id is not None and value is not None:
            current.answers[item_id] = value
    if current is not None:
        yield current
