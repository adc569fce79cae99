"""The comments of a cycle's submitted responses, read once for the committee's reports."""

from __future__ import annotations

from assessment.catalogue import catalogue
from assessment.reports.cycle_inputs import answers_to
from assessment.services.comments.to_committee import Comment, Respondent, comments_of


def cycle_comments(cycle_id: str) -> list[Comment]:
    return comments_of(
        Respondent(
            r.email, r.name, r.role, catalogue().get(r.questionnaire_id, r.version), r.answers
        )
        for r in answers_to(cycle_id, "comment")
    )
