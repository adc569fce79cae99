"""The time-zone list of the session form, and the session page's next step, from plain values."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo, available_timezones

import pytest

from assessment.services.training.steps import NextStep, next_step
from assessment.services.training.timezones import (
    city_of,
    utc_offset,
    zone_groups,
    zone_label,
)

WINTER = dt.date(2027, 1, 20)
SUMMER = dt.date(2027, 7, 20)


def options(groups):
    return {o.name: o.label for g in groups for o in g.options}


def expected_offset(name: str, day: dt.date) -> str:
    """The offset straight from zoneinfo, in the list's notation."""
    offset = dt.datetime.combine(day, dt.time(12), ZoneInfo(name)).utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    return f"UTC{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (WINTER, "Berlin (Europe/Berlin, UTC+01:00)"),
        (SUMMER, "Berlin (Europe/Berlin, UTC+02:00)"),
    ],
    ids=["winter", "summer"],
)
def test_berlin_is_labelled_with_its_city_and_the_offset_of_the_day(day, label):
    labels = options(zone_groups(available_timezones(), day))
    assert labels["Europe/Berlin"] == label
    assert label.endswith(f"{expected_offset('Europe/Berlin', day)})")


@pytest.mark.parametrize(
    ("name", "day", "offset"),
    [
        ("America/New_York", WINTER, "UTC-05:00"),
        ("America/New_York", SUMMER, "UTC-04:00"),
        ("Australia/Sydney", WINTER, "UTC+11:00"),  # southern summer
        ("Australia/Sydney", SUMMER, "UTC+10:00"),
        ("Asia/Kolkata", WINTER, "UTC+05:30"),
        ("America/St_Johns", WINTER, "UTC-03:30"),
        ("Asia/Kathmandu", SUMMER, "UTC+05:45"),
        ("UTC", SUMMER, "UTC+00:00"),
    ],
    ids=lambda v: str(v),
)
def test_offsets_agree_with_zoneinfo(name, day, offset):
    assert utc_offset(name, day) == offset == expected_offset(name, day)


def test_every_offered_offset_agrees_with_zoneinfo_winter_and_summer():
    for day in (WINTER, SUMMER):
        for name, label in options(zone_groups(available_timezones(), day)).items():
            assert label.endswith(f"{expected_offset(name, day)})"), (name, label)


def test_groups_are_sorted_by_region_then_city_with_utc_first():
    groups = zone_groups(available_timezones(), WINTER)
    assert groups[0].region == "Universal time"
    assert [o.name for o in groups[0].options] == ["UTC"]
    regions = [g.region for g in groups[1:]]
    assert regions == sorted(regions) and "Europe" in regions and "Americas" in regions
    for group in groups[1:]:
        cities = [city_of(o.name).casefold() for o in group.options]
        assert cities == sorted(cities), group.region


def test_only_city_zones_are_offered_each_once():
    groups = zone_groups(available_timezones(), WINTER)
    names = [o.name for g in groups for o in g.options]
    assert len(names) == len(set(names))
    for alias in ("CET", "EST5EDT", "US/Eastern", "Etc/GMT+5", "GB", "Factory", "localtime"):
        assert alias not in names
    assert set(names) <= available_timezones()


def test_a_stored_zone_outside_the_regions_is_kept_in_other():
    groups = zone_groups(available_timezones(), WINTER, keep="CET")
    assert groups[-1].region == "Other"
    assert [(o.name, o.label) for o in groups[-1].options] == [("CET", "CET (UTC+01:00)")]


@pytest.mark.parametrize("keep", ["Berlin", "{{7*7}}", "Europe/Berlin\x00", "", None])
def test_an_unknown_or_already_offered_zone_adds_nothing(keep):
    plain = zone_groups(available_timezones(), WINTER)
    assert zone_groups(available_timezones(), WINTER, keep=keep) == plain
    assert zone_groups(available_timezones(), WINTER, keep="Europe/Berlin") == plain


@pytest.mark.parametrize(
    ("name", "city"),
    [
        ("Europe/Berlin", "Berlin"),
        ("America/Argentina/Buenos_Aires", "Buenos Aires (Argentina)"),
        ("America/Indiana/Indianapolis", "Indianapolis (Indiana)"),
        ("Pacific/Port_Moresby", "Port Moresby"),
    ],
)
def test_city_names_read_as_places(name, city):
    assert city_of(name) == city
    assert zone_label(name, WINTER).startswith(f"{city} ({name}, UTC")


NOW = dt.datetime(2027, 1, 1, 12, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(days=3)
EARLIER = NOW - dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("scheduled", "assigned", "not_invited", "starts_at", "step"),
    [
        (True, 0, 0, LATER, NextStep.ASSIGN),
        (True, 0, 0, EARLIER, NextStep.ASSIGN),  # nothing to record without people
        (True, 3, 2, LATER, NextStep.INVITE),
        (True, 3, 0, LATER, NextStep.WAIT),
        (True, 3, 2, EARLIER, NextStep.RECORD),  # invitations are pointless by now
        (True, 3, 0, NOW, NextStep.RECORD),  # started this very moment
        (False, 3, 1, LATER, NextStep.NONE),
    ],
    ids=["empty", "empty-past", "invite", "wait", "record", "starting", "cancelled"],
)
def test_next_step(scheduled, assigned, not_invited, starts_at, step):
    got = next_step(
        scheduled=scheduled,
        assigned=assigned,
        not_invited=not_invited,
        starts_at=starts_at,
        now=NOW,
    )
    assert got == step
