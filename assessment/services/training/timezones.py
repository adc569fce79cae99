"""Time zones a session can be planned in: IANA names grouped by region and labelled with
their city and their offset from UTC on a given day, so that a planner who has never heard
of IANA can pick "Berlin" from a list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

# The regions of the IANA database that name a city; the rest (Etc/GMT+5, US/Eastern, CET,
# EST5EDT, ...) are old aliases or fixed offsets that a planner would only find confusing.
REGIONS: dict[str, str] = {
    "Africa": "Africa",
    "America": "Americas",
    "Antarctica": "Antarctica",
    "Arctic": "Arctic",
    "Asia": "Asia",
    "Atlantic": "Atlantic Ocean",
    "Australia": "Australia",
    "Europe": "Europe",
    "Indian": "Indian Ocean",
    "Pacific": "Pacific Ocean",
}
UTC_NAME = "UTC"
UNIVERSAL = "Universal time"
OTHER = "Other"


@dataclass(frozen=True)
class ZoneOption:
    name: str  # the IANA name, e.g. Europe/Berlin: what the form posts and the session stores
    label: str  # e.g. "Berlin (Europe/Berlin, UTC+01:00)"


@dataclass(frozen=True)
class ZoneGroup:
    region: str  # the group's heading, e.g. "Europe"
    options: tuple[ZoneOption, ...]


def utc_offset(name: str, day: dt.date) -> str:
    """The zone's offset from UTC at noon on ``day``, as "UTC+01:00" or "UTC-03:30"."""
    offset = dt.datetime.combine(day, dt.time(12), ZoneInfo(name)).utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "-" if minutes < 0 else "+"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours:02d}:{rest:02d}"


def city_of(name: str) -> str:
    """The place a zone is named after: "America/Argentina/Buenos_Aires" → "Buenos Aires
    (Argentina)", "Europe/Berlin" → "Berlin"."""
    parts = [part.replace("_", " ") for part in name.split("/")]
    if len(parts) > 2:
        return f"{parts[-1]} ({', '.join(parts[1:-1])})"
    return parts[-1]


def zone_label(name: str, day: dt.date) -> str:
    """How one zone reads in the list, e.g. "Berlin (Europe/Berlin, UTC+01:00)"."""
    if name == UTC_NAME:
        return f"UTC ({utc_offset(name, day)})"
    return f"{city_of(name)} ({name}, {utc_offset(name, day)})"


def zone_groups(names: Iterable[str], day: dt.date, keep: str | None = None) -> list[ZoneGroup]:
    """The zones among ``names`` that name a city, grouped by region (regions in alphabetical
    order of their heading, cities alphabetical within), with UTC first on its own.

    Offsets are those of ``day`` (the session's date), so a summer session in Berlin reads
    UTC+02:00. ``keep``, when among ``names`` but outside the regions (an older session's
    "CET"), is still offered so that the form shows it; it goes in a last group, "Other"."""
    known = set(names)
    by_region: dict[str, list[ZoneOption]] = {}
    for name in known:
        region = REGIONS.get(name.split("/", 1)[0]) if "/" in name else None
        if region is not None:
            by_region.setdefault(region, []).append(ZoneOption(name, zone_label(name, day)))
    groups = [ZoneGroup(UNIVERSAL, (ZoneOption(UTC_NAME, zone_label(UTC_NAME, day)),))]
    for region in sorted(by_region):
        options = sorted(by_region[region], key=lambda o: (city_of(o.name).casefold(), o.name))
        groups.append(ZoneGroup(region, tuple(options)))
    offered = {o.name for g in groups for o in g.options}
    if keep is not None and keep in known and keep not in offered:
        label = f"{keep} ({utc_offset(keep, day)})"
        groups.append(ZoneGroup(OTHER, (ZoneOption(keep, label),)))
    return groups
