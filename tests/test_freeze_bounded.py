"""Freezing a cycle stores every person's scores and every belief–fact pair as packed columns.

What is read back from a frozen cycle must equal what the earlier format (one JSON object per
person and per pair) gave and what the live computation gives; and freezing must never hold
every pair or every scored person as objects at once.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import weakref
from typing import Any

import numpy as np
import pytest
from sqlalchemy import delete

from assessment import actions, queries
from assessment.actions.actor import SYSTEM
from assessment.actions.training_sessions import SessionPlan
from assessment.catalogue import catalogue
from assessment.cli.synthetic_org import synthesise
from assessment.extensions import db
from assessment.models import Cycle, FactValue, ReportSnapshot
from assessment.reports import frozen, snapshots
from assessment.reports.committee import open_actions
from assessment.reports.gaps import cycle_gap_report, gap_report_of, optimism_index_of
from assessment.reports.scores import score_cycle, scores_of
from assessment.reports.training_needs import needs_of, training_status
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.gaps.analysis import PairRows, analyse_belief_table
from assessment.services.gaps.report import GapReport, Pair
from assessment.services.gaps.wording import headline
from assessment.services.output import json_shapes
from assessment.services.output.json_shapes import gaps_json
from assessment.services.output.snapshot_columns import FORMAT, pack, unpack
from assessment.services.scoring.people import ScoredPeople, ScoredPerson
from tests.conftest import add_user

PEOPLE = 40
DROPPED_FACT_INDEX = 0  # one fact left unreported: its beliefs are pending, not pairs


def _cycle_to_freeze(app: Any) -> str:
    """A closed synthetic cycle with one fact unreported, a completed training, one
    executive who has not answered and one deactivated who has not either."""
    with app.app_context():
        cycle_id = synthesise(PEOPLE, 1, seed=11)[0]
        dropped = sorted(catalogue().facts)[DROPPED_FACT_INDEX]
        db.session.execute(
            delete(FactValue).where(FactValue.cycle_id == cycle_id, FactValue.fact_id == dropped)
        )
        db.session.commit()
        need = next(n for n in needs_of(score_cycle(cycle_id)) if n.modules)
        plan = SessionPlan(
            need.modules[0], dt.date(2030, 1, 7), dt.time(9), "UTC", 60, "Room 1", 10, "Ann"
        )
        training = actions.training_sessions.schedule(SYSTEM, plan)
        person = queries.find_person_by_email(db.session, need.email)
        assert person is not None
        actions.training_sessions.assign(SYSTEM, training, emails=[need.email])
        actions.training_sessions.record_attendance(SYSTEM, training, {person.id}, {person.id})
        db.session.commit()
    add_user(app, "late@example.com", role="cio", name="Zoë Late <b>")
    add_user(app, "gone@example.com", role="cio", name="Gone Person", active=False)
    return cycle_id


def _format1_payload(cycle: Cycle) -> dict[str, Any]:
    """What freezing stored before the packed columns, computed the way it was then."""
    report = cycle_gap_report(cycle.id)
    fresh = score_cycle(cycle.id)
    payload = {
        "scores": [dataclasses.asdict(s) for s in fresh],
        "gaps": gaps_json(report),
        "headline": headline(report, catalogue().facts, ROLE_LABELS),
        "optimism_index": report.overall.optimism_index,
        "training": dataclasses.asdict(training_status(cycle, fresh)),
        "actions": open_actions(cycle, report),
    }
    loaded: dict[str, Any] = json.loads(json.dumps(payload))  # as the JSON column returns it
    return loaded


def _freeze(cycle_id: str) -> Cycle:
    cycle = queries.get_cycle(db.session, cycle_id)
    assert cycle is not None
    actions.cycles.change_status(SYSTEM, cycle, "freeze")
    db.session.commit()
    db.session.expire_all()
    found = queries.get_cycle(db.session, cycle_id)
    assert found is not None and found.is_frozen
    return found


def _report_fields(report: GapReport) -> dict[str, Any]:
    """Everything a gap report says, with its lazy parts as plain values."""
    return {
        "pairs": list(report.pairs),
        "by_role": report.by_role,
        "by_person": dict(report.by_person),
        "by_domain": report.by_domain,
        "by_fact": report.by_fact,
        "facts": report.facts,
        "blind_spots": report.blind_spots,
        "overall": report.overall,
    }


def test_freeze_bounded_results_equal_the_earlier_format_and_the_live_computation(app):
    cycle_id = _cycle_to_freeze(app)
    with app.app_context():
        cycle = queries.get_cycle(db.session, cycle_id)
        assert cycle is not None
        before = _format1_payload(cycle)
        live = cycle_gap_report(cycle_id)
        live_scores = [dataclasses.asdict(s) for s in score_cycle(cycle_id)]
        cycle = _freeze(cycle_id)
        snapshot = queries.latest_snapshot(db.session, cycle_id)
        assert snapshot is not None
        payload = snapshot.payload
        assert payload["format"] == FORMAT
        for key in ("headline", "optimism_index", "training", "actions"):
            assert payload[key] == before[key], key
        assert "Not yet submitted: Zoë Late <b>." in payload["actions"]
        assert "Gone Person" not in " ".join(payload["actions"])
        assert before["training"]["rows"] and any(row[2] for row in before["training"]["rows"])

        stored = [dataclasses.asdict(s) for s in scores_of(cycle)]
        assert stored == before["scores"] == live_scores
        assert len(stored) == PEOPLE
        report = gap_report_of(cycle)
        assert gaps_json(report) == before["gaps"]
        assert json.loads(json.dumps(gaps_json(live))) == before["gaps"]
        assert len(report.pairs) > 0 and len(live.pending) > 0 and len(report.pending) == 0
        assert optimism_index_of(cycle) == live.overall.optimism_index
        # kappa, optimism and every group's summary, as the live report has them
        assert _report_fields(report) == _report_fields(live)

        # The same frozen cycle as the earlier format stored it reads back identically.
        old = ReportSnapshot(cycle_id=cycle_id, version=0, scoring_version="x", payload=before)
        assert [dataclasses.asdict(s) for s in frozen.stored_scores(old)] == stored
        table, actual = frozen.stored_pairs(old)
        earlier = analyse_belief_table(table, catalogue().facts, actual)
        assert _report_fields(earlier) == _report_fields(report)


def test_freeze_bounded_reads_a_report_version_of_the_earlier_format(app):
    cycle_id = _cycle_to_freeze(app)
    with app.app_context():
        cycle = queries.get_cycle(db.session, cycle_id)
        assert cycle is not None
        before = _format1_payload(cycle)
        cycle = _freeze(cycle_id)
        packed = (
            [dataclasses.asdict(s) for s in scores_of(cycle)],
            gaps_json(gap_report_of(cycle)),
        )
        # a report version written before the packed columns, now the latest
        queries.add_snapshot(db.session, cycle_id, "old", before, None)
        db.session.commit()
        db.session.expire_all()
        assert queries.latest_snapshot(db.session, cycle_id).payload.get("format") is None
        cycle = queries.get_cycle(db.session, cycle_id)
        assert isinstance(scores_of(cycle), list)
        assert (
            [dataclasses.asdict(s) for s in scores_of(cycle)],
            gaps_json(gap_report_of(cycle)),
        ) == packed


def test_freeze_bounded_never_holds_every_pair_or_person(app, monkeypatch):
    cycle_id = _cycle_to_freeze(app)
    alive = {"pair": 0, "person": 0}
    most = {"pair": 0, "person": 0}
    built = {"pair": 0, "person": 0}
    needs_asked: list[int] = []

    def gone(kind: str) -> None:
        alive[kind] -= 1

    def spying(kind: str, build: Any) -> Any:
        def spy(self: Any, *values: Any) -> Any:
            made = build(self, *values)
            alive[kind] += 1
            weakref.finalize(made, gone, kind)
            built[kind] += 1
            most[kind] = max(most[kind], alive[kind])
            return made

        return spy

    def no_pair_objects(report: GapReport) -> dict[str, Any]:
        raise AssertionError("freezing must not turn every pair into a JSON object")

    real_asdict, real_needs_of = dataclasses.asdict, snapshots.needs_of

    def asdict(value: Any) -> Any:
        assert not isinstance(value, ScoredPerson | Pair), "one dict per person or pair"
        return real_asdict(value)

    def needs_of(people: Any) -> Any:
        chunk = list(people)
        needs_asked.append(len(chunk))
        return real_needs_of(chunk)

    monkeypatch.setattr(PairRows, "_build", spying("pair", PairRows._build))
    monkeypatch.setattr(ScoredPeople, "_build", spying("person", ScoredPeople._build))
    monkeypatch.setattr(json_shapes, "gaps_json", no_pair_objects)
    monkeypatch.setattr(snapshots, "gaps_json", no_pair_objects, raising=False)
    monkeypatch.setattr(dataclasses, "asdict", asdict)
    monkeypatch.setattr(snapshots, "needs_of", needs_of)
    monkeypatch.setattr(snapshots, "CHUNK", 4)  # people whose needs are worked out at once
    with app.app_context():
        _freeze(cycle_id)
        snapshot = queries.latest_snapshot(db.session, cycle_id)
        assert snapshot is not None
        pairs, scores = snapshot.payload["gaps"]["pairs"], snapshot.payload["scores"]
    stored_pairs = len(unpack(pairs["person"]))
    assert stored_pairs > PEOPLE  # several pairs a person, all in one column
    # Pairs were built one at a time and walked at most once (for the headline), never kept.
    assert most["pair"] <= 2 and built["pair"] <= stored_pairs
    # Every person was built once, for the training needs, a chunk at a time.
    assert built["person"] == PEOPLE and most["person"] <= 2 * 4 + 1
    assert sum(needs_asked) == PEOPLE and max(needs_asked) == 4
    for column in ("person", "item", "fact", "belief"):
        assert set(pairs[column]) == {"dtype", "shape", "data"}
    assert unpack(scores["domain_scores"]).shape == (PEOPLE, len(scores["domains"]))


def test_freeze_bounded_training_counts_equal_training_status(app, monkeypatch):
    cycle_id = _cycle_to_freeze(app)
    monkeypatch.setattr(snapshots, "CHUNK", 3)
    with app.app_context():
        cycle = queries.get_cycle(db.session, cycle_id)
        scored = score_cycle(cycle_id)
        assert snapshots.training_counts(scored) == training_status(cycle, scored)


def test_freeze_bounded_not_submitted_follows_the_executives_rule(app):
    cycle_id = _cycle_to_freeze(app)
    add_user(app, "legal@example.com", role="legal", name="Al Legal")
    add_user(app, "nobody@example.com", name="No Role")
    with app.app_context():
        cycle = queries.get_cycle(db.session, cycle_id)
        assert cycle is not None
        submitted = queries.submitted_emails(db.session, cycle_id)
        expected = [
            p.name
            for p in queries.executives(db.session)
            if cycle.pinned_for(p.role or "") and p.email not in submitted
        ]
        roles = [pin.role for pin in cycle.pinned]
        assert queries.executives_not_submitted(db.session, cycle_id, roles) == expected
        assert expected == ["Zoë Late <b>", "Al Legal"]  # role order (CIO before legal)
        assert queries.executives_not_submitted(db.session, cycle_id, ["legal"]) == ["Al Legal"]


@pytest.mark.parametrize(
    "values",
    [
        np.array([0.1, np.nan, -0.0, 1e308, 5e-324]),
        np.array([[1, -1, 127], [-128, 0, 3]], dtype=np.int8),
        np.arange(70_000, dtype=np.int32),
        np.zeros((0, 9)),
        np.array([1.5, 2.5], dtype=">f8"),  # big-endian input is stored little-endian
    ],
    ids=["floats", "levels", "codes", "empty", "big-endian"],
)
def test_freeze_bounded_packed_columns_round_trip_bit_for_bit(values):
    packed = json.loads(json.dumps(pack(values)))
    back = unpack(packed)
    assert back.shape == values.shape and back.dtype == values.dtype.newbyteorder("<")
    assert back.tobytes() == values.astype(back.dtype).tobytes()


@pytest.mark.parametrize("dtype", ["<i8", "<U4", "|O"], ids=["int64", "text", "objects"])
def test_freeze_bounded_packed_columns_refuse_other_types(dtype):
    with pytest.raises(ValueError):
        unpack({"dtype": dtype, "shape": [0], "data": ""})
