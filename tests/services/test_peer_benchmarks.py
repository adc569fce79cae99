"""Peer benchmarks: hand-checked cases, the minimum-n boundaries, the industry fallback, and
properties against SciPy's percentileofscore and NumPy's median on generated organisations."""

from __future__ import annotations

import dataclasses
import math
import random
import statistics

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import percentileofscore

from assessment.services.benchmarks import (
    DECIMALS,
    BeliefCounts,
    Benchmark,
    PeerFigures,
    Placement,
    organisation_figures,
    peer_benchmark,
    place,
)


def peer(*figures: float | None, industry: str | None = None, beliefs=None) -> PeerFigures:
    """A peer with figures for domains D1, D2, ... in order."""
    return PeerFigures(
        {f"D{k}": f for k, f in enumerate(figures, 1)}, industry=industry, beliefs=beliefs
    )


FIVE = [peer(v) for v in (10.0, 20.0, 30.0, 40.0, 60.0)]


# --- place: the percentile and median of one figure ----------------------------------------


@pytest.mark.parametrize(
    ("own", "values", "percentile", "median"),
    [
        (50.0, [10, 20, 30, 40, 60], 80.0, 30.0),  # 4 lower of 5
        (30.0, [10, 20, 30, 40, 60], 50.0, 30.0),  # 2 lower + ½ × 1 equal = 2.5 of 5
        (5.0, [10, 20, 30, 40, 60], 0.0, 30.0),
        (99.0, [10, 20, 30, 40, 60], 100.0, 30.0),
        (50.0, [50, 50, 50, 50, 50], 50.0, 50.0),  # all tied: the middle
        (35.0, [10, 20, 30, 40, 50, 60], 50.0, 35.0),  # even n: median is a mean of two
        (40.0, [40, 40, 10, 70, 70, 70], 100 * 2 / 6, 55.0),  # 1 lower + ½ × 2 equal = 2 of 6
        (0.1 + 0.2, [0.3] * 5, 50.0, 0.3),  # 0.30000000000000004 ties with 0.3
    ],
    ids=["above", "tie-at-median", "lowest", "highest", "all-tied", "even", "two-ties", "fp"],
)
def test_place_hand_checked(own, values, percentile, median):
    placed = place(own, [float(v) for v in values])
    assert placed.percentile == pytest.approx(percentile)
    assert placed.peer_median == pytest.approx(median)
    assert placed.peers == len(values)


def test_place_without_own_figure_gives_only_the_median():
    assert place(None, [1.0, 2.0, 3.0]) == Placement(None, None, 2.0, 3)


def test_place_refuses_no_values_and_non_finite():
    with pytest.raises(ValueError):
        place(1.0, [])
    with pytest.raises(ValueError):
        place(math.nan, [1.0])
    with pytest.raises(ValueError):
        place(1.0, [1.0, math.inf])


# --- organisation figures ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "expected"),
    [
        ([], {}),
        ([{"D1": 40.0, "D2": None}, {"D1": 60.0, "D2": 30.0}], {"D1": 50.0, "D2": 30.0}),
        ([{"D1": None}, {"D1": None}], {"D1": None}),
        ([{"D1": 10.0}, {"D2": 20.0}], {"D1": 10.0, "D2": 20.0}),
        ([{"D1": 0.0}, {"D1": 100.0}, {"D1": None}], {"D1": 50.0}),  # None is not a zero
    ],
    ids=["none", "mean-skipping-null", "all-null", "disjoint-domains", "null-not-zero"],
)
def test_organisation_figures_hand_checked(responses, expected):
    assert organisation_figures(responses) == expected


def test_organisation_figures_do_not_depend_on_response_order():
    rng = random.Random(3)
    responses = [{"D1": rng.uniform(0, 100)} for _ in range(50)]
    first = organisation_figures(responses)
    for _ in range(5):
        rng.shuffle(responses)
        assert organisation_figures(responses) == first  # exact, thanks to fsum


