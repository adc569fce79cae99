"""One executive's results page, from their submitted answers and the cycle's fact report."""

from __future__ import annotations

from collections.abc import Mapping

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.reports.training_needs import needs_below
from assessment.services.content.definitions import Questionnaire
from assessment.services.gaps.classify import belief_classes
from assessment.services.scoring.personal_results import PersonalReport, personal_report
from assessment.services.scoring.single import score_response


def personal_results(
    cycle_id: str, questionnaire: Questionnaire, answers: Mapping[str, object]
) -> PersonalReport:
    """Levels, explanations, calibration, beliefs against facts and suggested training (at
    the same level as the HR planner and the committee pack)."""
    facts = queries.fact_categories(db.session, cycle_id)
    result = score_response(questionnaire, catalogue().rubric, answers, facts)
    classes = belief_classes(questionnaire, catalogue().facts, answers, facts)
    return personal_report(
        result,
        questionnaire,
        catalogue(),
        answers,
        gap_classes=classes,
        training_below=needs_below(),
    )
