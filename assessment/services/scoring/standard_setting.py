"""Where the Proficient cut score comes from: the modified-Angoff ratings in the data files.

Each knowledge and Likert item carries ``angoff``: the item score a *borderline* Proficient
leader in that role would get (for a knowledge item, the chance of the keyed answer, an
honest borderline leader answering "don't know" otherwise). The expected score of that
borderline leader on a form, computed with the same weights as a real score, is the cut the
ratings imply; docs/scoring.md compares it with the rubric's Proficient threshold.
"""

from __future__ import annotations

from assessment.services.content.definitions import Questionnaire, Rubric

LITERACY_TYPES = ("knowledge", "likert")


def implied_cut(questionnaire: Questionnaire, rubric: Rubric) -> float | None:
    """The overall score of a borderline Proficient leader on this form (0-100)."""
    weights = rubric.role_weights.get(questionnaire.role, {})
    total = weight_sum = 0.0
    for domain, weight in weights.items():
        rated = [
            item
            for item in questionnaire.items
            if item.domain == domain and item.type in LITERACY_TYPES and item.angoff is not None
        ]
        item_weights = sum(item.weight for item in rated)
        if weight <= 0 or not item_weights:
            continue
        expected = sum(item.weight * (item.angoff or 0.0) for item in rated) / item_weights
        total += weight * 100.0 * expected
        weight_sum += weight
    return total / weight_sum if weight_sum else None
