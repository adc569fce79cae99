"""Vectorised scoring against the one-response path on 100,000 synthetic responses.

Run with ``make bench`` (or ``python -m benchmarks bench_scoring``). Prints wall-clock times
measured in this one run and their ratio; nothing here is asserted.
"""

from __future__ import annotations

import random
import time

from assessment import ROOT
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.scoring.batch import encode_answers, score_batch
from assessment.services.scoring.single import score_response

RESPONSES = 100_000


def synthetic_answers(questionnaire, rng: random.Random) -> dict[str, object]:  # type: ignore[no-untyped-def]
    answers: dict[str, object] = {}
    for item in questionnaire.items:
        if item.type in ("likert", "confidence"):
            answers[item.id] = rng.randint(1, 5)
        elif item.choices:
            answers[item.id] = rng.choice(item.choices).id
    return answers


def main() -> None:
    catalogue = load_catalogue(ROOT / "questionnaires")
    questionnaire = catalogue.current_form("ceo")
    assert questionnaire is not None
    rng = random.Random(20261127)
    responses = [synthetic_answers(questionnaire, rng) for _ in range(RESPONSES)]
    facts = {fact.id: fact.category_ids[0] for fact in catalogue.facts.values()}

    start = time.perf_counter()
    loop = [score_response(questionnaire, catalogue.rubric, a, facts).overall for a in responses]
    loop_seconds = time.perf_counter() - start

    start = time.perf_counter()
    codes = encode_answers(questionnaire, responses)
    encode_seconds = time.perf_counter() - start
    start = time.perf_counter()
    batch = score_batch(questionnaire, catalogue.rubric, codes, facts)
    kernel_seconds = time.perf_counter() - start

    assert list(batch.overall) == loop, "the two paths disagree"
    vector_seconds = encode_seconds + kernel_seconds
    print(
        f"responses:                      {RESPONSES:,} "
        f"({questionnaire.id} {questionnaire.version}, "
        f"{len(questionnaire.items)} items)"
    )
    print(f"one-response path in a loop:    {loop_seconds:8.3f} s")
    print(f"vectorised: encode answers      {encode_seconds:8.3f} s")
    print(f"vectorised: score the batch     {kernel_seconds:8.3f} s")
    print(f"speed-up, encode + score:       {loop_seconds / vector_seconds:8.1f} x")
    print(f"speed-up, scoring kernel only:  {loop_seconds / kernel_seconds:8.1f} x")
    print("overall scores identical on every response: yes")
