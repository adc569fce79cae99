"""Compact cycle answers and lazily built scores agree with the per-response forms."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import ROOT
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.gaps.analysis import analyse_belief_table
from assessment.services.gaps.report import Belief
from assessment.services.scoring import people as scored_people
from assessment.services.scoring.answer_matrix import collect_answers
from assessment.services.scoring.batch import encode_answers, score_batch
from assessment.services.scoring.people import ScoredPerson, score_answers

CATALOGUE = load_catalogue(ROOT / "questionnaires")
QUESTIONNAIRES = [
    CATALOGUE.current_form(role) for role in ("ceo", "cio", "it_manager", "hr", "legal")
]
LEVELS = [level.id for level in CATALOGUE.rubric.levels]


@dataclasses.dataclass(frozen=True)
class Response:
    email: str
    name: str
    role: str
    questionnaire_id: str
    version: str
    answers: dict[str, object]


@st.composite
def responses(draw, index):
    q = draw(st.sampled_from(QUESTIONNAIRES))
    answers: dict[str, object] = {}
    for item in q.items:
        if draw(st.integers(0, 9)) == 0:
            continue  # unanswered
        if item.type in ("likert", "confidence"):
            answers[item.id] = draw(st.integers(1, 5))
        elif item.choices:
            # now and then a stored value outside the choices: no code, but still a belief
            answers[item.id] = draw(
                st.sampled_from([c.id for c in item.choices]) | st.just("stray") | st.just(3)
            )
        else:
            answers[item.id] = draw(st.text(max_size=5))
    email = draw(st.sampled_from([f"p{index}@x", "same@x"]))  # ties in (role, email) happen
    return Response(email, f"P{index}", q.role, q.id, q.version, answers)


cycles = st.integers(0, 12).flatmap(lambda n: st.tuples(*(responses(k) for k in range(n))))
reported = st.fixed_dictionaries(
    {},
    optional={f.id: st.sampled_from(f.category_ids) for f in CATALOGUE.facts.values()},
)


def reference_beliefs(read: list[Response]) -> list[Belief]:
    """One Belief per answered belief item, as the reports built them one response at a time."""
    found = []
    for r in read:
        for item in CATALOGUE.get(r.questionnaire_id, r.version).items:
            value = r.answers.get(item.id)
            if item.type == "belief" and isinstance(value, str) and item.fact:
                found.append(Belief(r.email, r.name, r.role, item.id, item.fact, value))
    return found


def reference_scores(read: list[Response], facts: dict[str, str]) -> list[ScoredPerson]:
    """Each version scored as one batch, one ScoredPerson per response, sorted by role, email."""

    def number(value: float) -> float | None:
        return None if value != value else float(value)

    def level(index: int) -> str | None:
        return LEVELS[index] if index >= 0 else None

    scored = []
    for key in sorted({(r.questionnaire_id, r.version) for r in read}):
        q = CATALOGUE.get(*key)
        group = [r for r in read if (r.questionnaire_id, r.version) == key]
        batch = score_batch(
            q, CATALOGUE.rubric, encode_answers(q, [r.answers for r in group]), facts
        )
        for row, r in enumerate(group):
            domains = {
                d: {
                    "score": number(batch.domain_scores[row, k]),
                    "level": level(int(batch.domain_levels[row, k])),
                    "standard_error": number(batch.standard_errors[row, k]),
                }
                for k, d in enumerate(CATALOGUE.rubric.domain_ids)
            }
            overall = number(batch.overall[row])
            scored.append(
                ScoredPerson(
                    r.email, r.name, r.role, overall, level(int(batch.overall_level[row])), domains
                )
            )
    return sorted(scored, key=lambda s: (s.role, s.email))


@settings(max_examples=60, deadline=None)
@given(cycles)
def test_property_codes_and_beliefs_match_the_per_response_forms(read):
    read = list(read)
    answers = collect_answers(read, CATALOGUE.get)
    assert list(answers.people.emails) == [r.email for r in read]
    for (qid, version), found in answers.versions.items():
        rows = [k for k, r in enumerate(read) if (r.questionnaire_id, r.version) == (qid, version)]
        assert found.people.tolist() == rows
        expected = encode_answers(found.questionnaire, [read[k].answers for k in rows])
        assert np.array_equal(found.codes, expected) and found.codes.dtype == expected.dtype
    # with no fact reported, every belief is pending, in read order
    pending = analyse_belief_table(answers.beliefs, CATALOGUE.facts, {}).pending
    assert list(pending) == reference_beliefs(read)


@settings(max_examples=60, deadline=None)
@given(cycles, reported)
def test_property_scored_people_match_batch_scoring(read, facts):
    read = list(read)
    scored = score_answers(collect_answers(read, CATALOGUE.get), CATALOGUE.rubric, facts)
    assert repr(list(scored)) == repr(reference_scores(read, facts))


@settings(max_examples=30, deadline=None)
@given(cycles, reported)
def test_property_scoring_in_chunks_changes_nothing(read, facts):
    answers = collect_answers(list(read), CATALOGUE.get)
    whole = list(score_answers(answers, CATALOGUE.rubric, facts))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(scored_people, "CHUNK", 2)
        assert repr(list(score_answers(answers, CATALOGUE.rubric, facts))) == repr(whole)


def test_only_items_scores_the_kept_items_alone():
    q = QUESTIONNAIRES[0]
    likert = [item.id for item in q.items if item.type == "likert"]
    keep = {item.id for item in q.items} - set(likert[::2])  # confidence links stay intact
    cut = dataclasses.replace(q, items=tuple(i for i in q.items if i.id in keep))
    answers: dict[str, object] = {
        item.id: k % 5 + 1 for k, item in enumerate(q.items) if item.type == "likert"
    }
    answers |= {item.id: item.correct_choice for item in q.items if item.type == "knowledge"}
    read = [Response("a@x", "A", q.role, q.id, q.version, answers)]
    restricted = score_answers(
        collect_answers(read, CATALOGUE.get), CATALOGUE.rubric, {}, {q.role: keep}
    )
    whole = score_answers(collect_answers(read, CATALOGUE.get), CATALOGUE.rubric, {})
    batch = score_batch(cut, CATALOGUE.rubric, encode_answers(cut, [answers]), {})
    assert restricted[0].overall == float(batch.overall[0]) != whole[0].overall


def test_scored_people_read_like_a_list():
    read = [
        Response(f"{e}@x", e.upper(), q.role, q.id, q.version, {})
        for e, q in zip("cab", QUESTIONNAIRES, strict=False)
    ]
    scored = score_answers(collect_answers(read, CATALOGUE.get), CATALOGUE.rubric, {})
    assert len(scored) == 3 and [s.role for s in scored] == ["ceo", "cio", "it_manager"]
    assert scored[-1] == scored[2] and scored[1:] == (scored[1], scored[2])
    assert scored == reference_scores(read, {})
    assert dataclasses.asdict(scored[0])["domains"]["D1"] == {
        "score": None,
        "level": None,
        "standard_error": None,
    }
    with pytest.raises(IndexError):
        scored[3]
    assert len(score_answers(collect_answers([], CATALOGUE.get), CATALOGUE.rubric, {})) == 0
