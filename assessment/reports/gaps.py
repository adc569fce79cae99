"""A cycle's gap report: beliefs against the fact report, live or as stored when frozen."""

from __future__ import annotations

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle
from assessment.reports.cycle_inputs import cycle_answers
from assessment.reports.frozen import stored_pairs
from assessment.services.gaps.analysis import analyse_belief_table
from assessment.services.gaps.report import GapReport
from assessment.services.scoring.answer_matrix import CycleAnswers


def cycle_gap_report(cycle_id: str, answers: CycleAnswers | None = None) -> GapReport:
    """The gap analysis of a cycle against its current fact report (``answers``: already
    read, to save a second read)."""
    return analyse_belief_table(
        (answers if answers is not None else cycle_answers(cycle_id)).beliefs,
        catalogue().facts,
        queries.fact_categories(db.session, cycle_id),
    )


def gap_report_of(cycle: Cycle, answers: CycleAnswers | None = None) -> GapReport:
    """The cycle's gap analysis: rebuilt from the stored pairs when frozen, live otherwise."""
    snapshot = queries.latest_snapshot(db.session, cycle.id) if cycle.is_frozen else None
    if snapshot is None:
        return cycle_gap_report(cycle.id, answers)
    beliefs, actual = stored_pairs(snapshot)
    return analyse_belief_table(beliefs, catalogue().facts, actual)


def optimism_index_of(cycle: Cycle) -> float | None:
    """The cycle's overall optimism index (stored for frozen cycles)."""
    if cycle.is_frozen:
        snapshot = queries.latest_snapshot(db.session, cycle.id)
        if snapshot is not None:
            value = snapshot.payload.get("optimism_index")
            return float(value) if isinstance(value, int | float) else None
    return cycle_gap_report(cycle.id).overall.optimism_index
