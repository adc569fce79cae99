"""A large synthetic organisation for scale tests: many managers over many quarters.

Rows are written with bulk inserts (no ORM objects), in chunks, so that 100,000 responses
load in minutes rather than hours.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

from sqlalchemy import insert, select

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
    """Add ``people`` people answering in ``cycles`` closed cycles; returns the cycle ids."""
    rng = random.Random(seed)
    persons: list[dict[str, object]] = [
        {
            "email": f"synth{seed}-{k}@example.com",
            "name": f"Synthetic manager {k}",
            "role": _role(rng),
        }
        for k in range(people)
    ]
    for start in range(0, people, CHUNK):
        chunk = persons[start : start + CHUNK]
        # Ids come from the database, in input order, so sequences stay right.
        ids = db.session.scalars(
            insert(Person).returning(Person.id, sort_by_parameter_order=True), chunk
        ).all()
        for person, person_id in zip(chunk, ids, strict=True):
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
        responses: list[dict[str, object]] = []
        answers: list[list[dict[str, object]]] = []
        for person in persons:
            questionnaire = forms[str(person["role"])]
            skill = min(0.95, skills[person["id"]] + 0.03 * index)
            responses.append(
                {
                    "person_id": person["id"],
                    "cycle_id": cycle_id,
                    "questionnaire_id": questionnaire.id,
                    "questionnaire_version": questionnaire.version,
                    "status": ResponseStatus.SUBMITTED,
                    "scoring_version": SCORING_VERSION,
                    "last_page": 0,
                }
            )
            answers.append(
                [
                    {"item_id": item, "value": value, "version": 1}
                    for item, value in _answers(questionnaire, skill, rng)
                ]
            )
            if len(responses) >= CHUNK:
                _flush(responses, answers)
                progress(len(responses))
                responses, answers = [], []
        if responses:
            _flush(responses, answers)
            progress(len(responses))
        cycle_ids.append(cycle_id)
    return cycle_ids


def _flush(responses: list[dict[str, object]], answers: list[list[dict[str, object]]]) -> None:
    now = dt.datetime.now(dt.UTC)
    for row in responses:
        row.update(started_at=now, submitted_at=now)
    ids = db.session.scalars(
        insert(Response).returning(Response.id, sort_by_parameter_order=True), responses
    ).all()
    rows = []
    for response_id, items in zip(ids, answers, strict=True):
        for row in items:
            rows.append({**row, "response_id": response_id, "updated_at": now})
    db.session.execute(insert(Answer), rows)


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
