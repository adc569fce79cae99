"""The comments of a cycle's submitted responses, read once for the committee's reports."""

from __future__ import annotations

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.services.comments.to_committee import Comment, Respondent, comments_of


def cycle_comments(cycle_id: str) -> list[Comment]:
    """Reads only the comment answers: a cycle of 10,000 responses has millions of others."""
    cycle = queries.get_cycle(db.session, cycle_id)
    comment_items = {
        item.id
        for pin in (cycle.pinned if cycle else [])
        for item in catalogue().get(pin.questionnaire_id, pin.version).items
        if item.type == "comment"
    }
    return comments_of(
        Respondent(
            r.email, r.name, r.role, catalogue().get(r.questionnaire_id, r.version), r.answers
        )
        for r in queries.iter_submitted_answers(db.session, cycle_id, comment_items)
    )
