"""Belief against fact: the category a fact value falls in, and the gap class of a belief."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Final

from assessment.services.content.definitions import DONT_KNOW, NOT_APPLICABLE, Fact, Questionnaire

GAP_CLASSES: Final = ("aligned", "optimistic", "pessimistic", "unknown")

FactValue = str | int | float | dt.date


def fact_category(fact: Fact, value: FactValue, as_of: dt.date | None = None) -> str | None:
    """The category of a reported value: a category id as given, a special answer's category
    (``not_applicable`` for that answer), or a number through the bands.

    A ``date`` fact's bands apply to its age in days on ``as_of`` (the report's as-of date).
    Returns None when the value fits no category (an invalid value).
    """
    if isinstance(value, str):
        if value in fact.category_ids:
            return value
        special = fact.special_answer(value)
        if special is None:
            return None
        return special.category or NOT_APPLICABLE
    if isinstance(value, bool) or not fact.is_numeric:
        return None
    if isinstance(value, dt.date):
        if fact.type != "date" or as_of is None:
            return None
        return fact.categorise((as_of - value).days)
    if fact.type == "date":
        return None
    return fact.categorise(float(value))


def classify_gap(fact: Fact, belief: str, actual: str) -> str:
    """Gap class of one belief: unknown for don't know, else by rank among worst-to-best categories.

    ``optimistic`` when the belief is better than the fact, ``pessimistic`` when worse.
    """
    if belief == DONT_KNOW:
        return "unknown"
    believed, reported = fact.rank(belief), fact.rank(actual)
    if believed > reported:
        return "optimistic"
    if believed < reported:
        return "pessimistic"
    return "aligned"


def belief_classes(
    questionnaire: Questionnaire,
    facts: Mapping[str, Fact],
    answers: Mapping[str, object],
    actual: Mapping[str, str],
) -> dict[str, str]:
    """Gap class of every answered belief item whose fact has been reported (item id → class)."""
    classes = {}
    for item in questionnaire.items:
        belief = answers.get(item.id)
        if item.type == "belief" and isinstance(belief, str) and item.fact in actual:
            classes[item.id] = classify_gap(facts[item.fact or ""], belief, actual[item.fact or ""])
    return classes
