"""Trends against SciPy called directly on the same data, and the too-few-pairs path."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import bootstrap, false_discovery_control, mannwhitneyu, wilcoxon

from assessment.services.trends.paired_change import (
    ALL,
    PersonScores,
    TrendSettings,
    comparable_share,
    compare_cycles,
)

DOMAINS = ("D1", "D2")


def people(
    scores: list[float | None], role: str = "it_manager", prefix: str = "p", d2_offset: float = 0.0
) -> list[PersonScores]:
    return [
        PersonScores(
            f"{prefix}{k}@example.com",
            role,
            s,
            {"D1": s, "D2": None if s is None else min(100.0, s + d2_offset)},
        )
        for k, s in enumerate(scores)
    ]


# Hamilton depression scale, 9 patients (research/STATS.md oracle D1), scaled to 0-100.
X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]


def test_published_wilcoxon_example():
    report = compare_cycles(people([x * 10 for x in X]), people([y * 10 for y in Y]), DOMAINS)
    change = report.groups["it_manager"]
    assert change.n_pairs == 9
    assert change.p == pytest.approx(0.0390625)  # two-sided, as published
    assert change.ci is None  # fewer than 10 pairs: no interval
    assert change.is_beyond_noise
    assert "unlikely to be noise" in change.verdict


def test_twelve_pairs_equal_scipy_called_directly():
    rng = np.random.default_rng(7)
    before = rng.uniform(30, 80, 12).round(2)
    after = (before + rng.normal(4, 6, 12)).clip(0, 100).round(2)
    report = compare_cycles(people(list(before)), people(list(after)), DOMAINS)
    change = report.groups["it_manager"]
    # the service pairs people in e-mail order; the bootstrap resamples in that order
    order = sorted(range(12), key=lambda k: f"p{k}@example.com")
    differences = np.round(after[order] - before[order], 6)
    assert change.p == pytest.approx(wilcoxon(differences).pvalue, rel=1e-12)
    expected = bootstrap(
        (differences,),
        np.mean,
        n_resamples=9999,
        method="BCa",
        batch=500,
        rng=np.random.default_rng(TrendSettings().seed),
    ).confidence_interval
    assert change.ci == pytest.approx((expected.low, expected.high), rel=1e-12)
    assert change.change == pytest.approx(differences.mean())
    assert change.mean_from == pytest.approx(before.mean())
    assert change.improved + change.unchanged + change.worse == 12
    assert change.independent_p == pytest.approx(mannwhitneyu(before, after).pvalue)
    # the seeded interval is reproducible
    again = compare_cycles(people(list(before)), people(list(after)), DOMAINS)
    assert again.groups["it_manager"].ci == change.ci


def test_too_few_pairs_says_so_and_shows_the_numbers():
    report = compare_cycles(people([50, 60, 70]), people([55, 70, 90]), DOMAINS)
    change = report.groups[ALL]
    assert (change.n_pairs, change.p, change.ci) == (3, None, None)
    assert change.change == pytest.approx(35 / 3)
    assert "with fewer than 6 people no test can tell this from noise" in change.verdict


def test_minimums_are_configurable():
    settings = TrendSettings(min_pairs_test=3, min_pairs_interval=3)
    change = compare_cycles(people([50, 60, 70]), people([55, 70, 90]), DOMAINS, settings).groups[
        ALL
    ]
    assert change.p == pytest.approx(wilcoxon([5, 10, 20]).pvalue)
    assert change.ci is not None


def test_identical_and_zero_changes():
    same = compare_cycles(
        people([10, 20, 30, 40, 50, 60, 70, 80, 90, 95]),
        people([15, 25, 35, 45, 55, 65, 75, 85, 95, 100]),
        DOMAINS,
    )
    assert same.groups[ALL].ci == (5.0, 5.0)
    still = compare_cycles(people([50] * 6), people([50] * 6), DOMAINS).groups[ALL]
    assert still.p is None and still.verdict.startswith("Nobody's score changed")


def test_composition_is_kept_apart_from_score_change():
    earlier = people([40, 50, 60, 70], prefix="a")
    later = people([45, 55], prefix="a") + people([99, 99], prefix="new")
    report = compare_cycles(earlier, later, DOMAINS)
    composition = report.composition[ALL]
    assert composition.stayed == ("a0@example.com", "a1@example.com")
    assert composition.joined == ("new0@example.com", "new1@example.com")
    assert composition.left == ("a2@example.com", "a3@example.com")
    assert report.groups[ALL].change == pytest.approx(5.0)  # newcomers do not move the change
    assert report.groups[ALL].n_from == 4 and report.groups[ALL].n_to == 4


def test_domain_p_values_are_adjusted_with_benjamini_hochberg():
    before = [30, 40, 50, 60, 70, 35, 45, 55]
    after = [41, 52, 58, 75, 79, 44, 60, 61]
    report = compare_cycles(people(before, d2_offset=5), people(after, d2_offset=-9), DOMAINS)
    domains = {d.domain_id: d for d in report.domains[ALL]}
    ps = [domains["D1"].change.p, domains["D2"].change.p]
    assert [domains["D1"].q, domains["D2"].q] == pytest.approx(
        list(false_discovery_control(ps, method="bh"))
    )
    assert report.moved_most[0].domain_id == "D1"


def test_domain_without_scores_is_not_tested():
    report = compare_cycles(people([None] * 7), people([None] * 7), DOMAINS)
    assert all(d.change.n_pairs == 0 and d.q is None for d in report.domains[ALL])
    assert report.groups[ALL].verdict.startswith("Nobody answered in both cycles")


@pytest.mark.parametrize(
    ("first", "second", "share"),
    [({"a", "b"}, {"a", "b"}, 1.0), ({"a", "b", "c"}, {"a", "b", "d"}, 0.5), (set(), set(), 1.0)],
)
def test_comparable_share(first, second, share):
    assert comparable_share(first, second) == share
