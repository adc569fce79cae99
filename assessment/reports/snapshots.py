"""What freezing a cycle stores: its scores and reports exactly as computed at that moment.

The cycle's answers are read once, streamed into compact columns, for both the scores and the
gap report. Every person's scores and every belief–fact pair are stored as packed columns
(``services.output.snapshot_columns``), and training needs are counted a thousand people at a
time. So freezing never builds an object per pair, nor a list of every person or need: its
memory is those compact columns (about 1 KB a response) and the payload (about 0.1 KB).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from itertools import islice
from typing import Any

import numpy as np

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle
from assessment.reports.committee import open_actions
from assessment.reports.cycle_inputs import cycle_answers
from assessment.reports.gaps import cycle_gap_report
from assessment.reports.scores import score_cycle
from assessment.reports.training_needs import TrainingStatus, needs_below, needs_of
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.gaps.report import GapReport
from assessment.services.gaps.wording import headline
from assessment.services.output.json_shapes import by_role_json
from assessment.services.output.snapshot_columns import (
    FORMAT,
    pairs_json,
    people_json,
    scores_json,
)
from assessment.services.scoring.people import ScoreColumns, ScoredPeople, ScoredPerson
from assessment.services.training.needs import completion_by_role

# People built at once while counting training needs (each about 2.4 KB with a few needs).
CHUNK = 1_000


def snapshot_payload(cycle: Cycle) -> dict[str, object]:
    """Scores, gap pairs, headline, training status and open actions, computed afresh
    (recomputing a frozen cycle must not reuse its earlier snapshot)."""
    report, columns, pairs = _computed(cycle.id)
    return {
        "format": FORMAT,
        "people": people_json(columns),
        "scores": scores_json(columns),
        "gaps": {"pairs": pairs, "by_role": by_role_json(report)},
        "headline": headline(report, catalogue().facts, ROLE_LABELS),
        "optimism_index": report.overall.optimism_index,
        "training": dataclasses.asdict(training_counts(ScoredPeople.from_columns(columns))),
        "actions": open_actions(cycle, report),
    }


def _computed(cycle_id: str) -> tuple[GapReport, ScoreColumns, dict[str, Any]]:
    """The gap report, everyone's scores in (role, email) order and the packed pairs, from
    one read of the answers. The answer codes and the scores in read order go on return."""
    answers = cycle_answers(cycle_id)
    report = cycle_gap_report(cycle_id, answers)
    scored = score_cycle(cycle_id, answers=answers)
    # Row of each person of the answers (read order) among the scores ((role, email) order).
    row_of = np.empty(len(scored), dtype=np.int64)
    row_of[scored.read_order] = np.arange(len(scored))
    actual = queries.fact_categories(db.session, cycle_id)
    return report, scored.columns(), pairs_json(answers.beliefs, row_of, actual)


def training_counts(scored: Iterable[ScoredPerson]) -> TrainingStatus:
    """What ``training_status`` gives, with the needs worked out ``CHUNK`` people at a time and
    only counted: a cycle of 100,000 people has some 350,000 needs."""
    completed = {(email, module) for email, module, _ in queries.completed_modules(db.session)}
    counts: dict[str, list[int]] = {}
    people = iter(scored)
    while chunk := list(islice(people, CHUNK)):
        for row in completion_by_role(needs_of(chunk), completed):
            total = counts.setdefault(row.role, [0, 0])
            total[0] += row.needs
            total[1] += row.completed
    rows = [(ROLE_LABELS.get(role, role), n, done) for role, (n, done) in sorted(counts.items())]
    planned = sum(1 for s in queries.list_training_sessions(db.session) if s.is_scheduled)
    return TrainingStatus(sum(n for _, n, _ in rows), planned, rows, needs_below())
