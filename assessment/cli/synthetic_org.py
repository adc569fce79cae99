"""Synthetic data for scale tests: one large organisation, or many small ones.

``synthesise`` adds many managers answering over many quarters to the current organisation;
``synthesise_organisations`` adds many organisations of five executives each (one per role)
answering the same quarters, as an installation run by a consultancy looks.

Rows are written with bulk inserts (no ORM objects), in chunks, so that 100,000 responses load
in minutes rather than hours. Bulk inserts skip the ORM's flush, where new rows are stamped with
the current organisation (``assessment.tenancy``), so every bulk row names its organisation.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
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
    Organisation,
    Person,
    Response,
    ResponseStatus,
)
from assessment.services.content.definitions import ROLE_LABELS, ROLES, Questionnaire
from assessment.services.scoring.single import SCORING_VERSION

ROLE_MIX = (("it_manager", 0.5), ("hr", 0.2), ("cio", 0.12), ("legal", 0.12), ("ceo", 0.06))
CHUNK = 2_000
# Organisations written per round of inserts: 20 × 5 people × 8 quarters is 800 responses and
# some 64,000 answers, a few tens of megabytes of rows at a time however many are asked for.
ORGANISATION_CHUNK = 20
INDUSTRIES = ("Finance", "Healthcare", "Manufacturing", "Public sector", "Retail", "Technology")
SIZES = ("1-49", "50-249", "250-999", "1000-4999", "5000+")
OPT_IN_SHARE = 0.9  # most synthetic organisations contribute to peer benchmarks
SLUG = "synth-{:04d}"
_SLUG_NUMBER = re.compile(r"^synth-(\d+)$")

Row = dict[str, Any]


def _role(rng: random.Random) -> str:
    roll, total = rng.random(), 0.0
    for role, share in ROLE_MIX:
        total += share
        if roll < total:
            return role
    return ROLE_MIX[0][0]


def _answers(
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
        for person, person_id in zip(chunk, _insert_returning_ids(Person, chunk), strict=True):
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
        forms = _forms(index)
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
            responses.append(_response(organisation, person["id"], cycle_id, questionnaire))
            answers.append(_answer_rows(questionnaire, skill, rng))
            if len(responses) >= CHUNK:
                _insert_responses(responses, answers)
                progress(len(responses))
                responses, answers = [], []
        if responses:
            _insert_responses(responses, answers)
            progress(len(responses))
        cycle_ids.append(cycle_id)
    return cycle_ids


def _response(
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


def _answer_rows(questionnaire: Questionnaire, skill: float, rng: random.Random) -> list[Row]:
    return [
        {"item_id": item, "value": value, "version": 1}
        for item, value in _answers(questionnaire, skill, rng)
    ]


def _insert_returning_ids(model: type[Any], rows: Sequence[Row]) -> list[int]:
    """Insert the rows; their new ids in input order (ids come from the database, so the
    sequences stay right)."""
    if not rows:
        return []
    return list(
        db.session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), list(rows)
        ).all()
    )


def _insert(model: type[Any], rows: Sequence[Row]) -> None:
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


def _insert_responses(responses: list[Row], answers: list[list[Row]]) -> None:
    """Insert submitted responses and their answers (each response's organisation is its
    answers' organisation)."""
    now = dt.datetime.now(dt.UTC)
    for row in responses:
        row.setdefault("started_at", now)
        row.setdefault("submitted_at", now)
    ids = _insert_returning_ids(Response, responses)
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
    _insert(Answer, rows)


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


def _forms(index: int) -> dict[str, Questionnaire]:
    """Each role's form for the index-th cycle: forms rotate, every regime applies."""
    everything = frozenset(catalogue().regimes)
    found: dict[str, Questionnaire] = {}
    for role in ROLES:
        current = catalogue().current(role)
        assert current is not None
        letter = current.forms[index % len(current.forms)] if current.forms else None
        found[role] = catalogue().form_for(current, letter, everything)
    return found


# ---------------------------------------------------------------- many organisations


@dataclass(frozen=True)
class Quarter:
    id: str  # 2026-Q3
    opens: dt.date
    closes: dt.date


@dataclass(frozen=True)
class SynthesisedOrganisations:
    slugs: list[str]
    cycle_ids: list[str]
    people: int
    responses: int


def quarters_before(today: dt.date, count: int) -> list[Quarter]:
    """The ``count`` quarters before the one ``today`` is in, oldest first; each cycle opens
    on its quarter's first day and closes 60 days later."""
    index = today.year * 4 + (today.month - 1) // 3  # the current quarter, counted from year 0
    found = []
    for k in range(index - count, index):
        year, quarter = divmod(k, 4)
        opens = dt.date(year, 3 * quarter + 1, 1)
        found.append(Quarter(f"{year}-Q{quarter + 1}", opens, opens + dt.timedelta(days=60)))
    return found


def synthesise_organisations(
    count: int, cycles: int, seed: int, progress: Callable[[int], None] = lambda n: None
) -> SynthesisedOrganisations:
    """Add ``count`` organisations (slugs ``synth-0001`` on, after any already there), each
    with one executive per role who submitted in each of the ``cycles`` quarters before this
    one, every cycle closed with a full fact report. Organisation k's content depends only on
    ``seed`` and k; ``progress`` gets the responses added after each chunk."""
    first = _next_synth_number()
    quarters = quarters_before(dt.date.today(), cycles)
    forms = [_forms(index) for index in range(cycles)]
    numbers = range(first, first + count)
    responses = 0
    for start in range(0, count, ORGANISATION_CHUNK):
        chunk = numbers[start : start + ORGANISATION_CHUNK]
        added = _write_organisations([random.Random(f"synth:{seed}:{n}") for n in chunk], chunk)
        _write_quarters(added, quarters, forms)
        responses += len(added) * len(ROLES) * len(quarters)
        progress(len(added) * len(ROLES) * len(quarters))
    return SynthesisedOrganisations(
        [SLUG.format(n) for n in numbers],
        [q.id for q in quarters],
        count * len(ROLES),
        responses,
    )


@dataclass
class _Organisation:
    id: int
    rng: random.Random
    people: dict[str, int]  # role → person id
    skill: float  # the organisation's typical skill, around which its executives vary


def _next_synth_number() -> int:
    slugs = db.session.scalars(select(Organisation.slug).where(Organisation.slug.like("synth-%")))
    numbers = [int(m.group(1)) for slug in slugs if (m := _SLUG_NUMBER.match(slug))]
    return max(numbers, default=0) + 1


def _write_organisations(rngs: list[random.Random], numbers: Sequence[int]) -> list[_Organisation]:
    """The organisations and their executives, one per role."""
    rows = []
    for rng, number in zip(rngs, numbers, strict=True):
        industry = rng.choice(INDUSTRIES)
        rows.append(
            {
                "slug": SLUG.format(number),
                "name": f"Synthetic {industry} {number:04d}",
                "industry": industry,
                "size": rng.choice(SIZES),
                "benchmark_opt_in": rng.random() < OPT_IN_SHARE,
                "settings": {},
            }
        )
    ids = _insert_returning_ids(Organisation, rows)
    people = [
        {
            "organisation_id": organisation_id,
            "email": f"{role.replace('_', '-')}@{row['slug']}.example.com",
            "name": f"{ROLE_LABELS[role]} of {row['name']}",
            "role": role,
        }
        for organisation_id, row in zip(ids, rows, strict=True)
        for role in ROLES
    ]
    person_ids = iter(_insert_returning_ids(Person, people))
    return [
        _Organisation(
            organisation_id,
            rng,
            {role: next(person_ids) for role in ROLES},
            min(0.8, max(0.2, rng.gauss(0.5, 0.12))),
        )
        for organisation_id, rng in zip(ids, rngs, strict=True)
    ]


def _write_quarters(
    organisations: list[_Organisation],
    quarters: list[Quarter],
    forms: list[dict[str, Questionnaire]],
) -> None:
    """Each organisation's closed cycles: pinned forms, fact reports and every executive's
    submitted response."""
    regimes = sorted(catalogue().regimes)
    facts = [f for f in catalogue().facts.values() if not f.retired]
    cycles: list[Row] = []
    pins: list[Row] = []
    fact_rows: list[Row] = []
    responses: list[Row] = []
    answers: list[list[Row]] = []
    for org in organisations:
        rng = org.rng
        skills = {role: org.skill + rng.uniform(-0.2, 0.2) for role in ROLES}
        for index, quarter in enumerate(quarters):
            closed = dt.datetime.combine(quarter.closes, dt.time(18), dt.UTC)
            cycles.append(
                {
                    "organisation_id": org.id,
                    "id": quarter.id,
                    "opens": quarter.opens,
                    "closes": quarter.closes,
                    "status": CycleStatus.CLOSED,
                    "closed_at": closed,
                    "training_at_close": [],
                    "regimes": regimes,
                }
            )
            for role in ROLES:
                form = forms[index][role]
                pins.append(
                    {
                        "organisation_id": org.id,
                        "cycle_id": quarter.id,
                        "role": role,
                        "questionnaire_id": form.id,
                        "version": form.version,
                    }
                )
                skill = min(0.95, max(0.05, skills[role] + 0.02 * index))
                response = _response(org.id, org.people[role], quarter.id, form)
                response["started_at"] = response["submitted_at"] = closed - dt.timedelta(
                    days=rng.randint(1, 50)
                )
                responses.append(response)
                answers.append(_answer_rows(form, skill, rng))
            for fact in facts:
                category = rng.choice(fact.category_ids)
                fact_rows.append(
                    {
                        "organisation_id": org.id,
                        "cycle_id": quarter.id,
                        "fact_id": fact.id,
                        "revision": 1,
                        "value": category,
                        "category": category,
                        "as_of": quarter.opens,
                        "evidence": "synthetic",
                        "note": "",
                        "reason": "",
                        "entered_by_id": org.people.get(fact.owner, org.people[ROLES[0]]),
                        "entered_at": closed,
                    }
                )
    _insert(Cycle, cycles)
    _insert(CycleQuestionnaire, pins)
    _insert(FactValue, fact_rows)
    _insert_responses(responses, answers)
