"""The committee view for a team of five: where each role stands, and what moved, in words.

With one person per role no test can tell a change from noise, so the view does not pretend
to: it says which of that person's topics moved by at least half a level (``MOVE``) and
leaves tests and intervals to the statistical detail, shown where groups are large enough.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from assessment.services.content.definitions import ROLE_LABELS, ROLES, Rubric
from assessment.services.scoring.people import ScoredPerson
from assessment.services.trends.paired_change import TrendReport

MOVE: Final = 10.0  # points: half a level band; smaller moves are within one answer's noise
SHOWN: Final = 3  # topics named per role; the rest are counted, to keep one line per role


@dataclass(frozen=True)
class StatusCell:
    level: str  # "L3", or "" without a score
    name: str  # "Informed"

    @property
    def text(self) -> str:
        return f"{self.level} {self.name}" if self.level else "—"


@dataclass(frozen=True)
class StatusRow:
    domain_id: str
    name: str
    cells: tuple[StatusCell, ...]  # one per role of ``StatusGrid.roles``


@dataclass(frozen=True)
class StatusGrid:
    roles: tuple[str, ...]
    rows: tuple[StatusRow, ...]


def status_grid(rubric: Rubric, scored: Iterable[ScoredPerson]) -> StatusGrid:
    """Level per domain and role: the person's own for a role of one, the level of the mean
    score for a larger group; only roles that answered and domains the role weighs. One pass
    over the people (they may be built lazily, one at a time, from a large cycle)."""
    sums: dict[tuple[str, str], float] = {}
    counts: dict[tuple[str, str], int] = {}
    answered: set[str] = set()
    for person in scored:
        answered.add(person.role)
        for domain_id, values in person.domains.items():
            score = values.get("score")
            if score is not None:
                key = (person.role, domain_id)
                sums[key] = sums.get(key, 0.0) + score
                counts[key] = counts.get(key, 0) + 1
    roles = tuple(r for r in ROLES if r in answered)
    rows = []
    for domain in rubric.domains:
        cells = []
        for role in roles:
            weighted = rubric.role_weights.get(role, {}).get(domain.id, 0) > 0
            n = counts.get((role, domain.id), 0)
            if not weighted or not n:
                cells.append(StatusCell("", ""))
                continue
            level = rubric.level_for(sums[(role, domain.id)] / n)
            cells.append(StatusCell(level.id, level.name))
        rows.append(StatusRow(domain.id, domain.name, tuple(cells)))
    return StatusGrid(roles, tuple(rows))


@dataclass(frozen=True)
class RoleChange:
    role: str
    who: str  # the person's name, or "12 people (their mean)"
    moved: tuple[tuple[str, str, float], ...]  # (domain id, domain name, change in points)

    @property
    def sentence(self) -> str:
        label = ROLE_LABELS.get(self.role, self.role)
        if not self.moved:
            return f"{label} ({self.who}): no topic moved by {MOVE:.0f} points or more."
        parts = [
            f"{name} {'up' if change > 0 else 'down'} {abs(change):.0f} points"
            for _, name, change in self.moved[:SHOWN]
        ]
        rest = len(self.moved) - SHOWN
        more = f"; and {rest} more topic{'s' if rest > 1 else ''}" if rest > 0 else ""
        return f"{label} ({self.who}): " + "; ".join(parts) + more + "."


def role_changes(report: TrendReport, rubric: Rubric, names: Mapping[str, str]) -> list[RoleChange]:
    """Per role with people in both cycles: the topics whose mean moved by ``MOVE`` or more,
    biggest first. ``names``: email → name, to name a role's only person."""
    found = []
    for role in ROLES:
        stayed = report.composition.get(role)
        if stayed is None or not stayed.stayed:
            continue
        who = (
            names.get(stayed.stayed[0], stayed.stayed[0])
            if len(stayed.stayed) == 1
            else f"{len(stayed.stayed)} people, their mean"
        )
        moved = [
            (d.domain_id, rubric.domain(d.domain_id).name, d.change.change)
            for d in report.domains.get(role, [])
            if d.change.change is not None and abs(d.change.change) >= MOVE
        ]
        moved.sort(key=lambda m: -abs(m[2]))
        found.append(RoleChange(role, who, tuple(moved)))
    return found


def large_enough(report: TrendReport, min_pairs: int) -> bool:
    """Whether any group has enough people in both cycles for a test to mean something."""
    return any(change.n_pairs >= min_pairs for change in report.groups.values())