def test_equal_means_from_different_rows_count_as_a_tie():
    mine = organisation_figures([{"D1": 0.1}, {"D1": 0.2}])["D1"]  # 0.15000000000000002
    theirs = organisation_figures([{"D1": 0.15}])["D1"]
    assert mine != theirs  # as floats
    result = peer_benchmark({"D1": mine}, [peer(theirs)] * 5)
    assert result.domains["D1"].percentile == 50.0


# --- suppression -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "minimum", "suppressed"),
    [(4, 5, True), (5, 5, False), (0, 5, True), (2, 3, True), (3, 3, False), (1, 1, False)],
    ids=["min-1", "min", "nobody", "min3-1", "min3", "min1"],
)
def test_suppressed_below_the_minimum(n, minimum, suppressed):
    result = peer_benchmark({"D1": 50.0}, FIVE[:n], minimum=minimum)
    assert result.peers == n and result.suppressed is suppressed and result.minimum == minimum
    if suppressed:
        assert result.domains == {} and result.optimistic_share is None
    else:
        assert set(result.domains) == {"D1"}


def test_contract_example_five_peers():
    result = peer_benchmark({"D1": 50.0}, FIVE)
    assert result == Benchmark(
        peers=5, suppressed=False, minimum=5, domains={"D1": Placement(50.0, 80.0, 30.0, 5)}
    )


def test_peers_without_any_figure_do_not_contribute():
    empty = peer(None, None)
    assert peer_benchmark({"D1": 1.0}, [*FIVE[:4], empty]).suppressed
    assert peer_benchmark({"D1": 1.0}, [*FIVE, empty]).peers == 5
    only_beliefs = peer(None, beliefs=BeliefCounts(1, 2))
    assert peer_benchmark({"D1": 1.0}, [*FIVE[:4], only_beliefs]).peers == 5


def test_sparse_domain_is_withheld_alone():
    peers = [peer(10.0 * k, 5.0 if k < 4 else None) for k in range(6)]  # D2: 4 figures
    result = peer_benchmark({"D1": 25.0, "D2": 5.0}, peers)
    assert not result.suppressed and result.peers == 6
    assert set(result.domains) == {"D1"} and result.withheld == ("D2",)
    assert result.domains["D1"] == Placement(25.0, 50.0, 25.0, 6)


def test_peers_missing_a_domain_are_left_out_of_that_domain_only():
    peers = [peer(10.0, 40.0), peer(20.0, None), *[peer(30.0, v) for v in (10.0, 20.0, 30.0, 50.0)]]
    result = peer_benchmark({"D1": 25.0, "D2": 25.0}, peers)
    assert result.domains["D1"] == Placement(25.0, 100 * 2 / 6, 30.0, 6)
    assert result.domains["D2"] == Placement(25.0, 40.0, 30.0, 5)  # 2 of 5 lower


def test_own_missing_domain_keeps_the_peer_median():
    result = peer_benchmark({"D1": None}, FIVE)
    assert result.domains["D1"] == Placement(None, None, 30.0, 5)


def test_domains_only_the_asking_organisation_lists():
    result = peer_benchmark({"D1": 50.0}, [peer(10.0, 99.0)] * 5)
    assert set(result.domains) == {"D1"} and result.withheld == ()


def test_minimum_below_one_is_refused():
    with pytest.raises(ValueError):
        peer_benchmark({"D1": 1.0}, FIVE, minimum=0)


# --- industry --------------------------------------------------------------------------


def industry_peers(finance: int, other: int) -> list[PeerFigures]:
    return [peer(80.0, industry="Finance") for _ in range(finance)] + [
        peer(20.0, industry="Retail") for _ in range(other)
    ]


