"""Every report of a cycle from one read of its answers (the benchmarks' unit of work)."""

from __future__ import annotations

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.reports.cycle_inputs import cycle_answers
from assessment.reports.scores import score_cycle
from assessment.reports.training_needs import needs_of
from assessment.services.gaps.analysis import analyse_belief_table


def all_reports(cycle_id: str) -> dict[str, object]:
    """Scores, gaps and training needs of a cycle.

    The answers are read as a stream into compact codes, and scores and pairs stay columns
    until someone reads them: no object per answer, belief or pair is ever held for the whole
    cycle (docs/benchmarks.md has the memory this takes at 100,000 responses).
    """
    answers = cycle_answers(cycle_id)
    scores = score_cycle(cycle_id, answers=answers)
    gaps = analyse_belief_table(
        answers.beliefs, catalogue().facts, queries.fact_categories(db.session, cycle_id)
    )
    return {"scores": scores, "gaps": gaps, "needs": needs_of(scores)}
