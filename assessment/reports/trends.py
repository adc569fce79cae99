"""Quarter over quarter: paired change between two cycles over the items both share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask import current_app

from assessment.catalogue import catalogue
from assessment.models import Cycle
from assessment.reports.score_cache import CycleFigures
from assessment.reports.scores import ScoredPerson, pinned_items
from assessment.services.trends.paired_change import (
    PersonScores,
    TrendReport,
    TrendSettings,
    comparable_share,
    compare_cycles,
)


@dataclass(frozen=True)
class CycleComparison:
    earlier: Cycle
    later: Cycle
    comparable_items: float
    report: TrendReport
    settings: TrendSettings


def trend_settings() -> TrendSettings:
    """The configured minimum pairs for a test and an interval, and the bootstrap seed."""
    config = current_app.config
    return TrendSettings(
        min_pairs_test=int(config["TREND_MIN_PAIRS_TEST"]),
        min_pairs_interval=int(config["TREND_MIN_PAIRS_INTERVAL"]),
        seed=int(config["TREND_SEED"]),
    )


def compare(earlier: Cycle, later: Cycle, figures: CycleFigures | None = None) -> CycleComparison:
    """Trends between two cycles over the items common to both (all items when unchanged).
    ``figures``: the request's scores, when it reads these cycles for more than this."""
    figures = figures if figures is not None else CycleFigures([earlier, later])
    before, after = pinned_items(earlier), pinned_items(later)
    common = {role: before.get(role, set()) & after.get(role, set()) for role in before | after}
    share = comparable_share(
        set().union(*before.values()) if before else set(),
        set().union(*after.values()) if after else set(),
    )
    # Forms a and b rotate, so neighbouring quarters usually share only some items: both are
    # then scored again on those (kept per process like any live score).
    only = None if share == 1.0 else common
    first, second = figures.scores_together([earlier, later], only)
    settings = trend_settings()
    report = compare_cycles(
        person_scores(first), person_scores(second), catalogue().rubric.domain_ids, settings
    )
    return CycleComparison(earlier, later, share, report, settings)


def person_scores(scored: Sequence[ScoredPerson]) -> list[PersonScores]:
    """Overall and domain scores per person, the input of every paired comparison."""
    return [
        PersonScores(s.email, s.role, s.overall, {d: v["score"] for d, v in s.domains.items()})
        for s in scored
    ]
