"""What three answering strategies score on every shipped form (a measurement, not a speed).

Run on demand: ``.venv/bin/python -m benchmarks.answering_strategies``. The review that led to
scoring version 2 measured an honest "don't know" at L1, blind guessing at L2 and test-wise
answering at L3; docs/scoring.md keeps the table this prints for the current content.

- honest: "Don't know" to every knowledge question, the middle of every statement's scale;
- guessing: a random answer among the real options (2,000 simulated people), middle of scale;
- test-wise: the longest option of every question and the keyed end of every statement.
"""

from __future__ import annotations

import numpy as np

from assessment import ROOT
from assessment.services.content.definitions import Questionnaire
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.scoring.batch import encode_answers, score_batch
from assessment.services.scoring.single import score_response

GUESSERS = 2000


def strategies(form: Questionnaire, rng: np.random.Generator) -> list[dict[str, object]]:
    knowledge = [i for i in form.items if i.type == "knowledge"]
    middle: dict[str, object] = {i.id: 3 for i in form.items if i.type == "likert"}
    keyed_end: dict[str, object] = {
        i.id: 1 if i.reverse else 5 for i in form.items if i.type == "likert"
    }
    honest = {i.id: i.dont_know_choice for i in knowledge} | middle
    test_wise = {
        i.id: max((c for c in i.choices if not c.dont_know), key=lambda c: len(c.label)).id
        for i in knowledge
    } | keyed_end
    guessers = [
        {i.id: str(rng.choice([c.id for c in i.choices if not c.dont_know])) for i in knowledge}
        | middle
        for _ in range(GUESSERS)
    ]
    return [honest, test_wise, *guessers]


def main() -> None:
    catalogue = load_catalogue(ROOT / "questionnaires")
    rng = np.random.default_rng(18)
    print('| form | honest "don\'t know" | blind guessing, mean (sd) | test-wise | level |')
    print("|---|---|---|---|---|")
    for role in ("ceo", "cio", "it_manager", "hr", "legal"):
        family = catalogue.current(role)
        assert family is not None
        for letter in family.forms:
            form = catalogue.form_for(family, letter, frozenset(catalogue.regimes))
            answers = strategies(form, rng)
            overall = score_batch(form, catalogue.rubric, encode_answers(form, answers)).overall
            guessed = overall[2:]
            test_wise = score_response(form, catalogue.rubric, answers[1])
            print(
                f"| {form.id} | {overall[0]:.1f} | {guessed.mean():.1f} ({guessed.std():.1f}) "
                f"| {overall[1]:.1f} | {test_wise.overall_level} |"
            )


if __name__ == "__main__":
    main()
