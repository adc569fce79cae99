"""What a valid answer is for each item type, and which required items are missing."""

from __future__ import annotations

from collections.abc import Mapping

from assessment.services.content.definitions import Item, Questionnaire

MAX_COMMENT_LENGTH = 5000

Answer = int | str


def answer_problem(item: Item, value: object) -> str | None:
    """Why ``value`` is not a valid answer to ``item``, or None when it is."""
    if item.on_scale:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            return "must be a whole number from 1 to 5"
        return None
    if item.type == "comment":
        if not isinstance(value, str):
            return "must be text"
        if len(value) > MAX_COMMENT_LENGTH:
            return f"must be at most {MAX_COMMENT_LENGTH} characters"
        if "\x00" in value:
            return "must not contain NUL characters"
        return None
    if not isinstance(value, str) or value not in {c.id for c in item.choices}:
        return "must be one of: " + ", ".join(c.id for c in item.choices)
    return None


def answer_problems(questionnaire: Questionnaire, answers: Mapping[str, object]) -> dict[str, str]:
    """Per item id, what is wrong with the given answers (unknown items included)."""
    known = {item.id: item for item in questionnaire.items}
    problems = {key: "is not an item of this questionnaire" for key in answers if key not in known}
    for item_id, value in answers.items():
        if item_id in known and (message := answer_problem(known[item_id], value)):
            problems[item_id] = message
    return problems


def missing_items(questionnaire: Questionnaire, answers: Mapping[str, object]) -> list[Item]:
    """Required items without an answer, in questionnaire order (comments and confidence taps
    are optional)."""
    return [
        item
        for item in questionnaire.items
        if not item.optional and answers.get(item.id) in (None, "")
    ]
