"""What freezing a cycle stores: its scores and reports exactly as computed at that moment."""

from __future__ import annotations

import dataclasses

from assessment.catalogue import catalogue
from assessment.models import Cycle
from assessment.reports.committee import open_actions
from assessment.reports.gaps import cycle_gap_report
from assessment.reports.scores import score_cycle
from assessment.reports.training_needs import training_status
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.gaps.wording import headline
from assessment.services.output.json_shapes import gaps_json


def snapshot_payload(cycle: Cycle) -> dict[str, object]:
    """Scores, gap pairs, headline, training status and open actions, computed afresh
    (recomputing a frozen cycle must not reuse its earlier snapshot)."""
    report = cycle_gap_report(cycle.id)
    fresh = score_cycle(cycle.id)
    return {
        "scores": [dataclasses.asdict(s) for s in fresh],
        "gaps": gaps_json(report),
        "headline": headline(report, catalogue().facts, ROLE_LABELS),
        "optimism_index": report.overall.optimism_index,
        "training": dataclasses.asdict(training_status(cycle, fresh)),
        "actions": open_actions(cycle, report),
    }
