"""Organisations with a cycle of the same id and submitted responses, for peer benchmarks.

Each organisation's people answer at random (each person with their own skill), so that the
organisations' domain figures differ and the percentiles mean something.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable

import numpy as np
from flask import Flask
from sqlalchemy import select

from assessment import queries, tenancy
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus, Organisation, Person
from assessment.reports.scores import scores_of
from assessment.services.content.definitions import ROLES, Questionnaire
from tests.conftest import shipped_catalogue

CYCLE = "2026-Q3"
ANSWERING = ("ceo", "cio", "it_manager")


def add_organisation(
    app: Flask, slug: str, *, opt_in: bool = True, industry: str | None = None
) -> int:
    with app.app_context():
        organisation = queries.create_organisation(
            db.session, slug, slug.title(), industry=industry, benchmark_opt_in=opt_in
        )
        db.session.commit()
        return organisation.id


def opt_in(app: Flask, organisation_id: int, value: bool = True) -> None:
    with app.app_context():
        organisation = db.session.get(Organisation, organisation_id)
        assert organisation is not None
        organisation.benchmark_opt_in = value
        db.session.commit()


def run_cycle(
    app: Flask,
    organisation_id: int,
    seed: int,
    *,
    status: CycleStatus = CycleStatus.CLOSED,
    roles: Iterable[str] = ANSWERING,
    cycle_id: str = CYCLE,
) -> None:
    """In that organisation: the cycle, one person per role, each with a submitted response
    (random answers from ``seed``), the cycle left in ``status``."""
    rng = random.Random(seed)
    today = dt.date.today()
    with app.app_context(), tenancy.acting_for(organisation_id):
        cycle = queries.create_cycle(
            db.session, cycle_id, today - dt.timedelta(days=100), today - dt.timedelta(days=10)
        )
        versions = {}
        for role in ROLES:
            current = shipped_catalogue().current(role)
            assert current is not None
            versions[role] = (current.id, current.version)
        queries.open_cycle(db.session, cycle, versions)
        for role in roles:
            person = Person(email=f"{role}.{seed}@example.com", name=f"{role} {seed}", role=role)
            db.session.add(person)
            db.session.flush()
            response = queries.start_response(db.session, person, cycle)
            form = shipped_catalogue().current_form(role)
            assert form is not None
            queries.save_answers(db.session, response, random_answers(form, rng))
            assert queries.submit_response(db.session, response, "1")
        cycle.status = status
        db.session.commit()


def random_answers(form: Questionnaire, rng: random.Random) -> dict[str, object]:
    skill = rng.uniform(0.05, 0.95)
    answers: dict[str, object] = {}
    for item in form.items:
        if item.is_sure_tap:
            answers[item.id] = 5
        elif item.on_scale:
            answers[item.id] = rng.randint(1, 5)
        elif item.type == "comment":
            answers[item.id] = "No comment"
        elif item.correct_choice is not None and rng.random() < skill:
            answers[item.id] = item.correct_choice
        else:
            answers[item.id] = rng.choice(item.choices).id
    return answers


def domain_means(app: Flask, organisation_id: int, cycle_id: str = CYCLE) -> dict[str, float]:
    """Computed here, not by the code under test: per domain, the mean of the people's
    domain scores (no score left out)."""
    with app.app_context(), tenancy.acting_for(organisation_id):
        cycle = db.session.scalar(select(Cycle).where(Cycle.id == cycle_id))
        assert cycle is not None
        collected: dict[str, list[float]] = {}
        for person in scores_of(cycle):
            for domain, values in person.domains.items():
                if values.get("score") is not None:
                    collected.setdefault(domain, []).append(float(values["score"]))
    return {domain: float(np.mean(scores)) for domain, scores in collected.items()}
