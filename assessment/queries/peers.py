"""What peer benchmarks read across organisations, each in one statement for all of them.

The caller reads inside ``tenancy.across_organisations()`` and passes the organisations it
compares. Nothing here reads a name or an e-mail address: a peer's responses arrive as answers
only, tagged with their organisation.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, ColumnElement, Select, Subquery, func, select, type_coerce

from assessment.models import (
    Answer,
    Cycle,
    CycleStatus,
    FactValue,
    Organisation,
    ReportSnapshot,
    Response,
    ResponseStatus,
)
from assessment.queries.session import AnySession
from assessment.services.content.definitions import NOT_APPLICABLE

COMPARABLE_CYCLES = (CycleStatus.CLOSED, CycleStatus.FROZEN)


@dataclass(frozen=True)
class Candidate:
    """Another organisation that may be a peer for a cycle id, with its cycle's status."""

    organisation_id: int
    industry: str | None
    status: str


def benchmark_candidates(session: AnySession, cycle_id: str, own_id: int) -> list[Candidate]:
    """The other organisations that opted in and have a closed or frozen cycle ``cycle_id``,
    in id order."""
    rows = session.execute(
        select(Organisation.id, Organisation.industry, Cycle.status)
        .join(Cycle, Cycle.organisation_id == Organisation.id)
        .where(
            Organisation.benchmark_opt_in.is_(True),
            Organisation.id != own_id,
            Cycle.id == cycle_id,
            Cycle.status.in_(COMPARABLE_CYCLES),
        )
        .order_by(Organisation.id)
    )
    return [Candidate(org, industry, status) for org, industry, status in rows]


@dataclass(frozen=True)
class AnonymousAnswers:
    """One submitted response of some organisation: its form and answers, and nobody's name
    (the fields ``collect_answers`` reads about a person stay empty)."""

    organisation_id: int
    questionnaire_id: str
    version: str
    answers: Mapping[str, object]
    email: str = ""
    name: str = ""
    role: str = ""


def answers_statement(
    dialect: str, cycle_id: str, organisation_ids: Collection[int]
) -> Select[int, str, str, Any]:
    """One row per submitted response to cycle ``cycle_id`` of these organisations, its answers
    gathered into one JSON object by the database (item id → value; a response without
    answers has none). A thousand organisations' cycle has some 400,000 answers: as 4,500
    rows of objects they read several times faster than row by row, and the benchmarks' read
    floor runs this very statement."""
    if dialect == "postgresql":
        gathered = func.json_object_agg(Answer.item_id, Answer.value)
    else:  # SQLite stores JSON as text: json() makes each value a value, not a string
        gathered = func.json_group_object(Answer.item_id, func.json(Answer.value))
    answers = type_coerce(gathered.filter(Answer.item_id.is_not(None)), JSON)
    return (
        select(
            Response.organisation_id,
            Response.questionnaire_id,
            Response.questionnaire_version,
            answers,
        )
        .outerjoin(Answer, Answer.response_id == Response.id)
        .where(
            Response.cycle_id == cycle_id,
            Response.status == ResponseStatus.SUBMITTED,
            Response.organisation_id.in_(sorted(organisation_ids)),
        )
        .group_by(
            Response.id,
            Response.organisation_id,
            Response.questionnaire_id,
            Response.questionnaire_version,
        )
    )


def iter_anonymous_answers(
    session: AnySession, cycle_id: str, organisation_ids: Collection[int]
) -> Iterator[AnonymousAnswers]:
    """The submitted responses of ``answers_statement``, a thousand at a time as the query
    streams (answers that are null are left out, as for one organisation)."""
    statement = answers_statement(session.get_bind().dialect.name, cycle_id, organisation_ids)
    for organisation_id, qid, version, answers in session.execute(
        statement, execution_options={"yield_per": 1000}
    ):
        found = {k: v for k, v in (answers or {}).items() if v is not None}
        yield AnonymousAnswers(organisation_id, qid, version, found)


def facts_statement(cycle_id: str, organisation_ids: Collection[int]) -> Select[int, str, str]:
    """Every fact entry of cycle ``cycle_id`` of these organisations, oldest revision first."""
    return (
        select(FactValue.organisation_id, FactValue.fact_id, FactValue.category)
        .where(
            FactValue.cycle_id == cycle_id,
            FactValue.organisation_id.in_(sorted(organisation_ids)),
        )
        .order_by(FactValue.organisation_id, FactValue.fact_id, FactValue.revision)
    )


