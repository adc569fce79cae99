"""One executive's results page, from their submitted answers and the cycle's fact report."""

from __future__ import annotations

from collections.abc import Mapping

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.reports.training_needs import needs_below
from assessment.services.content.definitions import Questionnaire
from assessment.services.facts.report_rows import describe_value
from assessment.services.gaps.classify import belief_classes
from assessment.services.lifecycle import ResponseStatus
from assessment.services.scoring.personal_results import PersonalReport, personal_report
from assessment.services.scoring.single import score_response


def personal_results(
    cycle_id: str,
    questionnaire: Questionnaire,
    answers: Mapping[str, object],
    person_id: int | None = None,
) -> PersonalReport:
    """Levels, explanations, calibration, beliefs against facts (with what the fact report
    says) and suggested training (at the same level as the HR planner and the committee pack);
    with ``person_id``, each topic's change since the person's last answered cycle."""
    reported = queries.current_fact_values(db.session, cycle_id)
    facts = queries.comparable_categories(reported)
    result = score_response(questionnaire, catalogue().rubric, answers, facts)
    classes = belief_classes(questionnaire, catalogue().facts, answers, facts)
    says = {
        fact_id: describe_value(catalogue().facts[fact_id], row)
        for fact_id, row in reported.items()
        if fact_id in catalogue().facts
    }
    return personal_report(
        result,
        questionnaire,
        catalogue(),
        answers,
        gap_classes=classes,
        training_below=needs_below(),
        fact_says=says,
        previous=_previous_scores(cycle_id, person_id) if person_id is not None else None,
    )


def _previous_scores(cycle_id: str, person_id: int) -> tuple[str, dict[str, float | None]] | None:
    """The last cycle before this one in which the person submitted, with their domain scores
    there, scored as that cycle's results page scores them."""
    cycle = queries.get_cycle(db.session, cycle_id)
    if cycle is None:
        return None
    for earlier in reversed(queries.cycles_in_order(db.session)):
        if earlier.opens >= cycle.opens:
            continue
        response = queries.get_response(db.session, person_id, earlier.id)
        if response is None or response.status != ResponseStatus.SUBMITTED:
            continue
        form = catalogue().get(response.questionnaire_id, response.questionnaire_version)
        facts = queries.fact_categories(db.session, earlier.id)
        scored = score_response(form, catalogue().rubric, response.answer_values(), facts)
        return earlier.id, {d.domain_id: d.score for d in scored.domains}
    return None
