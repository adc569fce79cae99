"""Responses and answers."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import (
    Text,
    bindparam,
    cast,
    exists,
    insert,
    inspect,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.base import NO_VALUE
from sqlalchemy.orm.exc import StaleDataError

from assessment.models import Account, Answer, Cycle, Person, Response, ResponseStatus
from assessment.queries.session import AnySession
from assessment.services.content.definitions import ROLES
from assessment.tenancy import organisation_parameter


def get_response(session: AnySession, person_id: int, cycle_id: str) -> Response | None:
    """The person's response in the cycle, if they started one, with its answers (one query)."""
    return (
        session.scalars(
            select(Response)
            .options(joinedload(Response.answers))
            .where(Response.person_id == person_id, Response.cycle_id == cycle_id)
        )
        .unique()
        .one_or_none()
    )


def response_statuses(session: AnySession, person_id: int) -> dict[str, str]:
    """Cycle id → status of each response the person started (no answers read)."""
    rows = session.execute(
        select(Response.cycle_id, Response.status).where(Response.person_id == person_id)
    )
    return {cycle_id: status for cycle_id, status in rows}


def start_response(session: AnySession, person: Person, cycle: Cycle) -> Response:
    """The person's draft for the cycle, created on first use (safe against double starts)."""
    existing = get_response(session, person.id, cycle.id)
    if existing:
        return existing
    pinned = cycle.pinned_for(person.role or "")
    assert pinned is not None, "only people whose role has a pinned questionnaire can start"
    response = Response(
        person_id=person.id,
        cycle_id=cycle.id,
        status=ResponseStatus.DRAFT,
        questionnaire_id=pinned.questionnaire_id,
        questionnaire_version=pinned.version,
    )
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError:  # a second tab or a double click created it a moment ago
        found = get_response(session, person.id, cycle.id)
        assert found is not None
        return found
    return response


@dataclass(frozen=True)
class SaveOutcome:
    saved: dict[str, int]  # item id → new version
    conflicts: dict[str, object]  # item id → the newer value kept on the server


def save_answers(
    session: AnySession,
    response: Response,
    values: dict[str, object],
    seen_versions: dict[str, int] | None = None,
) -> SaveOutcome:
    """``save_answers_by_id`` for a loaded response, whose answers then read as stored."""
    outcome = save_answers_by_id(session, response.id, values, seen_versions)
    loaded = inspect(response).attrs.answers.loaded_value
    for answer in loaded if loaded is not NO_VALUE else ():
        session.expire(answer)  # written by SQL below the ORM: reload on next access
    session.expire(response, ["answers"])
    return outcome


class NotDraft(Exception):
    """The response was submitted (by another request) before these answers could be saved."""


# Prebuilt: every autosave runs these, and building a statement cost more than running it.
# Every answer write is conditional on the response still being a draft, in the same
# statement: a save racing the submit can never change a submitted response (F-07).
# They run on the connection, past the ORM's organisation criterion, so they name it too.
_STILL_DRAFT = (
    select(Response.id)
    .where(
        Response.id == bindparam("response"),
        Response.organisation_id == bindparam("organisation"),
        Response.status == ResponseStatus.DRAFT,
    )
    .scalar_subquery()
)
# On PostgreSQL a save first takes a share lock on its response row, so it waits for a submit
# in progress (which holds the row) and then sees it submitted. SQLite has one writer anyway.
_LOCK_DRAFT = (
    select(Response.status)
    .where(
        Response.id == bindparam("response"),
        Response.organisation_id == bindparam("organisation"),
    )
    .with_for_update(read=True)
)
_ANSWERS_BEING_SAVED = select(Answer.id, Answer.item_id, Answer.value, Answer.version).where(
    Answer.response_id == bindparam("response"),
    Answer.organisation_id == bindparam("organisation"),
    Answer.item_id.in_(bindparam("items", expanding=True)),
)
_VALUE = bindparam("value", type_=Answer.__table__.c.value.type)
_NEW_ANSWER = (
    insert(Answer)
    .from_select(
        ["organisation_id", "response_id", "item_id", "value", "version", "updated_at"],
        select(
            bindparam("organisation", type_=Answer.__table__.c.organisation_id.type),
            _STILL_DRAFT,
            bindparam("item_id", type_=Answer.__table__.c.item_id.type),
            _VALUE,
            literal(1),
            bindparam("now", type_=Answer.__table__.c.updated_at.type),
        ).where(_STILL_DRAFT.is_not(None)),
    )
    .returning(Answer.id)
)  # rowcount of INSERT … SELECT is not reported by every driver
_CHANGED_ANSWER = (
    update(Answer)
    .where(
        Answer.id == bindparam("answer"),
        Answer.version == bindparam("seen"),
        Answer.response_id == _STILL_DRAFT,
    )
    .values(value=_VALUE, version=Answer.version + 1, updated_at=bindparam("now"))
)
_STORED_VALUES = select(Answer.item_id, Answer.value).where(
    Answer.response_id == bindparam("response"),
    Answer.organisation_id == bindparam("organisation"),
)


