"""Many small synthetic organisations for scale tests: as an installation run by a consultancy
looks, each with five executives (one per role) answering the same quarters.

Written with the bulk inserts of ``synthetic_org``, a chunk of organisations at a time, each row
naming its organisation.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select

from assessment.catalogue import catalogue
from assessment.cli.synthetic_org import (
    Row,
    answer_rows,
    bulk_insert,
    forms_for,
    insert_responses,
    insert_returning_ids,
    response_row,
)
from assessment.extensions import db
from assessment.models import (
    Cycle,
    CycleQuestionnaire,
    CycleStatus,
    FactValue,
    Organisation,
    Person,
)
from assessment.services.content.definitions import ROLE_LABELS, ROLES, Questionnaire

# Organisations written per round of inserts: 20 × 5 people × 8 quarters is 800 responses and
# some 64,000 answers, a few tens of megabytes of rows at a time however many are asked for.
ORGANISATION_CHUNK = 20
INDUSTRIES = ("Finance", "Healthcare", "Manufacturing", "Public sector", "Retail", "Technology")
SIZES = ("1-49", "50-249", "250-999", "1000-4999", "5000+")
OPT_IN_SHARE = 0.9  # most synthetic organisations contribute to peer benchmarks
SLUG = "synth-{:04d}"
_SLUG_NUMBER = re.compile(r"^synth-(\d+)$")


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
    forms = [forms_for(index) for index in range(cycles)]
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
    ids = insert_returning_ids(Organisation, rows)
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
    person_ids = iter(insert_returning_ids(Person, people))
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
                response = response_row(org.id, org.people[role], quarter.id, form)
                response["started_at"] = response["submitted_at"] = closed - dt.timedelta(
                    days=rng.randint(1, 50)
                )
                responses.append(response)
                answers.append(answer_rows(form, skill, rng))
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
    bulk_insert(Cycle, cycles)
    bulk_insert(CycleQuestionnaire, pins)
    bulk_insert(FactValue, fact_rows)
    insert_responses(responses, answers)
