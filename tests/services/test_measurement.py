"""Scores that measure literacy (docs/scoring.md): beliefs apart, honesty never behind a guess,
forms that rotate around shared anchors, only the rules that apply, and item statistics that
equal independent computations and published reference values (research/STATS.md §e)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import ROOT
from assessment.services.content.definitions import Choice, Item, Questionnaire
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.scoring.batch import encode_answers, score_batch
from assessment.services.scoring.item_analysis import (
    AnsweredForm,
    analyse_items,
    cronbach_alpha,
    pearson,
)
from assessment.services.scoring.single import score_response
from assessment.services.scoring.standard_setting import implied_cut

CATALOGUE = load_catalogue(ROOT / "questionnaires")
EVERY_REGIME = frozenset(CATALOGUE.regimes)
ROLES = ("ceo", "cio", "it_manager", "hr", "legal")
FAMILIES = [q for role in ROLES if (q := CATALOGUE.current(role)) is not None]
FORMS = [
    CATALOGUE.form_for(family, letter, EVERY_REGIME)
    for family in FAMILIES
    for letter in family.forms
]


# --- 1. literacy and beliefs apart -------------------------------------------------------------


@st.composite
def literacy_answers(draw):
    """A form, answers to its literacy items, and two unrelated sets of beliefs and facts."""
    form = draw(st.sampled_from(FORMS))
    answers: dict[str, object] = {}
    for item in form.items:
        if item.type in ("likert", "confidence"):
            answers[item.id] = draw(st.integers(1, 5))
        elif item.type in ("knowledge", "foil"):
            answers[item.id] = draw(st.sampled_from([c.id for c in item.choices]))

    def beliefs_and_facts() -> tuple[dict[str, object], dict[str, str]]:
        beliefs: dict[str, object] = {}
        for item in form.items:
            if item.type == "belief" and draw(st.booleans()):
                beliefs[item.id] = draw(st.sampled_from([c.id for c in item.choices]))
        facts = {
            f.id: draw(st.sampled_from(f.category_ids))
            for f in CATALOGUE.facts.values()
            if draw(st.booleans())
        }
        return beliefs, facts

    return form, answers, beliefs_and_facts(), beliefs_and_facts()


@settings(max_examples=200, deadline=None)
@given(literacy_answers())
def test_property_beliefs_and_facts_never_move_a_literacy_score(case):
    form, answers, (beliefs1, facts1), (beliefs2, facts2) = case
    first = score_response(form, CATALOGUE.rubric, {**answers, **beliefs1}, facts1)
    second = score_response(form, CATALOGUE.rubric, {**answers, **beliefs2}, facts2)
    bare = score_response(form, CATALOGUE.rubric, answers, {})
    assert [d.score for d in first.domains] == [d.score for d in second.domains]
    assert [d.score for d in first.domains] == [d.score for d in bare.domains]
    assert first.overall == second.overall == bare.overall
    assert all(i.score is None for i in first.items if i.type == "belief")  # compared, never scored
    # the vectorised path used by every report agrees
    batch = score_batch(
        form,
        CATALOGUE.rubric,
        encode_answers(form, [{**answers, **beliefs1}, {**answers, **beliefs2}]),
        facts1,
    )
    np.testing.assert_array_equal(batch.overall[0], batch.overall[1])
    np.testing.assert_array_equal(batch.domain_scores[0], batch.domain_scores[1])


# --- 2. honesty never loses to guessing -------------------------------------------------------


def test_a_blind_guess_on_every_knowledge_item_expects_exactly_what_dont_know_gets():
    checked = 0
    for form in FORMS:
        for item in (i for i in form.items if i.type == "knowledge"):
            guesses = [c.id for c in item.choices if not c.dont_know]
            scores = [
                score_response(form, CATALOGUE.rubric, {item.id: g}).item(item.id).score
                for g in guesses
            ]
            honest = score_response(form, CATALOGUE.rubric, {item.id: "dk"}).item(item.id).score
            assert honest == 0
            assert sum(scores) / len(scores) == pytest.approx(0, abs=1e-12), item.id
            checked += 1
    assert checked > 200  # every knowledge item of both forms of every role


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_simulated_blind_guessers_score_no_higher_than_honest_dont_knows(form):
    """4,000 executives who guess every knowledge item, against one who says "don't know"."""
    knowledge = dataclasses.replace(
        form, items=tuple(i for i in form.items if i.type == "knowledge")
    )
    rng = np.random.default_rng(18)
    guessers = [
        {
            i.id: str(rng.choice([c.id for c in i.choices if not c.dont_know]))
            for i in knowledge.items
        }
        for _ in range(4000)
    ]
    honest = {i.id: i.dont_know_choice for i in knowledge.items}
    scores = score_batch(
        knowledge, CATALOGUE.rubric, encode_answers(knowledge, [honest, *guessers])
    ).overall
    dont_know, guessed = float(scores[0]), scores[1:]
    assert dont_know == 0
    # Expected value 0 exactly; allow three standard errors of the simulated mean.
    tolerance = 3 * guessed.std(ddof=1) / np.sqrt(len(guessed))
    assert guessed.mean() <= dont_know + tolerance
    assert guessed.mean() == pytest.approx(0, abs=tolerance)


# --- 3. documented cut scores -------------------------------------------------------------------


def test_the_cut_score_table_in_the_docs_is_recomputed_from_the_ratings():
    """docs/scoring.md's Angoff table, its median, and the L4 threshold derived from it."""
    text = (ROOT / "docs" / "scoring.md").read_text()
    table = text.split("| role | form a | form b |", 1)[1].split("\n\n", 1)[0]
    rows = [line.strip("|").split("|") for line in table.splitlines()[2:]]
    names = {"CEO": "ceo", "CIO": "cio", "IT manager": "it_manager"}
    names |= {"HR executive": "hr", "Legal executive": "legal"}
    cuts = []
    for name, *cells in rows:
        family = CATALOGUE.current(names[name.strip()])
        computed = [
            implied_cut(CATALOGUE.form_for(family, letter, profile), CATALOGUE.rubric)
            for profile in (EVERY_REGIME, frozenset())
            for letter in family.forms
        ]
        assert [float(c) for c in cells] == [round(c, 1) for c in computed], name
        cuts.extend(computed)
    assert len(cuts) == 20
    median = float(np.median(cuts))
    assert f"Their median is {median:.1f}" in text
    proficient = next(level for level in CATALOGUE.rubric.levels if level.id == "L4")
    assert proficient.min == 5 * (median // 5) == 70


def test_implied_cut_is_the_weighted_expectation_of_the_ratings():
    def rated(item_id: str, domain: str, angoff: float, weight: float = 1) -> Item:
        return Item(item_id, domain, "likert", "?", weight=weight, scale="agreement", angoff=angoff)

    q = Questionnaire(
        "ceo",
        "ceo",
        "1",
        "t",
        "i",
        5,
        (rated("a", "D1", 0.5), rated("b", "D1", 0.8, 3), rated("c", "D2", 0.6)),
    )
    weights = CATALOGUE.rubric.role_weights["ceo"]
    d1 = 100 * (0.5 + 3 * 0.8) / 4
    expected = (weights["D1"] * d1 + weights["D2"] * 60) / (weights["D1"] + weights["D2"])
    assert implied_cut(q, CATALOGUE.rubric) == pytest.approx(expected)


# --- 4 and 5. only the rules that apply; rotating forms with anchors --------------------------


PROFILES = [frozenset()] + [
    frozenset(combo) for size in (1, 2) for combo in itertools.combinations(CATALOGUE.regimes, size)
]


@pytest.mark.parametrize("family", FAMILIES, ids=lambda q: q.role)
def test_no_form_holds_an_item_of_a_regime_that_does_not_apply(family):
    for profile in [*PROFILES, EVERY_REGIME]:
        for letter in family.forms:
            form = CATALOGUE.form_for(family, letter, profile)
            for item in form.items:
                assert not item.regimes or set(item.regimes) & profile, (form.id, item.id)
            assert CATALOGUE.get(form.id, form.version) == form  # the id names the cut


@pytest.mark.parametrize("family", FAMILIES, ids=lambda q: q.role)
def test_every_weighted_domain_stands_under_every_profile(family):
    """Legal's domains included: enough universal or matching items whatever applies."""
    weights = CATALOGUE.rubric.role_weights[family.role]
    for profile in PROFILES:
        for letter in family.forms:
            form = CATALOGUE.form_for(family, letter, profile)
            for domain, weight in weights.items():
                scored = [
                    i
                    for i in form.items
                    if i.domain == domain and i.type in ("knowledge", "likert")
                ]
                if weight > 0:
                    assert len(scored) >= CATALOGUE.rubric.min_domain_items, (form.id, domain)


@pytest.mark.parametrize("family", FAMILIES, ids=lambda q: q.role)
def test_forms_share_an_anchor_block_and_differ_in_parallel_items(family):
    a, b = (CATALOGUE.form_for(family, letter, EVERY_REGIME) for letter in family.forms[:2])
    scored_a = [i for i in a.items if i.type in ("knowledge", "likert")]
    shared = {i.id for i in a.items} & {i.id for i in b.items}
    assert shared == {i.id for i in a.items if i.form is None}
    assert {i.id for i in a.items} != {i.id for i in b.items}
    anchors = sum(i.id in shared for i in scored_a) / len(scored_a)
    assert 0.5 <= anchors <= 0.7  # about 60 % of the scored items
    by_objective: dict[str, list[Item]] = {}
    for item in family.items:
        if item.form is not None and item.type in ("knowledge", "likert"):
            by_objective.setdefault(item.objective, []).append(item)
    assert by_objective
    for objective, parallels in by_objective.items():
        assert sorted(i.form for i in parallels) == sorted(family.forms), objective
        keys = {
            (i.domain, i.type, sum(not c.dont_know for c in i.choices), i.scale, i.reverse)
            for i in parallels
        }
        assert len(keys) == 1, objective


@pytest.mark.parametrize("form", FORMS, ids=lambda f: f.id)
def test_every_knowledge_item_is_followed_by_its_confidence_tap(form):
    ids = [i.id for i in form.items]
    for item in form.items:
        if item.type == "knowledge":
            tap = form.item(ids[ids.index(item.id) + 1])
            assert tap.is_sure_tap and tap.links == (item.id,)


# --- item analysis ------------------------------------------------------------------------------


def _binary_form(k: int, domain: str = "D1") -> Questionnaire:
    items = tuple(
        Item(
            f"q{j}",
            domain,
            "knowledge",
            "?",
            choices=(
                Choice("a", "A", correct=True),
                Choice("b", "B"),
                Choice("c", "C"),
                Choice("dk", "Don't know", dont_know=True),
            ),
        )
        for j in range(k)
    )
    return Questionnaire("ceo", "ceo", "1", "t", "i", 5, items)


def _answered(form: Questionnaire, rows: list[list[float]]) -> list[AnsweredForm]:
    """0/1 rows to answers ("a" right, "b" wrong, NaN not shown)."""
    return [
        AnsweredForm(
            "ceo",
            form,
            {
                f"q{j}": "a" if value == 1 else "b"
                for j, value in enumerate(row)
                if value == value  # NaN: the item was not answered
            },
        )
        for row in rows
    ]


NAN = float("nan")
# research/STATS.md, E1b/E1c: pingouin's cronbach_wide_missing data (12 × 11, blank = NaN)
E1 = [
    [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
    [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0],
    [NAN, 0, 1, 1, NAN, 1, 1, 1, 1, 0, 0],
    [1, 1, 1, 0, 1, 1, 0, 1, 1, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0],
    [0, 1, NAN, 0, 1, 1, 1, 1, 0, 0, 0],
    [1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
    [1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 1, 1, 0, 0, 0, 0, 1, 0],
    [1, 0, 0, 1, 0, 1, 0, 0, NAN, 0, 0],
    [1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0],
]


def test_alpha_equals_published_reference_values():
    e1d = [[3, 4, 5], [3, 4, 6], [2, 3, 4], [4, 4, 4], [5, 5, 5], [3, 3, 2], [5, 2, 3], [4, 1, 2]]
    e1d += [[3, 4, 2], [4, 4, 3], [1, 2, 3], [3, 2, 1], [3, 5, 4], [3, 4, 3], [4, 3, 4]]
    assert cronbach_alpha(np.array(e1d, dtype=float)) == pytest.approx(0.547752808988764, 1e-12)
    e2 = np.array([[4, 3, 5, 2, 4], [5, 4, 5, 3, 4], [4, 3, 4, 2, 5]], dtype=float).T
    assert cronbach_alpha(e2) == pytest.approx(0.9036144578313254, rel=1e-12)
    corrected = [pearson(e2[:, j].tolist(), (e2.sum(axis=1) - e2[:, j]).tolist()) for j in range(3)]
    assert corrected == pytest.approx([0.931552, 0.799411, 0.752335], abs=1e-6)
    for undefined in (np.ones((5, 1)), np.ones((2, 3)), np.ones((4, 3))):
        assert cronbach_alpha(undefined) is None


def test_item_analysis_alpha_is_listwise_as_the_contract_defines():
    """E1c: the 9 complete rows of the 12 × 11 binary example give 0.8016949152542373."""
    form = _binary_form(11)
    domain = analyse_items(_answered(form, E1)).domains[0]
    assert (domain.n_items, domain.n) == (11, 9)
    assert domain.alpha == pytest.approx(0.8016949152542373, rel=1e-12)


def test_item_analysis_equals_an_independent_numpy_computation_on_known_structure():
    """Data from a one-factor model: easy and hard items, and one item keyed backwards."""
    rng = np.random.default_rng(2026)
    n, k = 400, 8
    ability = rng.normal(size=n)
    ease = np.linspace(4, -4, k)  # q0 easiest ... q7 hardest
    loading = np.full(k, 1.5)
    loading[5] = -1.5  # a miskeyed item: better people miss it more often
    p = 1 / (1 + np.exp(-(loading * ability[:, None] + ease)))
    matrix = (rng.random((n, k)) < p).astype(float)
    form = _binary_form(k)
    analysis = analyse_items(_answered(form, matrix.tolist()))
    by_id = {s.id: s for s in analysis.items}
    for j in range(k):
        stats = by_id[f"q{j}"]
        rest = matrix.sum(axis=1) - matrix[:, j]
        assert stats.n == n
        assert stats.difficulty == pytest.approx(matrix[:, j].mean(), rel=1e-12)
        assert stats.discrimination == pytest.approx(
            np.corrcoef(matrix[:, j], rest)[0, 1], rel=1e-9
        )
        assert stats.dont_know_rate == 0
    variances = matrix.var(axis=0, ddof=1).sum()
    alpha = k / (k - 1) * (1 - variances / matrix.sum(axis=1).var(ddof=1))
    assert analysis.domains[0].alpha == pytest.approx(alpha, rel=1e-12)
    # the structure shows through: difficulty falls with ease, the miskeyed item is flagged
    assert by_id["q0"].difficulty > 0.9 > 0.2 > by_id["q7"].difficulty
    assert by_id["q5"].discrimination < 0
    assert any("negative discrimination" in r for r in by_id["q5"].review_reasons)
    assert "too easy" in " ".join(by_id["q0"].review_reasons)
    assert all(by_id[f"q{j}"].discrimination > 0 for j in (1, 2, 3, 4, 6))


def test_item_analysis_counts_dont_knows_and_anchors_only_when_forms_rotate():
    items = _binary_form(4).items
    form_a = Questionnaire("ceo", "ceo", "1", "t", "i", 5, items[:3])  # q0 q1 q2
    form_b = Questionnaire("ceo", "ceo", "1", "t", "i", 5, items[:2] + items[3:])  # q0 q1 q3
    rows = [
        AnsweredForm("ceo", form_a, {"q0": "a", "q1": "a", "q2": "b"}),
        AnsweredForm("ceo", form_a, {"q0": "a", "q1": "dk", "q2": "a"}),
        AnsweredForm("ceo", form_b, {"q0": "b", "q1": "b", "q3": "a"}),
        AnsweredForm("ceo", form_b, {"q0": "a", "q1": "a", "q3": "dk"}),
    ]
    stats = {s.id: s for s in analyse_items(rows).items}
    assert (stats["q1"].n, stats["q1"].dont_know_rate, stats["q1"].difficulty) == (4, 0.25, 0.5)
    assert stats["q2"].n == 2 and stats["q2"].discrimination is None  # fewer than three
    anchors = analyse_items(rows, common_only=True).domains[0]
    assert (anchors.n_items, anchors.n) == (2, 4)
    matrix = np.array([[1, 1], [1, 0], [0, 0], [1, 1]], dtype=float)
    assert anchors.alpha == pytest.approx(cronbach_alpha(matrix))
    listwise = analyse_items(rows).domains[0]
    assert (listwise.n_items, listwise.n, listwise.alpha) == (4, 0, None)
