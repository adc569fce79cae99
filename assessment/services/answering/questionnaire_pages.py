"""A questionnaire as pages (one per domain), progress, and typed answers from form text."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from assessment.services.answering.answers import answer_problem, missing_items
from assessment.services.content.definitions import Item, Questionnaire, Rubric

PULSE_PAGE = "pulse"
PULSE_PAGE_TEXT = (
    "How security news travels here",
    "Optional and never scored. The committee sees these answers only as totals across the "
    "team, and only when enough people answered that no one's answer can be picked out.",
)


@dataclass(frozen=True)
class QuestionnairePage:
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


def split_into_pages(questionnaire: Questionnaire, rubric: Rubric) -> tuple[QuestionnairePage, ...]:
    """One page per rubric domain that has items, in rubric order; items keep file order.

    A confidence question asks about answers just given, so it goes on the page of its last
    linked question, right after it, whatever domain it is filed under. Climate-pulse
    statements have no domain and get a last page of their own.
    """
    placed = {i.id: i.domain for i in questionnaire.items if i.type not in ("confidence", "pulse")}
    domain_rank = {d.id: k for k, d in enumerate(rubric.domains)}
    file_index = {i.id: k for k, i in enumerate(questionnaire.items)}
    by_domain: dict[str, list[Item]] = {d.id: [] for d in rubric.domains}
    pulse = tuple(i for i in questionnaire.items if i.type == "pulse")
    for item in questionnaire.items:
        if item.type not in ("confidence", "pulse"):
            by_domain[item.domain].append(item)
    for item in questionnaire.items:
        if item.type == "confidence":
            shown = [link for link in item.links if link in placed]
            last = max(
                shown, key=lambda link: (domain_rank[placed[link]], file_index[link]), default=None
            )
            items = by_domain[placed.get(last or "", item.domain)]
            after = next((k for k, i in enumerate(items) if i.id == last), len(items) - 1)
            items.insert(after + 1, item)
    pages: list[QuestionnairePage] = []
    for domain in rubric.domains:
        if by_domain[domain.id]:
            pages.append(
                QuestionnairePage(
                    len(pages) + 1,
                    domain.id,
                    domain.name,
                    domain.summary,
                    tuple(by_domain[domain.id]),
                )
            )
    if pulse:  # the climate statements describe the company, so they come last, on their own
        pages.append(QuestionnairePage(len(pages) + 1, PULSE_PAGE, *PULSE_PAGE_TEXT, pulse))
    return tuple(pages)


def progress(questionnaire: Questionnaire, answers: Mapping[str, object]) -> Progress:
    """Required items answered so far (the optional comment is not counted)."""
    missing = len(missing_items(questionnaire, answers))
    required = sum(1 for i in questionnaire.items if not i.optional)
    return Progress(required - missing, required)


def parse_answer(item: Item, raw: str | None) -> tuple[object, str | None]:
    """Turn posted text into a typed answer: (value or None for cleared, problem or None)."""
    if raw is None or raw.strip() == "":
        return None, None
    value: object = raw
    if item.on_scale:
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
