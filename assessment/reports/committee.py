"""What the committee dashboard shows, gathered from stored data: series over cycles, the
drill-down respondents, and the open actions of a cycle."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle
from assessment.reports.cycle_inputs import answers_to
from assessment.reports.score_cache import CycleFigures
from assessment.reports.training_needs import needs_without_session
from assessment.services.content.definitions import ROLE_LABELS, ROLES
from assessment.services.gaps.report import GapReport
from assessment.services.pulse.summary import PulseStatement, pulse_summary
from assessment.services.training.needs import Need
from assessment.services.trends.drilldown import Respondent


@dataclass(frozen=True)
class Series:
    cycles: list[str]
    overall_by_role: dict[str, list[float | None]]
    domains: dict[str, list[float | None]]
    optimism: list[float | None]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def series(cycles: list[Cycle], figures: CycleFigures | None = None) -> Series:
    """Mean scores per cycle: overall by role, and each domain across everyone; and the
    optimism index. ``figures``: the request's scores, when it reads these cycles for more
    than this (each quarter is then read and scored once, or not at all when unchanged)."""
    figures = figures if figures is not None else CycleFigures(cycles)
    rubric = catalogue().rubric
    by_role: dict[str, list[float | None]] = {ROLE_LABELS[r]: [] for r in ROLES}
    domains: dict[str, list[float | None]] = {d.name: [] for d in rubric.domains}
    optimism: list[float | None] = []
    for cycle in cycles:
        scored = list(figures.scores(cycle))  # built once, read once per role and domain
        for role in ROLES:
            by_role[ROLE_LABELS[role]].append(
                _mean([s.overall for s in scored if s.role == role and s.overall is not None])
            )
        for domain in rubric.domains:
            domains[domain.name].append(
                _mean(
                    [
                        v
                        for s in scored
                        if (v := s.domains.get(domain.id, {}).get("score")) is not None
                    ]
                )
            )
        optimism.append(figures.optimism_index(cycle))
    return Series([c.id for c in cycles], by_role, domains, optimism)


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


def pulse(cycle: Cycle, min_group: int) -> list[PulseStatement]:
    """The climate pulse of the cycle's submitted responses, totals only (see services.pulse)."""
    return pulse_summary(
        (
            (catalogue().get(r.questionnaire_id, r.version), r.answers)
            for r in answers_to(cycle.id, "pulse")
        ),
        min_group=min_group,
    )


def open_actions(cycle: Cycle, report: GapReport) -> list[str]:
    """Concrete next steps: blind spots to brief, facts to report, people to remind."""
    actions = []
    facts = catalogue().facts
    for spot in report.blind_spots:
        roles = ", ".join(ROLE_LABELS.get(r, r) for r in spot.roles_wrong_or_unknown)
        actions.append(f"Brief {roles} on “{spot.title}” (reported: {spot.actual_label}).")
    reported = queries.current_fact_values(db.session, cycle.id)  # not applicable included
    missing = [f.title for f in facts.values() if f.id not in reported and not f.retired]
    if missing and dt.date.today() > cycle.closes:
        actions.append(
            f"{len(missing)} fact(s) overdue since the cycle closed on "
            f"{cycle.closes.isoformat()}: {', '.join(missing)}."
        )
    elif missing:
        actions.append(f"{len(missing)} fact(s) not reported yet: {', '.join(missing)}.")
    pending = queries.executives_not_submitted(
        db.session, cycle.id, [pin.role for pin in cycle.pinned]
    )
    if pending:
        actions.append(f"Not yet submitted: {', '.join(pending)}.")
    return actions


def cycle_actions(cycle: Cycle, report: GapReport) -> list[str]:
    """The open actions: as stored when a cycle was frozen, worked out live otherwise."""
    snapshot = queries.latest_snapshot(db.session, cycle.id) if cycle.is_frozen else None
    stored = snapshot.payload.get("actions") if snapshot else None
    return [str(a) for a in stored] if isinstance(stored, list) else open_actions(cycle, report)


def actions_for_view(
    cycle: Cycle, report: GapReport, needs: Sequence[Need] | None = None
) -> list[str]:
    """What the committee view leads with: the open actions (as the pack lists them), then the
    training needs that no session serves yet (``needs``: the cycle's, already worked out)."""
    found = cycle_actions(cycle, report)
    if line := unplanned_training(cycle, needs):
        found.append(line)
    return found


def unplanned_training(cycle: Cycle, needs: Sequence[Need] | None = None) -> str:
    """One sentence on the cycle's training needs that no session serves, by the planner's
    rule (``needs_without_session``); "" when every need is served."""
    open_needs = [n for n in needs_without_session(cycle, needs) if n.modules]
    rubric = catalogue().rubric
    if not open_needs:
        return ""
    named = sorted(
        {f"{ROLE_LABELS.get(n.role, n.role)} in {rubric.domain(n.domain).name}" for n in open_needs}
    )
    shown = "; ".join(named[:5]) + ("; …" if len(named) > 5 else "")
    count = (
        "1 training need has" if len(open_needs) == 1 else f"{len(open_needs)} training needs have"
    )
    return f"{count} no session planned: {shown}. Ask the HR training coordinator to plan one."