@pytest.mark.parametrize(
    ("own_industry", "finance", "other", "peers", "industry", "median"),
    [
        ("Finance", 5, 3, 5, "Finance", 80.0),  # enough in the industry: only them
        ("Finance", 4, 3, 7, None, 80.0),  # four in the industry: fall back to all
        ("  finance ", 5, 3, 5, "finance", 80.0),  # trimmed and case-folded
        (None, 5, 3, 8, None, 80.0),  # no industry: all
        ("", 5, 3, 8, None, 80.0),  # blank is no industry
        ("Mining", 5, 3, 8, None, 80.0),  # nobody in it: all
        ("Finance", 2, 2, 4, None, 50.0),  # all too few: suppressed (median unused)
    ],
    ids=["same", "fallback", "normalised", "unset", "blank", "unknown", "too-few"],
)
def test_industry_fallback(own_industry, finance, other, peers, industry, median):
    result = peer_benchmark({"D1": 50.0}, industry_peers(finance, other), own_industry=own_industry)
    assert (result.peers, result.industry) == (peers, industry)
    assert result.suppressed is (peers < 5)
    if not result.suppressed:
        assert result.domains["D1"].peer_median == median


def test_industry_counts_only_contributing_peers():
    peers = [*industry_peers(4, 3), peer(None, industry="Finance")]
    assert peer_benchmark({"D1": 1.0}, peers, own_industry="Finance").industry is None


# --- optimistic share ------------------------------------------------------------------


def test_optimistic_share_placed_like_a_domain():
    counts = [(1, 10), (2, 10), (3, 10), (4, 10), (6, 10), (0, 0)]  # last: nothing comparable
    peers = [peer(50.0, beliefs=BeliefCounts(o, c)) for o, c in counts]
    result = peer_benchmark({"D1": 50.0}, peers, own_beliefs=BeliefCounts(1, 4))
    assert result.optimistic_share == Placement(0.25, 40.0, 0.3, 5)


def test_optimistic_share_withheld_below_the_minimum_and_without_own_counts():
    peers = [peer(50.0, beliefs=BeliefCounts(1, 2) if k < 4 else None) for k in range(6)]
    assert (
        peer_benchmark({"D1": 1.0}, peers, own_beliefs=BeliefCounts(1, 2)).optimistic_share is None
    )
    peers = [peer(50.0, beliefs=BeliefCounts(1, 2)) for _ in range(5)]
    share = peer_benchmark({"D1": 1.0}, peers).optimistic_share
    assert share == Placement(None, None, 0.5, 5)


@pytest.mark.parametrize(("optimistic", "comparable"), [(-1, 2), (3, 2), (0, -1)])
def test_belief_counts_refuse_impossible_counts(optimistic, comparable):
    with pytest.raises(ValueError):
        BeliefCounts(optimistic, comparable)


def test_no_field_can_carry_a_single_peers_figure():
    """The answer's shape is aggregates only: adding a list of peers or a min/max fails here."""
    assert [f.name for f in dataclasses.fields(Placement)] == [
        "score",
        "percentile",
        "peer_median",
        "peers",
    ]
    assert [f.name for f in dataclasses.fields(Benchmark)] == [
        "peers",
        "suppressed",
        "minimum",
        "industry",
        "domains",
        "withheld",
        "optimistic_share",
    ]


# --- properties against an independent computation -------------------------------------

DOMAINS = ("D1", "D2", "D3")
# a few exact values make ties common; free floats cover the rest (domain scores may fall
# below 0 when wrong answers outweigh right ones, see docs/scoring.md)
FIGURE = st.one_of(
    st.none(),
    st.sampled_from([0.0, 25.0, 50.0, 100.0, 100 / 3]),
    st.floats(-50, 100),
)
COUNTS = st.integers(0, 12).flatmap(lambda c: st.tuples(st.integers(0, c), st.just(c)))


@st.composite
def organisations(draw):
    figures = {d: draw(FIGURE) for d in DOMAINS}
    industry = draw(st.sampled_from([None, "Finance", "Retail"]))
    beliefs = draw(st.none() | COUNTS.map(lambda oc: BeliefCounts(*oc)))
    return PeerFigures(figures, industry, beliefs)


def expected_group(peers, own_industry, minimum):
    """Independent: contributing peers, then the industry subset if it is big enough."""
    contributing = [
        p
        for p in peers
        if any(v is not None for v in p.domains.values())
        or (p.beliefs is not None and p.beliefs.comparable > 0)
    ]
    same = [p for p in contributing if own_industry is not None and p.industry == own_industry]
    return same if len(same) >= minimum else contributing


