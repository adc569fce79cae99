"""What a cycle's kept scores are checked against (``reports.score_cache``): who submitted, as
they are now, and the version of the append-only rows the scores come from."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import func, select

from assessment.models import FactValue, Person, ReportSnapshot, Response, ResponseStatus
from assessment.queries.session import AnySession
from assessment.services.content.definitions import NOT_APPLICABLE


@dataclass(frozen=True)
class Submitter:
    """One submitted response of a cycle and its person's details as they are now."""

    cycle_id: str
    response_id: int
    email: str
    name: str
    role: str


def submitters(session: AnySession, cycle_ids: Collection[str]) -> list[Submitter]:
    """Every submitted response to these cycles with its person, no answers, in response id
    order: the order ``iter_submitted_answers`` reads a cycle's responses in."""
    if not cycle_ids:
        return []
    rows = session.execute(
        select(Response.cycle_id, Response.id, Person.email, Person.name, Person.role)
        .join(Person, Person.id == Response.person_id)
        .where(
            Response.cycle_id.in_(sorted(cycle_ids)), Response.status == ResponseStatus.SUBMITTED
        )
        .order_by(Response.id)
    )
    return [
        Submitter(cycle, id_, email, name, role or "") for cycle, id_, email, name, role in rows
    ]


def fact_and_report_versions(
    session: AnySession, cycle_ids: Collection[str]
) -> dict[str, tuple[int, int, int, int]]:
    """Per cycle: how many fact entries and stored report versions it has, and the newest id
    of each (zeros for none). Neither kind of row is ever edited or deleted, so the numbers
    change whenever the rows do."""
    found = {cycle_id: (0, 0, 0, 0) for cycle_id in cycle_ids}
    if not cycle_ids:
        return found
    ids = sorted(cycle_ids)
    facts = session.execute(
        select(FactValue.cycle_id, func.count(FactValue.id), func.max(FactValue.id))
        .where(FactValue.cycle_id.in_(ids))
        .group_by(FactValue.cycle_id)
    ).all()
    reports = session.execute(
        select(ReportSnapshot.cycle_id, func.count(ReportSnapshot.id), func.max(ReportSnapshot.id))
        .where(ReportSnapshot.cycle_id.in_(ids))
        .group_by(ReportSnapshot.cycle_id)
    ).all()
    for cycle_id, count, newest in facts:
        found[cycle_id] = (count, newest, 0, 0)
    for cycle_id, count, newest in reports:
        found[cycle_id] = found[cycle_id][:2] + (count, newest)
    return found


def fact_categories_by_cycle(
    session: AnySession, cycle_ids: Collection[str]
) -> dict[str, dict[str, str]]:
    """Per cycle, what ``fact_categories`` gives for it (the newest entry's category of each
    fact, "not applicable" left out), read in one statement."""
    newest: dict[str, dict[str, str]] = {cycle_id: {} for cycle_id in cycle_ids}
    if not cycle_ids:
        return newest
    rows = session.execute(
        select(FactValue.cycle_id, FactValue.fact_id, FactValue.category)
        .where(FactValue.cycle_id.in_(sorted(cycle_ids)))
        .order_by(FactValue.cycle_id, FactValue.fact_id, FactValue.revision)
    )
    for cycle_id, fact_id, category in rows:
        newest[cycle_id][fact_id] = category
    return {
        cycle_id: {f: c for f, c in facts.items() if c != NOT_APPLICABLE}
        for cycle_id, facts in newest.items()
    }