def fact_categories_of(
    session: AnySession, cycle_id: str, organisation_ids: Collection[int]
) -> dict[int, dict[str, str]]:
    """Per organisation, what ``fact_categories`` gives for its cycle: the newest entry's
    category of each fact, facts whose newest entry is "not applicable" left out."""
    newest: dict[int, dict[str, str]] = {org: {} for org in organisation_ids}
    for org, fact_id, category in session.execute(facts_statement(cycle_id, organisation_ids)):
        newest[org][fact_id] = category
    return {
        org: {f: c for f, c in facts.items() if c != NOT_APPLICABLE}
        for org, facts in newest.items()
    }


def _newest_versions(cycle_id: str, organisation_ids: Collection[int]) -> Subquery:
    return (
        select(ReportSnapshot.organisation_id, func.max(ReportSnapshot.version).label("version"))
        .where(
            ReportSnapshot.cycle_id == cycle_id,
            ReportSnapshot.organisation_id.in_(sorted(organisation_ids)),
        )
        .group_by(ReportSnapshot.organisation_id)
        .subquery()
    )


def _is_newest(newest: Subquery, cycle_id: str) -> ColumnElement[bool]:
    return (
        (ReportSnapshot.organisation_id == newest.c.organisation_id)
        & (ReportSnapshot.version == newest.c.version)
        & (ReportSnapshot.cycle_id == cycle_id)
    )


def payloads_statement(
    cycle_id: str, organisation_ids: Collection[int]
) -> Select[int, dict[str, object]]:
    """Per organisation, the payload of its newest report version of cycle ``cycle_id``.

    Whole: the figures need only its scores and pairs, but taking those parts out in the
    database parses each payload once per part, four times slower than reading it as stored
    (measured on PostgreSQL). The peers' names it holds are never used."""
    newest = _newest_versions(cycle_id, organisation_ids)
    return select(ReportSnapshot.organisation_id, ReportSnapshot.payload).join(
        newest, _is_newest(newest, cycle_id)
    )


def newest_payloads_of(
    session: AnySession, cycle_id: str, organisation_ids: Collection[int]
) -> dict[int, dict[str, object]]:
    """``payloads_statement`` as organisation → payload."""
    if not organisation_ids:
        return {}
    rows = session.execute(payloads_statement(cycle_id, organisation_ids))
    return {organisation_id: payload for organisation_id, payload in rows}


def figure_versions(
    session: AnySession, cycle_id: str, organisation_ids: Collection[int]
) -> dict[int, tuple[int, ...]]:
    """Per organisation, a version of everything its figures for cycle ``cycle_id`` are
    computed from: how many submitted responses, fact entries and stored report versions it
    has, and the newest id of each. None of these rows is ever edited or deleted, and a
    response once submitted stays so: the version changes whenever the figures can.

    Counted for every organisation with the cycle and then picked: a list of a thousand
    organisations in each statement costs more than the few rows it would leave out."""
    responses = session.execute(
        select(Response.organisation_id, func.count(Response.id), func.max(Response.id))
        .where(Response.cycle_id == cycle_id, Response.status == ResponseStatus.SUBMITTED)
        .group_by(Response.organisation_id)
    ).all()
    facts = session.execute(
        select(FactValue.organisation_id, func.count(FactValue.id), func.max(FactValue.id))
        .where(FactValue.cycle_id == cycle_id)
        .group_by(FactValue.organisation_id)
    ).all()
    snapshots = session.execute(
        select(
            ReportSnapshot.organisation_id,
            func.count(ReportSnapshot.id),
            func.max(ReportSnapshot.id),
        )
        .where(ReportSnapshot.cycle_id == cycle_id)
        .group_by(ReportSnapshot.organisation_id)
    ).all()
    counted = [
        {org: (count, newest) for org, count, newest in rows}
        for rows in (responses, facts, snapshots)
    ]
    return {
        org: tuple(n for kind in counted for n in kind.get(org, (0, 0))) for org in organisation_ids
    }
