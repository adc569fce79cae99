"""Comments written to the steering committee: who wrote what, in answer to which question.

The questionnaire tells people that their answers are attributed, and its comment questions
are addressed to the committee, so every report the committee reads carries them with the
writer's name and role. They are plain text: every output escapes or neutralises them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from assessment.services.content.definitions import ROLE_LABELS, Questionnaire
from assessment.services.output.exports import Table

COMMENT_COLUMNS = ("Name", "Role", "Question", "Comment")


@dataclass(frozen=True)
class Comment:
    email: str
    name: str
    role: str
    item_id: str
    question: str
    text: str

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@dataclass(frozen=True)
class Respondent:
    email: str
    name: str
    role: str
    questionnaire: Questionnaire
    answers: Mapping[str, object]


def comments_of(respondents: Iterable[Respondent]) -> list[Comment]:
    """Every non-empty comment answer, in role order and then by name."""
    found = []
    for r in respondents:
        for item in r.questionnaire.items:
            text = r.answers.get(item.id)
            if item.type == "comment" and isinstance(text, str) and text.strip():
                found.append(Comment(r.email, r.name, r.role, item.id, item.text, text.strip()))
    order = {role: k for k, role in enumerate(ROLE_LABELS)}
    return sorted(found, key=lambda c: (order.get(c.role, len(order)), c.name, c.item_id))


def comments_table(comments: Iterable[Comment]) -> Table:
    return Table(
        "Comments to the committee",
        COMMENT_COLUMNS,
        tuple((c.name, c.role_label, c.question, c.text) for c in comments),
    )


def comments_json(comments: Iterable[Comment]) -> dict[str, list[dict[str, str]]]:
    """The shape of ``GET /api/v1/cycles/{cycle}/comments`` (CONTRACT.md, "Comments")."""
    return {
        "comments": [
            {"email": c.email, "role": c.role, "item": c.item_id, "text": c.text} for c in comments
        ]
    }
