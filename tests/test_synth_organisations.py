"""`assessment synth --organisations N`: many small organisations for the scale benchmarks, each
with its own people, and the peer benchmark read for all of them at once equal to scoring each
organisation on its own."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select, update

from assessment import actions, queries, tenancy
from assessment.actions.actor import SYSTEM
from assessment.catalogue import catalogue
from assessment.cli.synthetic_organisations import quarters_before, synthesise_organisations
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
from assessment.reports import peer_benchmark
from assessment.reports.gaps import cycle_gap_report
from assessment.reports.peer_benchmark import clear_figures_cache, cycle_benchmark, figures_of
from assessment.reports.scores import score_cycle
from assessment.services.benchmarks.peers import PeerFigures
from assessment.services.benchmarks.peers import peer_benchmark as placed_among_peers
from assessment.services.content.definitions import NOT_APPLICABLE, ROLES
from assessment.services.output.json_shapes import gaps_json
from assessment.services.scoring.single import SCORING_VERSION
from tests.conftest import reset_database


def _organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation).where(Organisation.slug.like("synth-%")).order_by(Organisation.id)
        )
    )


def test_synth_organisations_adds_five_executives_and_closed_quarters_to_each(app, runner):
    result = runner.invoke(args=["synth", "--organisations", "3", "--cycles", "2", "--seed", "4"])
    assert result.exit_code == 0, result.output
    quarters = [q.id for q in quarters_before(dt.date.today(), 2)]
    assert (
        f"Added 3 organisations (synth-0001 to synth-0003), 15 executives and 30 responses "
        f"in cycles {quarters[0]} to {quarters[1]}." in result.output
    )
    with app.app_context():
        facts = sum(not f.retired for f in catalogue().facts.values())
        organisations = _organisations()
        assert [o.slug for o in organisations] == ["synth-0001", "synth-0002", "synth-0003"]
        for organisation in organisations:
            assert organisation.industry and organisation.size
            with tenancy.acting_for(organisation.id):
                people = list(db.session.scalars(select(Person)))
                assert sorted(p.role or "" for p in people) == sorted(ROLES)
                cycles = list(db.session.scalars(select(Cycle).order_by(Cycle.opens)))
                assert [c.id for c in cycles] == quarters
                assert {c.status for c in cycles} == {CycleStatus.CLOSED}
                assert all(c.closes < dt.date.today() for c in cycles)
                for cycle in cycles:
                    assert sorted(p.role for p in cycle.pinned) == sorted(ROLES)
                responses = list(db.session.scalars(select(Response)))
                assert Counter((r.cycle_id, r.status) for r in responses) == {
                    (q, ResponseStatus.SUBMITTED): len(ROLES) for q in quarters
                }
                assert db.session.scalar(select(func.count(Answer.id))) > 50 * len(responses)
                assert db.session.scalar(select(func.count(FactValue.id))) == (
                    facts * len(quarters)
                )


def test_synth_organisations_keeps_each_organisations_rows_its_own(app, runner):
    assert runner.invoke(args=["synth", "--organisations", "2", "--cycles", "1"]).exit_code == 0
    again = runner.invoke(args=["synth", "--organisations", "2", "--cycles", "1"])
    assert again.exit_code == 0, again.output
    assert "(synth-0003 to synth-0004)" in again.output  # numbering goes on
    with app.app_context():
        organisations = _organisations()
        assert len(organisations) == 4
        with tenancy.across_organisations():  # the test looks at every organisation's rows
            person_org = dict(db.session.execute(select(Person.id, Person.organisation_id)).all())
            response_org = dict(
                db.session.execute(select(Response.id, Response.organisation_id)).all()
            )
            for response in db.session.scalars(select(Response)):
                assert person_org[response.person_id] == response.organisation_id
            for response_id, organisation_id in db.session.execute(
                select(Answer.response_id, Answer.organisation_id)
            ):
                assert response_org[response_id] == organisation_id
            for entered_by, organisation_id in db.session.execute(
                select(FactValue.entered_by_id, FactValue.organisation_id)
            ):
                assert person_org[entered_by] == organisation_id
            pins = db.session.scalar(select(func.count(CycleQuestionnaire.role)))
            assert pins == 4 * len(ROLES)
        emails = set()
        for organisation in organisations:
            with tenancy.acting_for(organisation.id):
                mine = set(db.session.scalars(select(Person.email)))
                assert len(mine) == len(ROLES)
                assert all(e.endswith(f"@{organisation.slug}.example.com") for e in mine)
                emails |= mine
        assert len(emails) == 4 * len(ROLES)
        # The installation's first organisation got none of it.
        assert db.session.scalar(select(func.count(Person.id))) == 0


def _answers_by_slug() -> set[tuple[Any, ...]]:
    with tenancy.across_organisations():  # the test compares every organisation's answers
        rows = db.session.execute(
            select(Organisation.slug, Person.role, Response.cycle_id, Answer.item_id, Answer.value)
            .join(Response, Response.id == Answer.response_id)
            .join(Person, Person.id == Response.person_id)
            .join(Organisation, Organisation.id == Response.organisation_id)
        ).all()
    return {tuple(row[:4]) + (repr(row[4]),) for row in rows}


def test_synth_organisations_is_deterministic_for_a_seed(app):
    with app.app_context():
        synthesise_organisations(3, 1, seed=9)
        db.session.commit()
        first = _answers_by_slug()
        industries = [(o.slug, o.industry, o.size, o.benchmark_opt_in) for o in _organisations()]
        db.session.remove()  # its reads hold locks the drop would wait for
        reset_database()
        db.create_all()
        db.session.add(Organisation(slug="default", name="Default", settings={}))
        db.session.commit()
        synthesise_organisations(3, 1, seed=9)
        db.session.commit()
        assert _answers_by_slug() == first
        assert [(o.slug, o.industry, o.size, o.benchmark_opt_in) for o in _organisations()] == (
            industries
        )
        synthesise_organisations(1, 1, seed=10)
        db.session.commit()
        assert _answers_by_slug() != first


@pytest.mark.parametrize(
    ("today", "count", "expected"),
    [
        (dt.date(2026, 1, 15), 2, [("2025-Q3", "2025-07-01"), ("2025-Q4", "2025-10-01")]),
        (dt.date(2026, 3, 31), 1, [("2025-Q4", "2025-10-01")]),
        (dt.date(2026, 4, 1), 1, [("2026-Q1", "2026-01-01")]),
    ],
    ids=["across-a-year", "last-day-of-a-quarter", "first-day-of-a-quarter"],
)
def test_quarters_before_are_the_completed_quarters_oldest_first(today, count, expected):
    found = quarters_before(today, count)
    assert [(q.id, q.opens.isoformat()) for q in found] == expected
    assert all(q.closes == q.opens + dt.timedelta(days=60) < today for q in found)


def test_synth_refuses_people_with_organisations(runner):
    result = runner.invoke(args=["synth", "--organisations", "2", "--people", "10"])
    assert result.exit_code == 2
    assert "--people sizes one organisation" in result.output


# ---------------------------------------------------------------- the fast benchmark


_COMPARABLE = (CycleStatus.CLOSED, CycleStatus.FROZEN)


def _reference(cycle_id: str, organisation_id: int, minimum: int) -> Any:
    """The benchmark computed organisation by organisation, as its first version did."""
    with tenancy.across_organisations():  # the reference reads its peers one by one
        own = db.session.get(Organisation, organisation_id)
        candidates = db.session.execute(
            select(Organisation.id, Organisation.industry)
            .join(Cycle, Cycle.organisation_id == Organisation.id)
            .where(
                Organisation.benchmark_opt_in.is_(True),
                Organisation.id != organisation_id,
                Cycle.id == cycle_id,
                Cycle.status.in_(_COMPARABLE),
            )
            .order_by(Organisation.id)
        ).all()
    peers: list[PeerFigures] = []
    for peer_id, industry in candidates:
        with tenancy.acting_for(peer_id):
            peers.append(figures_of(db.session.get(Cycle, (peer_id, cycle_id)), industry))
    with tenancy.acting_for(organisation_id):
        mine = figures_of(db.session.get(Cycle, (organisation_id, cycle_id)), own.industry)
    return placed_among_peers(
        mine.domains,
        peers,
        minimum=minimum,
        own_industry=own.industry,
        own_beliefs=mine.beliefs,
    )


@pytest.fixture
def peers(app) -> tuple[str, list[int]]:
    """Seven synthetic organisations with the awkward cases a benchmark meets: one not opted
    in, one whose cycle is frozen, one whose cycle is open with a draft, one with a fact
    answered "not applicable" and one with a corrected fact, and two industries."""
    with app.app_context():
        added = synthesise_organisations(7, 2, seed=3)
        db.session.commit()
        cycle_id = added.cycle_ids[-1]
        ids = [o.id for o in _organisations()]
        for k, organisation in enumerate(_organisations()):
            organisation.industry = "Finance" if k % 2 else "Retail"
            organisation.benchmark_opt_in = k != 1
        db.session.commit()
        with tenancy.acting_for(ids[2]):
            cycle = db.session.get(Cycle, (ids[2], cycle_id))
            actions.cycles.change_status(SYSTEM, cycle, "freeze")
            db.session.commit()
        with tenancy.acting_for(ids[3]):
            db.session.execute(
                update(Response)
                .where(Response.cycle_id == cycle_id)
                .where(
                    Response.id
                    == select(func.min(Response.id))
                    .where(Response.cycle_id == cycle_id)
                    .scalar_subquery()
                )
                .values(status=ResponseStatus.DRAFT)
            )
            db.session.get(Cycle, (ids[3], cycle_id)).status = CycleStatus.OPEN
            db.session.commit()
            drafts = select(func.count(Response.id)).where(Response.status == ResponseStatus.DRAFT)
            assert db.session.scalar(drafts) == 1
        facts = sorted(f.id for f in catalogue().facts.values() if not f.retired)
        for organisation_id, category in ((ids[4], NOT_APPLICABLE), (ids[5], None)):
            with tenancy.acting_for(organisation_id):
                first = db.session.scalar(
                    select(FactValue).where(
                        FactValue.cycle_id == cycle_id, FactValue.fact_id == facts[0]
                    )
                )
                fact = catalogue().facts[facts[0]]
                replaced = category or fact.category_ids[-1]
                db.session.add(
                    FactValue(
                        cycle_id=cycle_id,
                        fact_id=first.fact_id,
                        revision=2,
                        value=replaced,
                        category=replaced,
                        as_of=first.as_of,
                        evidence="corrected",
                        entered_by_id=first.entered_by_id,
                    )
                )
                db.session.commit()
    return cycle_id, ids


@pytest.mark.parametrize("minimum", [1, 3, 5, 7], ids=["min1", "min3", "min5", "min7"])
def test_cycle_benchmark_equals_scoring_each_organisation_alone(app, peers, minimum):
    cycle_id, ids = peers
    with app.app_context():
        results = []
        for organisation_id in ids:
            with tenancy.acting_for(organisation_id):
                cycle = db.session.get(Cycle, (organisation_id, cycle_id))
                clear_figures_cache()
                fast = cycle_benchmark(cycle, minimum=minimum)
                again = cycle_benchmark(cycle, minimum=minimum)  # from the cached figures
            assert fast == again == _reference(cycle_id, organisation_id, minimum), organisation_id
            results.append(fast)
    shown = [b for b in results if not b.suppressed]
    if minimum <= 3:  # seven organisations, six opted in: figures are shown, by industry too
        assert len(shown) == len(ids)
        assert all(b.domains and b.optimistic_share for b in shown)
        assert {b.industry for b in shown} >= {"Retail"}
    else:
        assert (minimum == 5) == bool(shown)


def _correct_a_fact(organisation_id: int, cycle_id: str) -> None:
    """A new revision of a fact the organisation's executives hold beliefs about."""
    with tenancy.acting_for(organisation_id):
        for fact in sorted(catalogue().facts.values(), key=lambda f: f.id):
            entry = db.session.scalar(
                select(FactValue)
                .where(FactValue.cycle_id == cycle_id, FactValue.fact_id == fact.id)
                .order_by(FactValue.revision.desc())
                .limit(1)
            )
            if entry is None or fact.retired:
                continue
            other = next(c for c in fact.category_ids if c != entry.category)
            db.session.add(
                FactValue(
                    cycle_id=cycle_id,
                    fact_id=fact.id,
                    revision=entry.revision + 1,
                    value=other,
                    category=other,
                    as_of=entry.as_of,
                    evidence="corrected",
                    entered_by_id=entry.entered_by_id,
                )
            )
        db.session.commit()


