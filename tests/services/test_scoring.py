"""Scoring: hand-computed cases, properties under hypothesis, and the vectorised path."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import ROOT
from assessment.services.content.definitions import (
    Choice,
    Domain,
    Item,
    Level,
    Questionnaire,
    Rubric,
)
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.scoring.batch import encode_answers, score_batch
from assessment.services.scoring.single import score_response

CATALOGUE = load_catalogue(ROOT / "questionnaires")
EVERY_REGIME = frozenset(CATALOGUE.regimes)
# Every form people answer: both forms of each role's current questionnaire.
QUESTIONNAIRES = [
    CATALOGUE.form_for(current, letter, EVERY_REGIME)
    for role in ("ceo", "cio", "it_manager", "hr", "legal")
    if (current := CATALOGUE.current(role)) is not None
    for letter in current.forms
]
LEVELS = (
    Level("L1", "Unaware", 0),
    Level("L2", "Compliance-aware", 20),
    Level("L3", "Informed", 40),
    Level("L4", "Proficient", 60),
    Level("L5", "Leading", 80),
)


def knowledge(item_id: str, domain: str, correct: str, weight: float = 1) -> Item:
    choices = tuple(Choice(c, c.upper(), correct=c == correct) for c in "abcd")
    return Item(
        item_id,
        domain,
        "knowledge",
        "?",
        weight=weight,
        choices=choices + (Choice("dk", "Don't know", dont_know=True),),
    )


def likert(item_id: str, domain: str, reverse: bool = False, twin: str | None = None) -> Item:
    return Item(item_id, domain, "likert", "?", reverse=reverse, scale="agreement", twin=twin)


def rubric(weights: dict[str, float]) -> Rubric:
    domains = tuple(Domain(d, d, "", (), {}) for d in weights)
    return Rubric("1", LEVELS, domains, {"ceo": weights})


# Oracle A1 of the statistics notes (research/STATS.md §a) with formula scoring (§a's option for
# guessing: a wrong answer among m = 4 options scores −1/(m−1)), hand-computed:
# P = (0.75 + 0.75 + 2·1 + 2·(−1/3)) / 6 = 47.22…, A = (1 + 1) / 2 = 100 (A3 unanswered),
# overall = (40 · 47.22… + 60 · 100) / 100 = 78.88… (docs/scoring.md, "One more worked example")
ORACLE = Questionnaire(
    "ceo",
    "ceo",
    "1.0.0",
    "t",
    "i",
    5,
    (
        likert("P1", "P"),
        likert("P2", "P", reverse=True),
        knowledge("P3", "P", "b", 2),
        knowledge("P4", "P", "c", 2),
        likert("A1", "A"),
        knowledge("A2", "A", "d"),
        knowledge("A3", "A", "a"),
    ),
)
ORACLE_RUBRIC = rubric({"P": 40, "A": 60})


def test_score_response_matches_hand_computed_oracle():
    answers = {"P1": 4, "P2": 2, "P3": "b", "P4": "a", "A1": 5, "A2": "d"}
    result = score_response(ORACLE, ORACLE_RUBRIC, answers)
    assert result.domain("P").score == pytest.approx(100 * (3.5 - 2 / 3) / 6)
    assert result.domain("P").score == pytest.approx(47.2222222)
    assert result.domain("A").score == pytest.approx(100)
    assert result.overall == pytest.approx(78.8888889)
    assert (result.domain("P").level, result.domain("A").level, result.overall_level) == (
        "L3",
        "L5",
        "L4",
    )
    assert [i.score for i in result.items] == [0.75, 0.75, 1.0, -1 / 3, 1.0, 1.0, None]
    assert result.item("A3").status == "unanswered"
    # contributions add up to the domain score: 0.75/6·100 + 0.75/6·100 + 2/6·100 − 2/3/6·100
    assert sum(i.contribution for i in result.items if i.domain == "P") == pytest.approx(
        100 * (3.5 - 2 / 3) / 6
    )
    assert result.item("P3").contribution == pytest.approx(200 / 6)
    assert result.item("P4").contribution == pytest.approx(-200 / 18)
    # one standard error at the widest spread: 0.5 per statement, 2/3 per four-option item
    assert result.domain("P").standard_error == pytest.approx(33.564016593)
    assert result.domain("A").standard_error == pytest.approx(100 * math.sqrt(0.25 + 4 / 9) / 2)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"P1": 1}, 0.0),
        ({"P1": 5}, 100.0),
        ({"P2": 1}, 100.0),  # reversed: strongly disagreeing with a bad statement is best
        ({"P2": 4}, 25.0),
        ({"P3": "dk"}, 0.0),
        ({"P3": "a"}, -100 / 3),  # wrong among four: −1/3, and no floor at 0
        ({"P3": "b", "P4": "dk"}, 50.0),
        ({}, None),  # nothing answered: no score, never 0
    ],
    ids=[
        "likert-1",
        "likert-5",
        "reverse-1",
        "reverse-4",
        "dont-know",
        "wrong",
        "half",
        "nothing",
    ],
)
def test_domain_score_rules(answers, expected):
    score = score_response(ORACLE, ORACLE_RUBRIC, answers, min_items=1).domain("P").score
    assert score == (pytest.approx(expected) if expected is not None else None)


def test_a_domain_needs_the_minimum_of_answered_items():
    one = score_response(ORACLE, ORACLE_RUBRIC, {"P1": 5, "A1": 5, "A2": "d"})
    assert one.domain("P").score is None and one.domain("P").level is None
    assert one.domain("P").scored_items == 1 and one.domain("P").standard_error is None
    assert one.domain("A").score == 100 and one.overall == 100  # P's weight is not counted
    strict = dataclasses.replace(ORACLE_RUBRIC, min_domain_items=3)
    assert score_response(ORACLE, strict, {"A1": 5, "A2": "d"}).domain("A").score is None


def test_overall_renormalises_over_domains_with_a_score():
    result = score_response(ORACLE, ORACLE_RUBRIC, {"P1": 5}, min_items=1)
    assert result.domain("A").score is None
    assert result.overall == 100.0  # A's weight is left out, not counted as 0


def test_dont_know_is_counted_separately():
    result = score_response(ORACLE, ORACLE_RUBRIC, {"P3": "dk", "P4": "c", "P1": 3})
    domain = result.domain("P")
    assert (domain.dont_know, domain.items_answered, domain.dont_know_rate) == (1, 3, 0.5)
    assert result.item("P3").dont_know and "don't know" in result.item("P3").explanation


def test_explanations_name_answer_rule_weight_and_contribution():
    result = score_response(ORACLE, ORACLE_RUBRIC, {"P2": 2, "P4": "a"})
    assert result.item("P2").explanation == (
        'You answered 2 of 5 ("Disagree") to a negatively worded statement: '
        "1 − (2 − 1) / 4 = 0.75 × weight 1 → 25.0 points of P."  # 100 · 0.75 / (1 + 2)
    )
    assert result.item("P4").explanation == (
        'You chose "A"; the keyed answer is "C": −1/3 = -0.33, so that guessing averages the '
        'same as "don\'t know" × weight 2 → -22.2 points of P.'
    )


# --- belief items ---------------------------------------------------------------------------

CEO = CATALOGUE.current("ceo")
BELIEF = next(i for i in CEO.items if i.type == "belief" and i.fact == "mfa_remote_access")


@pytest.mark.parametrize(
    ("belief", "fact", "status"),
    [
        ("yes", None, "pending"),
        ("yes", "yes", "compared"),
        ("yes", "no", "compared"),
        ("no", "partly", "compared"),
        ("dk", "yes", "compared"),
    ],
    ids=["pending", "aligned", "optimistic", "pessimistic", "unknown"],
)
def test_belief_is_compared_never_scored(belief, fact, status):
    facts = {"mfa_remote_access": fact} if fact else {}
    result = score_response(CEO, CATALOGUE.rubric, {BELIEF.id: belief}, facts)
    item = result.item(BELIEF.id)
    assert (item.status, item.score, item.contribution) == (status, None, None)
    assert "never part of your literacy score" in item.explanation or status == "pending"
    assert (BELIEF.id in result.pending_beliefs) == (fact is None)
    assert result.domain(BELIEF.domain).dont_know == (belief == "dk")


def test_pending_belief_is_left_out_of_the_domain_score():
    pending = score_response(CEO, CATALOGUE.rubric, {BELIEF.id: "yes"})
    assert pending.domain(BELIEF.domain).score is None
    assert pending.domain(BELIEF.domain).pending == 1


# --- calibration and flags ----------------------------------------------------------------


def test_calibration_hand_computed():
    # Two 4-option items (chance 1/4). Confidence 5 → 1.0, confidence 3 → 0.25 + 0.75·0.5 = 0.625.
    q = Questionnaire(
        "ceo",
        "ceo",
        "1.0.0",
        "t",
        "i",
        5,
        (
            knowledge("K1", "P", "a"),
            knowledge("K2", "P", "a"),
            knowledge("K3", "P", "a"),
            Item("C1", "P", "confidence", "?", links=("K1", "K2", "K3")),
        ),
    )
    result = score_response(q, ORACLE_RUBRIC, {"K1": "a", "K2": "b", "K3": "dk", "C1": 5})
    cal = result.calibration
    assert (cal.pairs, cal.accuracy, cal.mean_confidence, cal.confident_wrong) == (2, 0.5, 1.0, 1)
    assert cal.bias == pytest.approx(0.5)  # over-confident by 50 points
    lower = score_response(q, ORACLE_RUBRIC, {"K1": "a", "K2": "b", "C1": 3}).calibration
    assert lower.mean_confidence == pytest.approx(0.625) and lower.bias == pytest.approx(0.125)


def test_no_calibration_without_linked_answers():
    cal = score_response(ORACLE, ORACLE_RUBRIC, {"P1": 3}).calibration
    assert (cal.pairs, cal.bias) == (0, None)


def test_quality_flags_for_foil_and_contradictory_twins():
    q = Questionnaire(
        "ceo",
        "ceo",
        "1.0.0",
        "t",
        "i",
        5,
        (
            likert("L1", "P", twin="L2"),
            likert("L2", "P", reverse=True),
            Item(
                "F1",
                "P",
                "foil",
                "?",
                choices=(Choice("yes", "y"), Choice("heard", "h"), Choice("no", "n")),
            ),
        ),
    )
    # A form with a single foil (before 2.0.0) notes its one claim.
    flags = score_response(q, ORACLE_RUBRIC, {"L1": 5, "L2": 5, "F1": "yes"}).flags
    assert sorted(f.code for f in flags) == ["contradiction", "overclaiming"]
    consistent = score_response(q, ORACLE_RUBRIC, {"L1": 5, "L2": 1, "F1": "heard"}).flags
    assert consistent == ()
    mild = score_response(q, ORACLE_RUBRIC, {"L1": 4, "L2": 4}).flags  # 0.75 vs 0.25: not flagged
    assert mild == ()


def test_overclaiming_needs_two_claims_when_there_are_several_foils():
    foil_choices = (Choice("yes", "y"), Choice("heard", "h"), Choice("no", "n"))
    q = Questionnaire(
        "ceo",
        "ceo",
        "2.0.0",
        "t",
        "i",
        5,
        tuple(Item(f"F{k}", "P", "foil", "?", choices=foil_choices) for k in (1, 2, 3)),
    )
    one = score_response(q, ORACLE_RUBRIC, {"F1": "yes", "F2": "no", "F3": "heard"})
    assert one.flags == ()
    two = score_response(q, ORACLE_RUBRIC, {"F1": "yes", "F2": "yes", "F3": "no"})
    assert [(f.code, f.item_ids) for f in two.flags] == [("overclaiming", ("F1", "F2"))]
    codes = encode_answers(q, [{"F1": "yes"}, {"F1": "yes", "F3": "yes"}])
    assert score_batch(q, ORACLE_RUBRIC, codes).overclaiming.tolist() == [False, True]


# --- properties -----------------------------------------------------------------------------


@st.composite
def responses(draw, questionnaire=None, answered=0.85):
    q = questionnaire or draw(st.sampled_from(QUESTIONNAIRES))
    answers: dict[str, object] = {}
    for item in q.items:
        if draw(st.floats(0, 1)) > answered:
            continue
        if item.type in ("likert", "confidence"):
            answers[item.id] = draw(st.integers(1, 5))
        elif item.choices:
            answers[item.id] = draw(st.sampled_from([c.id for c in item.choices]))
        else:
            answers[item.id] = draw(st.text(max_size=20))
    facts = {
        fact.id: draw(st.sampled_from(fact.category_ids))
        for fact in CATALOGUE.facts.values()
        if draw(st.booleans())
    }
    return q, answers, facts


def keyed(q: Questionnaire, facts: dict[str, str], right: bool) -> dict[str, object]:
    answers: dict[str, object] = {}
    for item in q.items:
        if item.type == "knowledge":
            wrong = next(c.id for c in item.choices if not c.correct and not c.dont_know)
            answers[item.id] = item.correct_choice if right else wrong
        elif item.type == "likert":
            answers[item.id] = (1 if item.reverse else 5) if right else (5 if item.reverse else 1)
        elif item.type == "belief":
            actual = facts[item.fact]
            other = next(c for c in CATALOGUE.facts[item.fact].category_ids if c != actual)
            answers[item.id] = actual if right else other
    return answers


PROPERTY = settings(max_examples=500, deadline=None)


@PROPERTY
@given(responses())
def test_property_scores_stay_within_bounds(case):
    q, answers, facts = case
    result = score_response(q, CATALOGUE.rubric, answers, facts)
    # Formula scoring: a wrong answer costs at most 1/(k − 1) ≤ 1/2 with k ≥ 3 answers.
    assert all(-0.5 <= i.score <= 1 for i in result.items if i.score is not None)
    assert all(-50 <= d.score <= 100 for d in result.domains if d.score is not None)
    assert result.overall is None or -50 <= result.overall <= 100
    if result.calibration.bias is not None:
        assert -1 <= result.calibration.bias <= 1


@PROPERTY
@given(st.sampled_from(QUESTIONNAIRES), st.data())
def test_property_all_right_gives_100_and_all_wrong_gives_the_lowest_score(q, data):
    facts = {f.id: data.draw(st.sampled_from(f.category_ids)) for f in CATALOGUE.facts.values()}
    best = score_response(q, CATALOGUE.rubric, keyed(q, facts, right=True), facts)
    worst = score_response(q, CATALOGUE.rubric, keyed(q, facts, right=False), facts)
    for domain_id in CATALOGUE.rubric.role_weights[q.role]:
        assert best.domain(domain_id).score == pytest.approx(100)
        scored = [i for i in q.items if i.domain == domain_id and i.type in ("knowledge", "likert")]
        lowest = sum(
            i.weight * (-1 / (len(i.choices) - 2) if i.type == "knowledge" else 0) for i in scored
        ) / sum(i.weight for i in scored)
        assert worst.domain(domain_id).score == pytest.approx(100 * lowest)
    assert best.overall == pytest.approx(100) and worst.overall < 0


@PROPERTY
@given(responses(), st.data())
def test_property_turning_a_wrong_answer_right_never_lowers_a_score(case, data):
    q, answers, facts = case
    # Answered wrong or "don't know": the same items count, so nothing else moves.
    wrong = [
        i
        for i in q.items
        if i.type == "knowledge" and answers.get(i.id) not in (None, i.correct_choice)
    ]
    if not wrong:
        return
    item = data.draw(st.sampled_from(wrong))
    before = score_response(q, CATALOGUE.rubric, answers, facts)
    after = score_response(q, CATALOGUE.rubric, {**answers, item.id: item.correct_choice}, facts)
    for old, new in zip(before.domains, after.domains, strict=True):
        assert old.score is None or new.score >= old.score
    assert before.overall is None or after.overall >= before.overall


@PROPERTY
@given(st.sampled_from(QUESTIONNAIRES), st.data())
def test_property_reverse_keyed_item_mirrors_its_plain_twin(q, data):
    item = data.draw(st.sampled_from([i for i in q.items if i.type == "likert"]))
    value = data.draw(st.integers(1, 5))
    flipped = dataclasses.replace(item, reverse=not item.reverse)
    mirrored = dataclasses.replace(
        q, items=tuple(flipped if i.id == item.id else i for i in q.items)
    )
    original = score_response(q, CATALOGUE.rubric, {item.id: value})
    mirror = score_response(mirrored, CATALOGUE.rubric, {item.id: 6 - value})
    assert original.item(item.id).score == mirror.item(item.id).score
    assert original.domains == mirror.domains


@PROPERTY
@given(responses(), st.data())
def test_property_confidence_answers_never_change_the_literacy_score(case, data):
    q, answers, facts = case
    changed = dict(answers)
    for item in q.items:
        if item.type == "confidence":
            changed[item.id] = data.draw(st.none() | st.integers(1, 5))
    changed = {k: v for k, v in changed.items() if v is not None}
    first = score_response(q, CATALOGUE.rubric, answers, facts)
    second = score_response(q, CATALOGUE.rubric, changed, facts)
    assert first.domains == second.domains
    assert first.overall == second.overall


def _same(array_value, scalar_value):
    if scalar_value is None:
        return math.isnan(array_value) if isinstance(array_value, float) else array_value == -1
    return array_value == scalar_value


@PROPERTY
@given(st.sampled_from(QUESTIONNAIRES), st.data())
def test_property_vectorised_path_equals_one_response_path(q, data):
    batch = data.draw(st.lists(responses(questionnaire=q), min_size=1, max_size=8))
    facts = batch[0][2]
    answers = [answers for _, answers, _ in batch]
    scores = score_batch(q, CATALOGUE.rubric, encode_answers(q, answers), facts)
    level_ids = [level.id for level in CATALOGUE.rubric.levels]
    for row, response in enumerate(answers):
        one = score_response(q, CATALOGUE.rubric, response, facts)
        for column, item in enumerate(one.items):
            assert _same(float(scores.item_scores[row, column]), item.score)
        for k, domain in enumerate(one.domains):
            assert _same(float(scores.domain_scores[row, k]), domain.score)
            level = int(scores.domain_levels[row, k])
            assert (level_ids[level] if level >= 0 else None) == domain.level
            assert scores.items_answered[row, k] == domain.items_answered
            assert scores.dont_know[row, k] == domain.dont_know
            assert scores.pending[row, k] == domain.pending
            assert scores.scored_items[row, k] == domain.scored_items
            assert _same(float(scores.standard_errors[row, k]), domain.standard_error)
        assert _same(float(scores.overall[row]), one.overall)
        level = int(scores.overall_level[row])
        assert (level_ids[level] if level >= 0 else None) == one.overall_level
        cal = one.calibration
        assert scores.calibration_pairs[row] == cal.pairs
        assert _same(float(scores.mean_confidence[row]), cal.mean_confidence)
        assert _same(float(scores.accuracy[row]), cal.accuracy)
        assert _same(float(scores.calibration_bias[row]), cal.bias)
        assert scores.confident_wrong[row] == cal.confident_wrong
        assert bool(scores.overclaiming[row]) == any(f.code == "overclaiming" for f in one.flags)
        assert scores.contradictions[row] == sum(f.code == "contradiction" for f in one.flags)


def test_vectorised_path_handles_an_empty_batch():
    q = QUESTIONNAIRES[0]
    scores = score_batch(q, CATALOGUE.rubric, encode_answers(q, []))
    assert scores.overall.shape == (0,)
    assert np.isnan(score_batch(q, CATALOGUE.rubric, encode_answers(q, [{}])).overall[0])
