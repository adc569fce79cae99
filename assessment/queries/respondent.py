"""What the questionnaire pages read on every request, as plain values in two queries.

The questionnaire pages are the most requested part of the app (every page view and every
autosave reads this). Loading ORM objects for the cycle, its pinned versions, the response and
each answer cost several times more than the queries themselves, so the pages read this
summary and load ORM objects only when they write.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, select, update

from assessment.models import Answer, Cycle, CycleQuestionnaire, Response
from assessment.queries.session import AnySession
from assessment.tenancy import organisation_parameter


@dataclass(frozen=True)
class CycleState:
    id: str
    status: str
    closes: dt.date


@dataclass(frozen=True)
class StoredAnswer:
    value: object
    version: int


@dataclass(frozen=True)
class ResponseState:
    id: int
    status: str
    last_page: int
    submitted_at: dt.datetime | None
    answers: dict[str, StoredAnswer]

    def answer_values(self) -> dict[str, object]:
        """Item → value of every answer that is not cleared."""
        return {k: a.value for k, a in self.answers.items() if a.value is not None}


@dataclass(frozen=True)
class RespondentState:
    cycle: CycleState
    pinned: tuple[str, str] | None  # (questionnaire id, version) for the person's role
    response: ResponseState | None


# Prebuilt: building and cache-keying a statement costs more than running it on SQLite.
_STATE = (
    select(
        Cycle.id,
        Cycle.status,
        Cycle.closes,
        CycleQuestionnaire.questionnaire_id,
        CycleQuestionnaire.version,
        Response.id.label("response_id"),
        Response.status.label("response_status"),
        Response.last_page,
        Response.submitted_at,
    )
    .select_from(Cycle)
    .outerjoin(
        CycleQuestionnaire,
        and_(
            CycleQuestionnaire.organisation_id == Cycle.organisation_id,
            CycleQuestionnaire.cycle_id == Cycle.id,
            CycleQuestionnaire.role == bindparam("role"),
        ),
    )
    .outerjoin(
        Response,
        and_(
            Response.organisation_id == Cycle.organisation_id,
            Response.cycle_id == Cycle.id,
            Response.person_id == bindparam("person"),
        ),
    )
    # Run on the connection, past the ORM's organisation criterion: it names it itself.
    .where(Cycle.organisation_id == bindparam("organisation"), Cycle.id == bindparam("cycle"))
)
_ANSWERS = select(Answer.item_id, Answer.value, Answer.version).where(
    Answer.response_id == bindparam("response")
)


def respondent_state(
    session: AnySession, cycle_id: str, person_id: int, role: str
) -> RespondentState | None:
    """The cycle, the role's pinned questionnaire and the person's response; None: no cycle."""
    connection = session.connection()
    row = connection.execute(
        _STATE,
        {
            "organisation": organisation_parameter(session),
            "cycle": cycle_id,
            "person": person_id,
            "role": role,
        },
    ).one_or_none()
    if row is None:
        return None
    response = None
    if row.response_id is not None:
        answers = {
            item_id: StoredAnswer(value, version)
            for item_id, value, version in connection.execute(
                _ANSWERS, {"response": row.response_id}
            )
        }
        response = ResponseState(
            row.response_id, row.response_status, row.last_page, row.submitted_at, answers
        )
    pinned = (row.questionnaire_id, row.version) if row.questionnaire_id is not None else None
    return RespondentState(CycleState(row.id, row.status, row.closes), pinned, response)


def remember_page(session: AnySession, response_id: int, number: int) -> None:
    """Store the page to resume at."""
    session.execute(
        update(Response)
        .where(Response.id == response_id)
        .values(last_page=number)
        .execution_options(synchronize_session=False)
    )
