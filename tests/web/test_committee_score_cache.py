"""Scores kept per process (``reports.score_cache``): the committee's figures are those computed
afresh, and a kept quarter is computed again once the rows it comes from change (a late
submission, a corrected fact), while people's names and addresses are always today's."""

from __future__ import annotations

import dataclasses
import datetime as dt

from assessment import actions, queries
from assessment.actions.actor import SYSTEM, Actor
from assessment.actions.facts import FactInput
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle
from assessment.reports import committee, score_cache
from assessment.reports.gaps import optimism_index_of
from assessment.reports.score_cache import CycleFigures, clear_score_cache
from assessment.reports.scores import score_cycle, scores_of
from assessment.services.content.definitions import Questionnaire
from tests.conftest import add_user, complete_answers, log_in, open_test_cycle, submit_answers

QUARTER = "2026-Q3"


def _quarter(app) -> None:
    """A closed quarter answered by two of three IT managers and the CEO."""
    add_user(app, "chair@example.com", permissions=("committee",), name="Chair")
    add_user(app, "admin@example.com", permissions=("admin",), name="Admin")
    add_user(app, "ceo@example.com", role="ceo", name="Chief")
    for n in range(3):
        add_user(app, f"it{n}@example.com", role="it_manager", name=f"IT manager {n}")
    open_test_cycle(app, QUARTER, days_ago=100)
    for email in ("ceo@example.com", "it0@example.com", "it1@example.com"):
        submit_answers(app, email, complete_answers(_role(email), _form(app, email)), QUARTER)
    _change(app, "close")


def _role(email: str) -> str:
    return "ceo" if email.startswith("ceo") else "it_manager"


def _form(app, email: str) -> Questionnaire:
    with app.app_context():
        return _pinned(_cycle().pinned_for(_role(email)))


def _pinned(pin) -> Questionnaire:
    return catalogue().get(pin.questionnaire_id, pin.version)


def _cycle() -> Cycle:
    found = queries.get_cycle(db.session, QUARTER)
    assert found is not None
    return found


def _change(app, transition: str, **details) -> None:
    with app.app_context():
        actions.cycles.change_status(SYSTEM, _cycle(), transition, **details)
        db.session.commit()


def _afresh(cycle: Cycle) -> list[dict]:
    """Every person's scores computed from the answers, nothing kept."""
    return [dataclasses.asdict(s) for s in score_cycle(cycle.id)]


def _scores(cycle: Cycle) -> list[dict]:
    return [dataclasses.asdict(s) for s in scores_of(cycle)]


def _committee(app):
    client = app.test_client()
    log_in(client, "chair@example.com")
    return client


def test_score_cache_scores_a_closed_quarter_again_after_a_late_submission(app):
    _quarter(app)
    client = _committee(app)
    assert client.get("/committee/").status_code == 200  # keeps the quarter's scores
    chart = client.get("/committee/chart/roles.svg").data
    with app.app_context():
        before, series = _scores(_cycle()), committee.series([_cycle()])
        assert before == _afresh(_cycle()) and len(before) == 3
    # reopened for a late answer: every knowledge question wrong this time
    later = dt.date.today() + dt.timedelta(days=7)
    _change(app, "reopen", closes=later, reason="A late answer")
    answers = complete_answers("it_manager", _form(app, "it2@example.com"))
    for item in _form(app, "it2@example.com").items:
        if item.type == "knowledge":
            answers[item.id] = next(c.id for c in item.choices if not c.correct and not c.dont_know)
    submit_answers(app, "it2@example.com", answers, QUARTER)
    _change(app, "close")
    with app.app_context():
        after = _scores(_cycle())
        assert after == _afresh(_cycle()) and len(after) == 4
        assert committee.series([_cycle()]) != series
        mean = committee.series([_cycle()]).overall_by_role["IT manager"][0]
        it = [s["overall"] for s in after if s["role"] == "it_manager"]
        assert mean == sum(it) / len(it)
    assert client.get("/committee/chart/roles.svg").data != chart


def test_score_cache_works_out_the_optimism_index_again_after_a_fact_correction(app):
    _quarter(app)
    with app.app_context():
        form = _pinned(_cycle().pinned_for("ceo"))
        belief = next(i for i in form.items if i.type == "belief" and i.fact)
        said = complete_answers("ceo", form)[belief.id]
        categories = catalogue().facts[belief.fact].category_ids
        other = next(c for c in categories if c != said)
    indexes = []
    for category in (said, other):  # as the CEO believed, then corrected to something else
        with app.app_context():
            admin = queries.find_person_by_email(db.session, "admin@example.com")
            actions.facts.report_facts(
                Actor.of_account(admin.account),
                _cycle(),
                {belief.fact: FactInput(category=category)},
                as_of=dt.date.today(),
                evidence="The register",
                reason="Corrected" if indexes else "",
            )
            db.session.commit()
        with app.app_context():
            kept = committee.series([_cycle()]).optimism[0]
            assert kept == optimism_index_of(_cycle())  # computed afresh
            assert committee.series([_cycle()]).optimism[0] == kept
            indexes.append(kept)
    assert indexes[0] != indexes[1]


def test_score_cache_shows_people_as_they_are_now(app):
    _quarter(app)
    with app.app_context():
        assert [s["name"] for s in _scores(_cycle())].count("IT manager 0") == 1  # kept
    with app.app_context():  # renamed, with an address that now sorts last
        person = queries.find_person_by_email(db.session, "it0@example.com")
        person.name, person.email = "Renamed", "zz@example.com"
        db.session.commit()
    with app.app_context():
        now = _scores(_cycle())
        assert now == _afresh(_cycle())
        assert [s["email"] for s in now if s["role"] == "it_manager"] == [
            "it1@example.com",
            "zz@example.com",
        ]
        assert "Renamed" in [s["name"] for s in now]


def test_score_cache_scores_an_unchanged_quarter_once(app, monkeypatch):
    _quarter(app)
    scored: list[int] = []
    real = score_cache.score_answers

    def counted(*args, **kwargs):
        scored.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(score_cache, "score_answers", counted)
    client = _committee(app)
    assert client.get("/committee/").status_code == 200
    first = len(scored)
    assert first >= 1
    assert client.get("/committee/").status_code == 200
    with app.app_context():
        assert _scores(_cycle()) == _afresh(_cycle())  # score_cycle never keeps anything
        CycleFigures([_cycle()]).scores(_cycle())
    assert len(scored) == first
    with app.app_context():
        clear_score_cache()
        assert _scores(_cycle()) == _afresh(_cycle())
    assert len(scored) == first + 1