def save_answers_by_id(
    session: AnySession,
    response_id: int,
    values: dict[str, object],
    seen_versions: dict[str, int] | None = None,
) -> SaveOutcome:
    """Store answers in place. An answer changed elsewhere since ``seen_versions`` is not
    overwritten but reported as a conflict, so no update is lost silently.

    Plain SQL rather than the unit of work: this is the autosave's hot path. Each update is
    conditional on the version read, so a request that changed the row in between makes this
    raise ``StaleDataError``, and a row created in between ``IntegrityError``; the caller
    rolls back and retries against what the other request wrote.
    """
    seen_versions = seen_versions or {}
    connection = session.connection()
    organisation = organisation_parameter(session)
    status = connection.execute(
        _LOCK_DRAFT, {"response": response_id, "organisation": organisation}
    ).scalar_one_or_none()
    if status != ResponseStatus.DRAFT:
        raise NotDraft(f"response {response_id} is {status}")
    now = dt.datetime.now(dt.UTC)
    existing = {
        row.item_id: row
        for row in connection.execute(
            _ANSWERS_BEING_SAVED,
            {"response": response_id, "items": list(values), "organisation": organisation},
        )
    }
    saved: dict[str, int] = {}
    conflicts: dict[str, object] = {}
    for item_id, value in values.items():
        row = existing.get(item_id)
        if row is None:
            added = connection.execute(
                _NEW_ANSWER,
                {
                    "response": response_id,
                    "organisation": organisation,
                    "item_id": item_id,
                    "value": value,
                    "now": now,
                },
            )
            if added.first() is None:
                raise NotDraft(f"response {response_id} was submitted while saving")
            saved[item_id] = 1
        elif row.value == value:
            saved[item_id] = row.version
        elif item_id in seen_versions and seen_versions[item_id] != row.version:
            conflicts[item_id] = row.value
        else:
            changed = connection.execute(
                _CHANGED_ANSWER,
                {
                    "answer": row.id,
                    "seen": row.version,
                    "value": value,
                    "response": response_id,
                    "organisation": organisation,
                    "now": now,
                },
            )
            if changed.rowcount != 1:
                raise StaleDataError(f"answer {item_id} changed while it was being saved")
            saved[item_id] = row.version + 1
    return SaveOutcome(saved, conflicts)


def stored_answer_values(session: AnySession, response_id: int) -> dict[str, object]:
    """Item → value of the response's answers as stored now (cleared answers left out)."""
    rows = session.connection().execute(
        _STORED_VALUES, {"response": response_id, "organisation": organisation_parameter(session)}
    )
    return {item_id: value for item_id, value in rows if value is not None}


