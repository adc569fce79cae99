"""Item analysis over the submitted responses of any set of cycles."""

from __future__ import annotations

from collections.abc import Iterable

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.services.scoring.item_analysis import AnsweredForm, ItemAnalysis, analyse_items


def item_analysis_of(cycle_ids: Iterable[str], *, common_only: bool = False) -> ItemAnalysis:
    """Difficulty, discrimination, don't-know rate and alpha pooled over the cycles."""
    forms = []
    for cycle_id in dict.fromkeys(cycle_ids):
        for response in queries.iter_submitted_answers(db.session, cycle_id):
            questionnaire = catalogue().get(response.questionnaire_id, response.version)
            forms.append(AnsweredForm(questionnaire.role, questionnaire, response.answers))
    return analyse_items(forms, common_only=common_only)
