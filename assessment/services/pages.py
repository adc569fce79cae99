"""A questionnaire as pages (one per domain), progress, and typed answers from form text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .answers import answer_problem, missing_items
from .definitions import Item, Questionnaire, Rubric


@dataclass(frozen=True)
class Page:
    number: int  # 1-based
    domain_id: str
    title: str
    summary: str
    items: tuple[Item, ...]


@dataclass(frozen=True)
class Progress:
    answered: int
    required: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.required) if self.required else 100


def paginate(questionnaire: Questionnaire, rubric: Rubric) -> tuple[Page, ...]:
    """One page per rubric domain that has items, in rubric order; items keep file order."""
    pages: list[Page] = []
    for domain in rubric.domains:
        items = tuple(i for i in questionnaire.items if i.domain == domain.id)
        if items:
            pages.append(Page(len(pages) + 1, domain.id, domain.name, domain.summary, items))
    return tuple(pages)


def progress(questionnaire: Questionnaire, answers: Mapping[str, object]) -> Progress:
    """Required items answered so far (the optional comment is not counted)."""
    missing = len(missing_items(questionnaire, answers))
    required = sum(1 for i in questionnaire.items if not (i.type == "comment" and i.optional))
    return Progress(required - missing, required)


def parse_answer(item: Item, raw: str | None) -> tuple[object, str | None]:
    """Turn posted text into a typed answer: (value or None for cleared, problem or None)."""
    if raw is None or raw.strip() == "":
        return None, None
    value: object = raw
    if item.type in ("likert", "confidence"):
        try:
            value = int(raw)
        except ValueError:
            return None, "Choose one of the five options."
    elif item.type == "comment":
        value = raw.replace("\r\n", "\n")
    problem = answer_problem(item, value)
    if problem:
        return None, f"This answer {problem}."
    return value, None
