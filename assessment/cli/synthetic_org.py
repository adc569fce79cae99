"""Synthetic data for scale tests: one large organisation (``synthesise``), and the bulk
writing it shares with ``synthetic_organisations`` (many small ones).

Rows are written with bulk inserts (no ORM objects), in chunks, so that 100,000 responses load
in minutes rather than hours. Bulk inserts skip the ORM's flush, where new rows are stamped with
the current organisation (``assessment.tenancy``), so every bulk row names its organisation.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator, Sequence
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, insert, select

from assessment import tenancy
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import (
    Answer,
    Cycle,
    CycleQuestionnaire,
    CycleStatus,
    FactValue,
    Person,
    Response,
    ResponseStatus,
)
from assessment.services.content.definitions import ROLES, Questionnaire
from assessment.services.scoring.single import SCORING_VERSION

ROLE_MIX = (("it_manager", 0.5), ("hr", 0.2), ("cio", 0.12), ("legal", 0.12), ("ceo", 0.06))
CHUNK = 2_000

Row = dict[str, Any]


def _role(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for role, share in ROLE_MIX:
        total += share
        if roll < total:
            return role
    return ROLE_MIX[0][0]


def answers_of(
    questionnaire: Questionnaire, skill: float, rng: random.Random
) -> Iterator[tuple[str, object]]:
    for item in questionnaire.items:
        if item.on_scale:
            yield item.id, max(1, min(5, round(1 + 4 * skill + rng.gauss(0, 1))))
        elif item.type == "knowledge":
            yield (
                item.id,
                item.correct_choice
                if rng.random() < skill
                else rng.choice([c.id for c in item.choices]),
            )
        elif item.choices:
            yield item.id, rng.choice([c.id for c in item.choices])


def synthesise(
    people: int, cycles: int, seed: int, progress: Callable[[int], None] = lambda n: None
) -> list[str]:
    """Add ``people`` people answering in ``cycles`` closed cycles to the current
    organisation; returns the cycle ids."""
    organisation = tenancy.organisation_parameter(db.session())
    rng = random.Random(seed)
    persons: list[Row] = [
        {
            "organisation_id": organisation,
            "email": f"synth{seed}-{k}@example.com",
            "name": f"Synthetic manager {k}",
            "role": _role(rng),
        }
        for k in range(people)
    ]
    for start in range(0, people, CHUNK):
        chunk = persons[start : start + CHUNK]
        for person, person_id in zip(chunk, insert_returning_ids(Person, chunk), strict=True):
            person["id"] = person_id
    cycle_ids = []
    today = dt.date.today()
    skills = {p["id"]: rng.uniform(0.2, 0.8) for p in persons}
    for index in range(cycles):
        cycle_id = f"S{seed}-{index + 1:03d}"[:20]
        opens = today - dt.timedelta(days=91 * (cycles - index + 1))
        db.session.add(
            Cycle(
                id=cycle_id,
                opens=opens,
                closes=opens + dt.timedelta(days=60),
                status=CycleStatus.CLOSED,
            )
        )
        forms = forms_for(index)
        for role in ROLES:
            db.session.add(
                CycleQuestionnaire(
                    cycle_id=cycle_id,
                    role=role,
                    questionnaire_id=forms[role].id,
                    version=forms[role].version,
                )
            )
        _facts(cycle_id, opens, rng)
        db.session.flush()
        responses: list[Row] = []
        answers: list[list[Row]] = []
        for person in persons:
            questionnaire = forms[str(person["role"])]
            skill = min(0.95, skills[person["id"]] + 0.03 * index)
            responses.append(response_row(organisation, person["id"], cycle_id, questionnaire))
            answers.append(answer_rows(questionnaire, skill, rng))
            if len(responses) >= CHUNK:
                insert_responses(responses, answers)
                progress(len(responses))
                responses, answers = [], []
        if responses:
            insert_responses(responses, answers)
            progress(len(responses))
        cycle_ids.append(cycle_id)
    return cycle_ids


def response_row(
    organisation: int, person_id: int, cycle_id: str, questionnaire: Questionnaire
) -> Row:
    return {
        "organisation_id": organisation,
        "person_id": person_id,
        "cycle_id": cycle_id,
        "questionnaire_id": questionnaire.id,
        "questionnaire_version": questionnaire.version,
        "status": ResponseStatus.SUBMITTED,
        "scoring_version": SCORING_VERSION,
        "last_page": 0,
    }


def answer_rows(questionnaire: Questionnaire, skill: float, rng: random.Random) -> list[Row]:
    return [
        {"item_id": item, "value": value, "version": 1}
        for item, value in answers_of(questionnaire, skill, rng)
    ]


def insert_returning_ids(model: type[Any], rows: Sequence[Row]) -> list[int]:
    """Insert the rows; their new ids in input order (ids come from the database, so the
    sequences stay right)."""
    if not rows:
        return []
    return list(
        db.session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), list(rows)
        ).all()
    )


def bulk_insert(model: type[Any], rows: Sequence[Row]) -> None:
    """Insert rows that need no ids back: with COPY on PostgreSQL (an executemany there sends
    one statement per row, and the answers are millions of rows), an executemany elsewhere."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        connection.execute(insert(model.__table__), list(rows))
        return
    table = model.__table__
    columns = list(rows[0])
    # JSON columns go as their text; enumeration members as plain text (the driver adapts
    # plain types only). Decided once per column, from the first row: rows are uniform.
    convert = [
        json.dumps
        if isinstance(table.c[name].type, JSON)
        else _as_text
        if isinstance(rows[0][name], StrEnum)
        else None
        for name in columns
    ]
    statement = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    # The same connection and transaction as the session's other statements.
    driver = connection.connection.driver_connection
    with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
        for row in rows:
            copy.write_row(
                [
                    row[name] if how is None else how(row[name])
                    for name, how in zip(columns, convert, strict=True)
                ]
            )


def _as_text(value: object) -> str:
    return str(value)


def insert_responses(responses: list[Row], answers: list[list[Row]]) -> None:
    """Insert submitted responses and their answers (each response's organisation is its
    answers' organisation)."""
    now = dt.datetime.now(dt.UTC)
    for row in responses:
        row.setdefault("started_at", now)
        row.setdefault("submitted_at", now)
    ids = insert_returning_ids(Response, responses)
    rows = [
        {
            **answer,
            "organisation_id": response["organisation_id"],
            "response_id": response_id,
            "updated_at": response["submitted_at"],
        }
        for response, response_id, items in zip(responses, ids, answers, strict=True)
        for answer in items
    ]
    bulk_insert(Answer, rows)


def _facts(cycle_id: str, as_of: dt.date, rng: random.Random) -> None:
    owner = db.session.scalar(select(Person.id).limit(1))
    for fact in catalogue().facts.values():
        category = rng.choice(fact.category_ids)
        db.session.add(
            FactValue(
                cycle_id=cycle_id,
                fact_id=fact.id,
                revision=1,
                value=category,
                category=category,
                as_of=as_of,
                evidence="synthetic",
                note="",
                reason="",
                entered_by_id=owner,
            )
        )


def forms_for(index: int) -> dict[str, Questionnaire]:
    """Each role's form for the index-th cycle: forms rotate, every regime applies."""
    everything = frozenset(catalogue().regimes)
    found: dict[str, Questionnaire] = {}
    for role in ROLES:
        current = catalogue().current(role)
        assert current is not None
        letter = current.forms[index % len(current.forms)] if current.forms else None
        found[role] = catalogue().form_for(current, letter, everything)
    return found