def check_placement(placed, own, values):
    rounded = np.round(np.array(values, dtype=float), DECIMALS)
    assert placed.peers == len(values)
    assert placed.peer_median == pytest.approx(float(np.median(rounded)), abs=1e-9)
    assert placed.peer_median == pytest.approx(statistics.median(values), abs=1e-5)
    if own is None:
        assert placed.score is None and placed.percentile is None
    else:
        mine = round(own, DECIMALS)
        scipy_pct = percentileofscore(rounded, mine, kind="mean")
        assert placed.percentile == pytest.approx(float(scipy_pct), abs=1e-9)
        assert 0 <= placed.percentile <= 100


@settings(max_examples=300, deadline=None)
@given(
    own=organisations(),
    peers=st.lists(organisations(), max_size=14),
    minimum=st.integers(1, 6),
    own_industry=st.sampled_from([None, "Finance", "Retail", "Mining"]),
)
def test_benchmark_equals_an_independent_computation(own, peers, minimum, own_industry):
    result = peer_benchmark(
        own.domains, peers, minimum=minimum, own_industry=own_industry, own_beliefs=own.beliefs
    )
    group = expected_group(peers, own_industry, minimum)
    assert result.peers == len(group)
    assert result.suppressed is (len(group) < minimum)
    if result.suppressed:
        assert result.domains == {} and result.optimistic_share is None
        return
    for domain in DOMAINS:
        values = [v for p in group if (v := p.domains[domain]) is not None]
        if len(values) < minimum:
            assert domain in result.withheld and domain not in result.domains
        else:
            check_placement(result.domains[domain], own.domains[domain], values)
    shares = [
        p.beliefs.optimistic / p.beliefs.comparable
        for p in group
        if p.beliefs and p.beliefs.comparable
    ]
    if len(shares) < minimum:
        assert result.optimistic_share is None
    else:
        own_share = own.beliefs.share if own.beliefs else None
        check_placement(result.optimistic_share, own_share, shares)


@settings(max_examples=100, deadline=None)
@given(peers=st.lists(organisations(), min_size=5, max_size=14), seed=st.integers())
def test_benchmark_does_not_depend_on_peer_order(peers, seed):
    own = {"D1": 40.0, "D2": None, "D3": 100 / 3}
    shuffled = list(peers)
    random.Random(seed).shuffle(shuffled)
    assert peer_benchmark(own, shuffled, own_industry="Finance") == peer_benchmark(
        own, peers, own_industry="Finance"
    )


@settings(max_examples=100, deadline=None)
@given(
    values=st.lists(st.floats(0, 100), min_size=1, max_size=20),
    low=st.floats(0, 100),
    high=st.floats(0, 100),
)
def test_percentile_rises_with_the_own_figure(values, low, high):
    low, high = sorted((low, high))
    assert place(low, values).percentile <= place(high, values).percentile


@settings(max_examples=100, deadline=None)
@given(
    responses=st.lists(
        st.fixed_dictionaries({d: st.none() | st.floats(0, 100) for d in DOMAINS}), max_size=12
    )
)
def test_organisation_figures_equal_numpy_nanmean(responses):
    figures = organisation_figures(responses)
    for domain in DOMAINS if responses else ():
        column = [r[domain] for r in responses if r[domain] is not None]
        if column:
            assert figures[domain] == pytest.approx(float(np.mean(column)), abs=1e-9)
        else:
            assert figures[domain] is None


def test_the_optimistic_share_is_said_in_words_with_its_n():
    from assessment.services.benchmarks.peers import Placement
    from assessment.services.benchmarks.plain_words import optimism_sentence

    said = optimism_sentence(Placement(0.125, 30.0, 0.18, 7))
    assert said == (
        "Beliefs more optimistic than the facts: 12% of yours, 18% at the peer median "
        "(n = 7); 30% of peers had a smaller share (fewer is better)."
    )
    assert "none of yours could be compared yet" in optimism_sentence(Placement(None, None, 0.2, 5))
