"""What the committee dashboard and the quarterly pack show, gathered from stored data."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from . import queries
from .catalogue import catalogue
from .cycle_scores import ScoredPerson, compare, optimism_index_of, scores_of
from .extensions import db
from .models import ROLE_LABELS, Cycle
from .reporting import cycle_beliefs
from .services.definitions import ROLES
from .services.drilldown import Respondent
from .services.gap_analysis import Belief, GapReport
from .services.gap_columns import BeliefTable, analyse_belief_table
from .services.training import suggest_modules


def cycles_in_order() -> list[Cycle]:
    """All cycles, oldest first."""
    return sorted(queries.list_cycles(db.session), key=lambda c: (c.opens, c.id))


def previous_cycle(cycle: Cycle) -> Cycle | None:
    earlier = [c for c in cycles_in_order() if c.opens < cycle.opens]
    return earlier[-1] if earlier else None


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Series:
    cycles: list[str]
    overall_by_role: dict[str, list[float | None]]
    domains: dict[str, list[float | None]]
    optimism: list[float | None]


def series(cycles: list[Cycle]) -> Series:
    """Mean scores per cycle: overall by role, and each domain across everyone."""
    rubric = catalogue().rubric
    by_role: dict[str, list[float | None]] = {ROLE_LABELS[r]: [] for r in ROLES}
    domains: dict[str, list[float | None]] = {d.name: [] for d in rubric.domains}
    optimism: list[float | None] = []
    for cycle in cycles:
        scored = scores_of(cycle)
        for role in ROLES:
            by_role[ROLE_LABELS[role]].append(
                mean([s.overall for s in scored if s.role == role and s.overall is not None])
            )
        for domain in rubric.domains:
            domains[domain.name].append(
                mean(
                    [
                        v
                        for s in scored
                        if (v := s.domains.get(domain.id, {}).get("score")) is not None
                    ]
                )
            )
        optimism.append(optimism_index_of(cycle))
    return Series([c.id for c in cycles], by_role, domains, optimism)


def gap_report_of(cycle: Cycle) -> GapReport:
    """The cycle's gap analysis: rebuilt from the stored pairs when frozen, live otherwise."""
    snapshot = queries.latest_snapshot(db.session, cycle.id) if cycle.status == "frozen" else None
    if snapshot is None:
        from .reporting import cycle_gap_report

        return cycle_gap_report(cycle.id)
    gaps = snapshot.payload["gaps"]
    assert isinstance(gaps, dict)
    pairs = gaps["pairs"]
    names = queries.names_by_email(db.session, {p["email"] for p in pairs})
    beliefs = BeliefTable.from_beliefs(
        Belief(
            p["email"],
            names.get(p["email"], p["email"]),
            p["role"],
            p["item"],
            p["fact"],
            p["belief"],
        )
        for p in pairs
    )
    actual = {p["fact"]: p["actual"] for p in pairs}
    return analyse_belief_table(beliefs, catalogue().facts, actual)


def training_needs(scored: Sequence[ScoredPerson], below: str = "L3") -> list[tuple[str, str, str]]:
    """(name, role label, domain name) for every domain below the level, by person."""
    rubric = catalogue().rubric
    needs = []
    for person in scored:
        levels = {
            d: v.get("level")
            for d, v in person.domains.items()
            if d in rubric.role_weights.get(person.role, {})
        }
        found = suggest_modules(rubric, catalogue().training, person.role, levels, below)
        for domain in found:
            needs.append(
                (person.name, ROLE_LABELS.get(person.role, person.role), rubric.domain(domain).name)
            )
    return needs


def respondents(cycle: Cycle) -> dict[str, Respondent]:
    """Stored answers of each person who submitted, for the drill-down (one query)."""
    facts = queries.fact_categories(db.session, cycle.id)
    return {
        r.email: Respondent(
            r.name,
            ROLE_LABELS.get(r.role, ""),
            catalogue().get(r.questionnaire_id, r.version),
            r.answers,
            facts,
        )
        for r in queries.submitted_answers(db.session, cycle.id)
    }


def open_actions(cycle: Cycle, report: GapReport) -> list[str]:
    """Concrete next steps: blind spots to brief, facts to report, people to remind."""
    actions = []
    facts = catalogue().facts
    for spot in report.blind_spots:
        roles = ", ".join(ROLE_LABELS.get(r, r) for r in spot.roles_wrong_or_unknown)
        actions.append(f"Brief {roles} on “{spot.title}” (reported: {spot.actual_label}).")
    reported = queries.fact_categories(db.session, cycle.id)
    missing = [f.title for f in facts.values() if f.id not in reported]
    if missing:
        actions.append(f"{len(missing)} fact(s) not reported yet: {', '.join(missing)}.")
    submitted = {b.email for b in cycle_beliefs(cycle.id)}
    pending = [
        p.name
        for p in queries.executives(db.session)
        if cycle.pinned_for(p.role or "")
        and p.email not in submitted
        and not _submitted(p.id, cycle.id)
    ]
    if pending:
        actions.append(f"Not yet submitted: {', '.join(pending)}.")
    return actions


def _submitted(person_id: int, cycle_id: str) -> bool:
    response = queries.get_response(db.session, person_id, cycle_id)
    return response is not None and response.status == "submitted"


__all__ = [
    "compare",
    "cycles_in_order",
    "gap_report_of",
    "open_actions",
    "previous_cycle",
    "respondents",
    "series",
    "training_needs",
]


@dataclass(frozen=True)
class TrainingStatus:
    needs: int
    planned_sessions: int
    rows: list[tuple[str, int, int]]  # (role label, needs, met by a completed session)


def training_status(cycle: Cycle, scored: Sequence[ScoredPerson] | None = None) -> TrainingStatus:
    """How many training needs the cycle produced and how many were met by completed sessions."""
    from .services.training import completion_by_role
    from .training_plan import needs_for

    needs = needs_for(cycle, scored)
    completed = {(email, module) for email, module, _ in queries.completed_modules(db.session)}
    rows = [
        (ROLE_LABELS.get(r.role, r.role), r.needs, r.completed)
        for r in completion_by_role(needs, completed)
    ]
    planned = sum(1 for s in queries.list_sessions(db.session) if s.status == "scheduled")
    return TrainingStatus(len(needs), planned, rows)