def submit_response(session: AnySession, response: Response, scoring_version: str) -> bool:
    """Mark the draft submitted; False when it already was (a double click, a second tab)."""
    result = session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.DRAFT)
        .values(
            status=ResponseStatus.SUBMITTED,
            submitted_at=dt.datetime.now(dt.UTC),
            scoring_version=scoring_version,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(response)
    return bool(getattr(result, "rowcount", 0))


def responses_in_cycle(session: AnySession, cycle_id: str) -> list[Response]:
    """Every response of the cycle."""
    return list(session.scalars(select(Response).where(Response.cycle_id == cycle_id)))


@dataclass(frozen=True)
class SubmittedAnswers:
    """One submitted response with its person and answers, read without ORM objects."""

    response_id: int
    email: str
    name: str
    role: str
    questionnaire_id: str
    version: str
    answers: dict[str, object]


@lru_cache(maxsize=4096)
def _json_value(text: str) -> object:
    """An answer's stored JSON text as its value (answers are numbers, strings or null)."""
    return json.loads(text)


def submitted_answers(session: AnySession, cycle_id: str) -> list[SubmittedAnswers]:
    """Every submitted response of a cycle with its answers, in one query."""
    return list(iter_submitted_answers(session, cycle_id))


def iter_submitted_answers(
    session: AnySession, cycle_id: str, only_items: Iterable[str] | None = None
) -> Iterator[SubmittedAnswers]:
    """The same responses one at a time, as the query streams them: the reports encode each
    and keep no dict per response (about 4 KB each, 400 MB for 100,000 responses). With
    ``only_items``, just those items' answers (the comments: a few rows instead of millions);
    a response without any of them is still listed, with no answers."""
    answer_join = Answer.response_id == Response.id
    if only_items is not None:
        answer_join &= Answer.item_id.in_(sorted(set(only_items)))
    rows = session.execute(
        select(
            Response.id,
            Person.email,
            Person.name,
            Person.role,
            Response.questionnaire_id,
            Response.questionnaire_version,
            Answer.item_id,
            # The JSON text itself, decoded below through a cache: a cycle's millions of
            # answers repeat a few dozen values ("3", "\"b\""), so each is parsed once.
            cast(Answer.value, Text),
        )
        .join(Person, Person.id == Response.person_id)
        .outerjoin(Answer, answer_join)
        .where(Response.cycle_id == cycle_id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Response.id),  # a response's rows come together
        execution_options={"yield_per": 5000},  # stream: never all rows in memory at once
    )
    current: SubmittedAnswers | None = None
    for response_id, email, name, role, qid, version, item_id, raw in rows:
        if current is None or current.response_id != response_id:
            if current is not None:
                yield current
            current = SubmittedAnswers(response_id, email, name, role or "", qid, version, {})
        if item_id is not None and raw is not None:
            value = _json_value(raw)
            if value is not None:
                current.answers[item_id] = value
    if current is not None:
        yield current


def submitted_emails(session: AnySession, cycle_id: str) -> set[str]:
    """E-mail addresses of everyone who submitted in the cycle (no answers read)."""
    return set(
        session.scalars(
            select(Person.email)
            .join(Response, Response.person_id == Person.id)
            .where(Response.cycle_id == cycle_id, Response.status == ResponseStatus.SUBMITTED)
        )
    )


def executives_not_submitted(session: AnySession, cycle_id: str, roles: Iterable[str]) -> list[str]:
    """Names of the active people with one of ``roles`` who have not submitted in the cycle,
    in the order of ``executives`` (role order, then name). Read as plain rows and filtered in
    the database: freezing a cycle of 100,000 people must not load every person as an object."""
    submitted = exists().where(
        Response.person_id == Person.id,
        Response.cycle_id == cycle_id,
        Response.status == ResponseStatus.SUBMITTED,
    )
    rows = session.execute(
        select(Person.role, Person.name)
        .outerjoin(Account, Account.person_id == Person.id)
        .where(
            Person.role.in_(sorted(set(roles))),
            or_(Account.id.is_(None), Account.active.is_(True)),
            ~submitted,
        )
    ).all()
    return [name for _, name in sorted(rows, key=lambda r: (ROLES.index(r[0]), r[1]))]


def has_submissions(session: AnySession, cycle_id: str) -> bool:
    """Whether anyone submitted in the cycle (without loading any response)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Response.cycle_id == cycle_id, Response.status == ResponseStatus.SUBMITTED
                )
            )
        )
    )


def cycles_with_submissions(session: AnySession) -> set[str]:
    """Ids of the cycles in which anyone submitted (one query)."""
    return set(
        session.scalars(
            select(Response.cycle_id).where(Response.status == ResponseStatus.SUBMITTED).distinct()
        )
    )


def submitted_responses(session: AnySession, cycle_id: str) -> list[Response]:
    """Submitted responses of the cycle, with their people."""
    return list(
        session.scalars(
            select(Response)
            .where(Response.cycle_id == cycle_id, Response.status == ResponseStatus.SUBMITTED)
            .order_by(Response.id)
        )
    )
