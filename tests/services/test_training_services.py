"""Training needs, planning, calendar files and the training effect, from plain tables."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from scipy.stats import mannwhitneyu

from assessment import ROOT
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.output.calendar import SessionEvent, feed_ics, invitation_ics
from assessment.services.training.effect import training_effect
from assessment.services.training.needs import (
    Need,
    PersonLevels,
    completion_by_role,
    training_needs,
    unserved,
)
from assessment.services.trends.paired_change import PersonScores

CATALOGUE = load_catalogue(ROOT / "questionnaires")
BERLIN = ZoneInfo("Europe/Berlin")


def test_needs_from_a_table_of_levels():
    people = [
        PersonLevels("ceo@x", "Casey", "ceo", {"D1": "L1", "D2": "L3", "D3": "L2", "D4": None}),
        PersonLevels("hr@x", "Harper", "hr", {"D5": "L4", "D8": "L2"}),
    ]
    needs = training_needs(CATALOGUE.rubric, CATALOGUE.training, people, below="L3")
    assert [(n.name, n.domain, n.level) for n in needs] == [
        ("Casey", "D1", "L1"),
        ("Casey", "D3", "L2"),
        ("Harper", "D8", "L2"),
    ]
    for need in needs:
        assert need.modules, need
        for module_id in need.modules:
            module = CATALOGUE.training[module_id]
            assert need.domain in module.domains and need.level in module.levels
            assert need.role in module.audience
    assert training_needs(CATALOGUE.rubric, CATALOGUE.training, people, below="L2") == [
        Need("ceo@x", "Casey", "ceo", "D1", "L1", needs[0].modules)
    ]


def test_unserved_and_completion():
    needs = [
        Need("a@x", "A", "ceo", "D1", "L1", ("m1",)),
        Need("b@x", "B", "cio", "D3", "L2", ("m2", "m3")),
    ]
    assert unserved(needs, {("a@x", "m1")}) == [needs[1]]
    assert unserved(needs, {("a@x", "m1"), ("b@x", "m3")}) == []
    assert unserved(needs, {("b@x", "m1"), ("a@x", "m2")}) == needs  # someone else's module
    completion = completion_by_role(needs, {("b@x", "m3")})
    assert [(r.role, r.needs, r.completed, r.share) for r in completion] == [
        ("ceo", 1, 0, 0.0),
        ("cio", 1, 1, 1.0),
    ]


def event(start: dt.datetime, sequence: int = 0, cancelled: bool = False) -> SessionEvent:
    return SessionEvent(
        uid="training-1@assessment",
        sequence=sequence,
        summary="Ransomware tabletop",
        description="Decide before the crisis.",
        location="Room 4 / https://meet.example/x",
        start=start,
        duration_minutes=90,
        organizer=("committee@example.com", "Committee"),
        attendees=(("ceo@example.com", "Casey Chief"), ("cio@example.com", "Chris Info")),
        cancelled=cancelled,
    )


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    return calendar, calendar.events[0]


def test_invitation_is_parsed_back_field_by_field():
    start = dt.datetime(2026, 6, 10, 14, 30, tzinfo=BERLIN)
    calendar, ev = parse(invitation_ics(event(start), dt.datetime(2026, 6, 1, tzinfo=dt.UTC)))
    assert calendar["METHOD"] == "REQUEST" and calendar["VERSION"] == "2.0"
    assert str(ev["UID"]) == "training-1@assessment"
    assert ev["SEQUENCE"] == 0
    assert ev.start == start and ev.end == start + dt.timedelta(minutes=90)
    assert ev.start.tzinfo.key == "Europe/Berlin"
    assert str(ev["SUMMARY"]) == "Ransomware tabletop"
    assert str(ev["LOCATION"]) == "Room 4 / https://meet.example/x"
    assert str(ev["STATUS"]) == "CONFIRMED"
    assert str(ev["ORGANIZER"]) == "mailto:committee@example.com"
    attendees = ev["ATTENDEE"]
    assert [str(a) for a in attendees] == ["mailto:ceo@example.com", "mailto:cio@example.com"]
    assert attendees[0].params["CN"] == "Casey Chief"
    assert any(
        c.name == "VTIMEZONE" and str(c["TZID"]) == "Europe/Berlin" for c in calendar.subcomponents
    )


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        ((2026, 3, 28, 10, 0), (2026, 3, 28, 9, 0)),  # winter time, UTC+1
        ((2026, 3, 30, 10, 0), (2026, 3, 30, 8, 0)),  # summer time from 29 March, UTC+2
        ((2026, 10, 26, 10, 0), (2026, 10, 26, 9, 0)),
    ],  # back to winter time on 25 October
    ids=["before-spring-change", "after-spring-change", "after-autumn-change"],
)
def test_berlin_session_has_the_right_utc_time_across_daylight_saving(local, utc):
    start = dt.datetime(*local, tzinfo=BERLIN)
    _, ev = parse(invitation_ics(event(start), dt.datetime(2026, 3, 1, tzinfo=dt.UTC)))
    assert ev.start.astimezone(dt.UTC) == dt.datetime(*utc, tzinfo=dt.UTC)


def test_update_and_cancel_keep_the_uid_and_raise_the_sequence():
    start = dt.datetime(2026, 6, 10, 14, 30, tzinfo=BERLIN)
    stamp = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    _, first = parse(invitation_ics(event(start, 0), stamp))
    calendar, moved = parse(invitation_ics(event(start + dt.timedelta(days=1), 1), stamp))
    cancel_calendar, cancelled = parse(invitation_ics(event(start, 2, cancelled=True), stamp))
    assert calendar["METHOD"] == "REQUEST" and cancel_calendar["METHOD"] == "CANCEL"
    assert str(first["UID"]) == str(moved["UID"]) == str(cancelled["UID"])
    assert (first["SEQUENCE"], moved["SEQUENCE"], cancelled["SEQUENCE"]) == (0, 1, 2)
    assert str(cancelled["STATUS"]) == "CANCELLED"


def test_feed_holds_several_events_for_import():
    stamp = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
    start = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
    calendar = Calendar.from_ical(feed_ics([event(start), event(start, 3)], stamp))
    assert calendar["METHOD"] == "PUBLISH" and len(calendar.events) == 2


def scores(values: dict[str, float]) -> list[PersonScores]:
    return [PersonScores(email, "ceo", v, {"D1": v}) for email, v in values.items()]


def test_training_effect_against_scipy_and_small_groups():
    before = scores({f"p{k}": 40.0 for k in range(8)})
    after = scores({"p0": 70, "p1": 65, "p2": 60, "p3": 75, "p4": 45, "p5": 42, "p6": 38, "p7": 50})
    trained = {"p0": {"D1"}, "p1": {"D1"}, "p2": {"D1"}, "p3": {"D1"}}
    row = training_effect(before, after, trained, ["D1"])[0]
    assert (row.trained, row.untrained) == (4, 4)
    assert row.trained_change == pytest.approx(27.5) and row.untrained_change == pytest.approx(3.75)
    assert row.p == pytest.approx(mannwhitneyu([30, 25, 20, 35], [5, 2, -2, 10]).pvalue)
    assert "unlikely to be chance" in row.verdict
    small = training_effect(before[:5], after[:5], trained, ["D1"])[0]
    assert small.p is None and small.difference is None  # one untrained person: suppressed
    assert "the change is not shown" in small.verdict
    three = training_effect(before[:7], after[:7], trained, ["D1"])[0]  # 4 trained, 3 not
    assert three.p is None and "no test can separate this from noise" in three.verdict
    nobody = training_effect(before, after, {}, ["D1"])[0]
    assert nobody.verdict.startswith("Nobody completed training")
