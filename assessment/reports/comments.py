"""The comments of a cycle's submitted responses, read once for the committee's reports."""

from __future__ import annotations

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.services.comments.to_committee import Comment, Respondent, comments_of


def cycle_comments(cycle_id: str) -> list[Comment]:
    return comments_of(
        Respondent(
            r.email, r.name, r.role, catalogue().get(r.questionnaire_id, r.version), r.answers
        )
        for r in queries.submitted_answers(db.session, cycle_id)
    )
