"""What three answering strategies score on every shipped form (a measurement, not a speed).

Run on demand: ``.venv/bin/python -m benchmarks.answering_strategies``. The review that led to
scoring version 2 measured an honest "don't know" at L1, blind guessing at L2 and test-wise
answering at L3; docs/scoring.md keeps the table this prints for the current content.

- honest: "Don't know" to every knowledge question, the middle of every statement's scale;
- guessing: a random answer among the real options (2,000 simulated people), middle of scale;
- test-wise: the longest option of every question and the keyed end of every statement;
- longest only: the longest option of every question, the middle of every statement (what
  option lengths alone give away).
"""

from __future__ import annotations

import numpy as np

from assessment import ROOT
from assessment.services.content.definitions import Item, Questionnaire
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.scoring.batch import encode_answers, score_batch

GUESSERS = 2000
LENGTH_READERS = 500  # ties between equally long options are broken at random: average them


def _longest(item: Item, rng: np.random.Generator) -> str:
    """The longest real option; among options of equal length one at random, since a reader
    going by length has nothing to choose between them (taking the first would favour
    whichever letter the writer happened to put first)."""
    real = [c for c in item.choices if not c.dont_know]
    most = max(len(c.label) for c in real)
    return str(rng.choice([c.id for c in real if len(c.label) == most]))


def strategies(form: Questionnaire, rng: np.random.Generator) -> list[dict[str, object]]:
    knowledge = [i for i in form.items if i.type == "knowledge"]
    middle: dict[str, object] = {i.id: 3 for i in form.items if i.type == "likert"}
    keyed_end: dict[str, object] = {
        i.id: 1 if i.reverse else 5 for i in form.items if i.type == "likert"
    }
    honest = {i.id: i.dont_know_choice for i in knowledge} | middle
    readers = [{i.id: _longest(i, rng) for i in knowledge} for _ in range(LENGTH_READERS)]
    guessers = [
        {i.id: str(rng.choice([c.id for c in i.choices if not c.dont_know])) for i in knowledge}
        | middle
        for _ in range(GUESSERS)
    ]
    return [
        honest,
        *(longest | keyed_end for longest in readers),
        *(longest | middle for longest in readers),
        *guessers,
    ]


def main() -> None:
    catalogue = load_catalogue(ROOT / "questionnaires")
    rng = np.random.default_rng(18)
    print(
        '| form | honest "don\'t know" | blind guessing, mean (sd) | longest only '
        "| test-wise | level |"
    )
    print("|---|---|---|---|---|---|")
    for role in ("ceo", "cio", "it_manager", "hr", "legal"):
        family = catalogue.current(role)
        assert family is not None
        for letter in family.forms:
            form = catalogue.form_for(family, letter, frozenset(catalogue.regimes))
            answers = strategies(form, rng)
            overall = score_batch(form, catalogue.rubric, encode_answers(form, answers)).overall
            n = LENGTH_READERS
            test_wise, longest = overall[1 : 1 + n].mean(), overall[1 + n : 1 + 2 * n].mean()
            guessed = overall[1 + 2 * n :]
            print(
                f"| {form.id} | {overall[0]:.1f} | {guessed.mean():.1f} ({guessed.std():.1f}) "
                f"| {longest:.1f} | {test_wise:.1f} | {catalogue.rubric.level_for(test_wise).id} |"
            )


if __name__ == "__main__":
    main()
