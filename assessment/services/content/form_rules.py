"""The measurement rules a questionnaire with rotating forms must meet (docs/scoring.md).

Kept apart from the YAML reader: these rules judge a whole questionnaire, not one entry, and
each names the line an author has to change.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Final

from assessment.services.content.definitions import Item, Questionnaire, Rubric

LITERACY_TYPES: Final = ("knowledge", "likert")  # the items a literacy score is built from
HEAVY_WEIGHT: Final = 10  # a domain weighing this much or more in a role ...
HEAVY_MIN_ITEMS: Final = 4  # ... needs this many scored items in every form
LIGHT_MIN_ITEMS: Final = 2  # any other weighted domain needs this many
ANCHOR_SHARE: Final = (0.5, 0.7)  # anchors' share of a form's scored items (about 60 %)
FOILS: Final = (2, 3)  # over-claiming checks per questionnaire


def form_problems(
    questionnaire: Questionnaire, rubric: Rubric, lines: Mapping[str, int]
) -> list[tuple[int, str]]:
    """(line, message) for every rule a questionnaire with forms breaks."""
    first_line = min(lines.values(), default=1)
    found: list[tuple[int, str]] = []
    forms = questionnaire.forms
    if len(forms) < 2 or len(set(forms)) != len(forms):
        found.append((first_line, f"forms must list at least two different forms, got {forms}"))
    for item in questionnaire.items:
        line = lines.get(item.id, first_line)
        if item.type in LITERACY_TYPES and item.angoff is None:
            found.append((line, f"item {item.id} needs an angoff rating (see docs/scoring.md)"))
        if item.form is not None and item.form not in forms:
            found.append((line, f"item {item.id} names form '{item.form}', not one of {forms}"))
        if item.form is not None and not item.objective and item.type != "confidence":
            found.append((line, f"rotating item {item.id} needs an objective"))
    found.extend(_parallel_problems(questionnaire, lines))
    found.extend(_form_counts(questionnaire, rubric, first_line))
    foils = sum(item.type == "foil" for item in questionnaire.items)
    if not FOILS[0] <= foils <= FOILS[1]:
        found.append(
            (first_line, f"a questionnaire needs {FOILS[0]} to {FOILS[1]} foils, has {foils}")
        )
    return found


def _structure(item: Item) -> dict[str, object]:
    """What parallel items must share so that either can stand in for the other."""
    return {
        "domain": item.domain,
        "type": item.type,
        "weight": item.weight,
        "regimes": tuple(sorted(item.regimes)),
        "answers besides don't know": sum(not c.dont_know for c in item.choices),
        "don't-know choice": item.dont_know_choice is not None,
        "scale": item.scale,
        "reverse": item.reverse,
    }


def _parallel_problems(
    questionnaire: Questionnaire, lines: Mapping[str, int]
) -> Iterator[tuple[int, str]]:
    by_objective: dict[str, list[Item]] = defaultdict(list)
    for item in questionnaire.items:
        if item.form is not None and item.objective and item.type in LITERACY_TYPES:
            by_objective[item.objective].append(item)
    for objective, items in by_objective.items():
        line = lines.get(items[0].id, 1)
        per_form = [item.form or "" for item in items]
        if sorted(per_form) != sorted(questionnaire.forms):
            yield (
                line,
                f"objective {objective!r} must have exactly one item in each form "
                f"{questionnaire.forms}, has {', '.join(f'{i.id} ({i.form})' for i in items)}",
            )
        first = _structure(items[0])
        for other in items[1:]:
            differs = {k: v for k, v in _structure(other).items() if first[k] != v}
            if differs:
                detail = "; ".join(f"{k} {first[k]!r} vs {v!r}" for k, v in differs.items())
                yield (
                    lines.get(other.id, line),
                    f"parallel items {items[0].id} and {other.id} differ: {detail}",
                )


def _form_counts(
    questionnaire: Questionnaire, rubric: Rubric, line: int
) -> Iterator[tuple[int, str]]:
    """Counted under the empty profile: a domain must stand without any regime's items."""
    weights = rubric.role_weights.get(questionnaire.role, {})
    for letter in questionnaire.forms:
        form = questionnaire.cut_form(letter, frozenset())
        scored = [item for item in form.items if item.type in LITERACY_TYPES]
        for domain, weight in weights.items():
            if weight <= 0:
                continue
            need = HEAVY_MIN_ITEMS if weight >= HEAVY_WEIGHT else LIGHT_MIN_ITEMS
            count = sum(item.domain == domain for item in scored)
            if count < need:
                yield (
                    line,
                    f"form {letter}: domain {domain} weighs {weight:g} for "
                    f"{questionnaire.role} but has {count} scored item(s) that apply under "
                    f"every profile; needs {need}",
                )
        whole = [
            item
            for item in questionnaire.cut_form(letter, None).items
            if item.type in LITERACY_TYPES
        ]
        if whole:
            share = sum(item.form is None for item in whole) / len(whole)
            low, high = ANCHOR_SHARE
            if not low <= share <= high:
                yield (
                    line,
                    f"form {letter}: anchors are {share:.0%} of its scored items; "
                    f"keep them between {low:.0%} and {high:.0%}",
                )