def test_cycle_benchmark_follows_corrections_and_submissions(app, peers):
    """Figures are reused only while the rows they came from are unchanged: a peer's fact
    correction and the asking organisation's own late submission show at once."""
    cycle_id, ids = peers
    asking = ids[3]  # its cycle is open, with one response still a draft
    with app.app_context():
        with tenancy.acting_for(asking):
            cycle = db.session.get(Cycle, (asking, cycle_id))
            before = cycle_benchmark(cycle, minimum=1)
        for peer in ids[4:]:
            _correct_a_fact(peer, cycle_id)
        with tenancy.acting_for(asking):
            corrected = cycle_benchmark(db.session.get(Cycle, (asking, cycle_id)), minimum=1)
        assert corrected == _reference(cycle_id, asking, 1) != before
        with tenancy.acting_for(asking):
            draft = db.session.scalar(select(Response).where(Response.status == "draft"))
            draft.status = ResponseStatus.SUBMITTED
            db.session.commit()
            submitted = cycle_benchmark(db.session.get(Cycle, (asking, cycle_id)), minimum=1)
        assert submitted == _reference(cycle_id, asking, 1) != corrected


def test_organisations_figures_equal_each_organisations_own(app, peers):
    cycle_id, ids = peers
    with app.app_context():
        with tenancy.across_organisations():  # what the benchmark reads, for every one
            statuses = dict(
                db.session.execute(
                    select(Cycle.organisation_id, Cycle.status).where(Cycle.id == cycle_id)
                ).all()
            )
            together = peer_benchmark.organisations_figures(cycle_id, statuses)
        assert sorted(together) == sorted(ids) and statuses[ids[2]] == CycleStatus.FROZEN
        for organisation_id in ids:
            with tenancy.acting_for(organisation_id):
                alone = figures_of(db.session.get(Cycle, (organisation_id, cycle_id)), None)
            domains, beliefs = together[organisation_id]
            assert (domains, beliefs) == (alone.domains, alone.beliefs)
            assert beliefs is not None and beliefs.comparable > 0
            assert any(v is not None for v in domains.values())


def test_cycle_benchmark_reads_report_versions_of_the_first_format(app, peers):
    """A cycle frozen before the packed columns stored an object per person and per pair;
    such a report version (here a newer one, with a peer's fact since corrected) counts as
    stored, not as computed afresh."""
    cycle_id, ids = peers
    frozen = ids[2]
    with app.app_context():
        with tenancy.acting_for(frozen):
            payload = {
                "scores": [dataclasses.asdict(s) for s in score_cycle(cycle_id)],
                "gaps": gaps_json(cycle_gap_report(cycle_id)),
            }
            queries.add_snapshot(db.session, cycle_id, SCORING_VERSION, payload, None)
            db.session.commit()
        _correct_a_fact(frozen, cycle_id)  # after freezing: the stored pairs still count
        for organisation_id in ids:
            with tenancy.acting_for(organisation_id):
                cycle = db.session.get(Cycle, (organisation_id, cycle_id))
                fast = cycle_benchmark(cycle, minimum=1)
            assert fast == _reference(cycle_id, organisation_id, 1), organisation_id
