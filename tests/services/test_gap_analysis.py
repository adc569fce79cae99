"""Gap analysis on a hand-computed cycle, checked against independent computations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import cohens_kappa as statsmodels_kappa
from statsmodels.stats.proportion import proportion_confint

from assessment import ROOT
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.gaps.classify import fact_category
from assessment.services.gaps.reference import analyse_gaps
from assessment.services.gaps.report import Belief
from assessment.services.gaps.stats import cohen_kappa
from assessment.services.gaps.wording import headline, matrix, most_serious

FACTS = load_catalogue(ROOT / "questionnaires").facts
LABELS = {
    "ceo": "CEO",
    "cio": "CIO",
    "hr": "HR executive",
    "legal": "Legal executive",
    "it_manager": "IT manager",
}


def belief(role: str, fact: str, value: str) -> Belief:
    return Belief(f"{role}@example.com", role.upper(), role, f"{role}.x.belief_{fact}", fact, value)


# Hand-computed cycle. Reported: MFA on remote access "no" (the worst category), immutable
# backups "partly", critical patching 20 days (→ band "15 to 30 days").
ACTUAL = {
    "mfa_remote_access": "no",
    "backup_immutable": "partly",
    "patch_latency_critical": fact_category(FACTS["patch_latency_critical"], 20),
}
BELIEFS = [
    belief("ceo", "mfa_remote_access", "yes"),  # optimistic, false assurance
    belief("ceo", "backup_immutable", "partly"),  # aligned
    belief("ceo", "patch_latency_critical", "under_15"),  # optimistic
    belief("cio", "mfa_remote_access", "no"),  # aligned
    belief("cio", "backup_immutable", "dk"),  # unknown
    belief("cio", "patch_latency_critical", "over_30"),  # pessimistic
    belief("legal", "mfa_remote_access", "partly"),  # optimistic, false assurance
    belief("legal", "backup_immutable", "yes"),  # optimistic
    belief("legal", "patch_latency_critical", "dk"),  # unknown
    belief("hr", "mfa_remote_access", "dk"),  # unknown
    belief("hr", "backup_immutable", "no"),  # pessimistic
    belief("hr", "ir_plan", "yes"),  # pending: not reported
]
REPORT = analyse_gaps(BELIEFS, FACTS, ACTUAL)


def test_numeric_fact_is_mapped_through_its_bands():
    assert ACTUAL["patch_latency_critical"] == "d15_30"


def test_every_pair_gets_its_class_and_unreported_facts_stay_pending():
    classes = [(p.role, p.fact_id, p.gap) for p in REPORT.pairs]
    assert classes == [
        ("ceo", "mfa_remote_access", "optimistic"),
        ("ceo", "backup_immutable", "aligned"),
        ("ceo", "patch_latency_critical", "optimistic"),
        ("cio", "mfa_remote_access", "aligned"),
        ("cio", "backup_immutable", "unknown"),
        ("cio", "patch_latency_critical", "pessimistic"),
        ("legal", "mfa_remote_access", "optimistic"),
        ("legal", "backup_immutable", "optimistic"),
        ("legal", "patch_latency_critical", "unknown"),
        ("hr", "mfa_remote_access", "unknown"),
        ("hr", "backup_immutable", "pessimistic"),
    ]
    assert [b.fact_id for b in REPORT.pending] == ["ir_plan"]


def test_overall_summary_hand_computed():
    overall = REPORT.overall
    assert overall.counts == {"aligned": 2, "optimistic": 4, "pessimistic": 2, "unknown": 3}
    assert (overall.pairs, overall.answered) == (11, 8)
    assert overall.optimism_index == pytest.approx((4 - 2) / 8)
    assert overall.agreement == pytest.approx(2 / 8)
    assert overall.dont_know_rate == pytest.approx(3 / 11)
    # P(X >= 4) for X ~ Binomial(6, 1/2) = (15 + 6 + 1) / 64
    assert overall.optimism_p == pytest.approx(22 / 64) and overall.optimism_n == 6


def test_role_summaries_hand_computed():
    ceo = REPORT.by_role["ceo"]
    assert ceo.counts == {"aligned": 1, "optimistic": 2, "pessimistic": 0, "unknown": 0}
    # categorical pairs only (patching has bands): beliefs [yes, partly] vs facts [no, partly]
    # p_o = 1/2, p_e = 1/4 (only "partly" is shared) → kappa = (1/2 − 1/4) / (3/4) = 1/3
    assert ceo.kappa == pytest.approx(1 / 3) and ceo.kappa_pairs == 2
    assert ceo.optimism_p == pytest.approx(0.25) and ceo.optimism_n == 2
    cio = REPORT.by_role["cio"]
    assert cio.kappa is None  # one categorical pair, both sides one category: undefined
    assert cio.optimism_p == pytest.approx(1.0) and cio.optimism_n == 1
    hr = REPORT.by_role["hr"]
    assert hr.optimism_index == pytest.approx(-1.0) and hr.dont_know_rate == pytest.approx(0.5)


def test_fact_summaries_hand_computed_and_never_a_kappa_per_fact():
    mfa = next(f for f in REPORT.facts if f.fact_id == "mfa_remote_access")
    assert (mfa.pairs, mfa.accurate, mfa.false_assurance) == (4, 1, 2)
    assert mfa.dont_know_rate == pytest.approx(0.25)
    low, high = proportion_confint(1, 4, alpha=0.05, method="beta")
    assert mfa.accuracy_ci == pytest.approx((low, high))
    assert mfa.roles_wrong_or_unknown == ("ceo", "hr", "legal")
    assert all(s.kappa is None for s in REPORT.by_fact.values())


def test_blind_spots_rank_false_assurance_then_inaccuracy():
    assert [s.fact_id for s in REPORT.blind_spots] == [
        "mfa_remote_access",
        "patch_latency_critical",
        "backup_immutable",
    ]


def test_fact_nobody_knows_is_a_blind_spot():
    report = analyse_gaps([belief("ceo", "ir_plan", "dk")], FACTS, {"ir_plan": "yes"})
    assert report.blind_spots[0].nobody_knows
    assert "nobody who was asked knows" in headline(report, FACTS, LABELS)


def test_headline_names_the_most_serious_gap():
    text = headline(REPORT, FACTS, LABELS)
    assert text.startswith("Of 8 answered beliefs, 4 are more optimistic than the facts")
    assert (
        "Most serious gap: MFA on remote access: the CEO and Legal executive believe it is "
        "better than the owner reports; the HR executive doesn't know (reported: No, remote "
        "access works with a password alone)." in text
    )


def test_headline_shows_a_single_executive_believing_backups_are_tested():
    report = analyse_gaps(
        [belief("ceo", "backup_restore_test", "within_quarter")],
        FACTS,
        {"backup_restore_test": "over_12m"},
    )
    assert most_serious(report).fact_id == "backup_restore_test"
    text = headline(report, FACTS, LABELS)
    assert FACTS["backup_restore_test"].title in text
    assert "the CEO believes it is better than the owner reports" in text


def test_matrix_marks_classes_with_symbols_and_words():
    rows = {r.fact_id: r for r in matrix(REPORT, FACTS, ["ceo", "cio", "it_manager"])}
    assert [c.text for c in rows["mfa_remote_access"].cells] == ["▲ optimistic", "✓ aligned", "—"]


# --- kappa against independent computations ----------------------------------------------


def test_kappa_matches_published_example():
    # Two readers, 50 proposals: table [[20, 5], [10, 15]] → kappa 0.40 (Cohen's kappa, worked
    # example on Wikipedia).
    first = ["yes"] * 25 + ["no"] * 25
    second = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(first, second) == pytest.approx(0.40)


def test_kappa_undefined_without_variation_and_zero_for_a_constant_fact():
    assert cohen_kappa(["yes"] * 5, ["yes"] * 5) is None
    assert cohen_kappa([], []) is None
    assert cohen_kappa(["yes", "yes", "no", "yes"], ["yes"] * 4) == 0.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["no", "partly", "yes"]), st.sampled_from(["no", "partly", "yes"])
        ),
        min_size=2,
        max_size=40,
    )
)
def test_kappa_agrees_with_statsmodels(pairs):
    first, second = zip(*pairs, strict=True)
    ours = cohen_kappa(list(first), list(second))
    labels = ["no", "partly", "yes"]
    table = np.zeros((3, 3))
    for a, b in pairs:
        table[labels.index(a), labels.index(b)] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        reference = statsmodels_kappa(table, return_results=False)
    if ours is None:
        assert math.isnan(reference)
    else:
        assert ours == pytest.approx(reference, abs=1e-12)


def test_binomial_test_agrees_with_direct_sum():
    report = analyse_gaps(
        [belief(r, "mfa_remote_access", "yes") for r in ("ceo", "cio", "legal")]
        + [belief("hr", "mfa_remote_access", "no")],
        FACTS,
        {"mfa_remote_access": "partly"},
    )
    k, n = 3, 4
    direct = sum(math.comb(n, i) for i in range(k, n + 1)) / 2**n
    assert report.overall.optimism_p == pytest.approx(direct)


def test_clopper_pearson_reference_value():
    beliefs = [belief(f"r{i}", "mfa_remote_access", "yes" if i < 7 else "no") for i in range(9)]
    facts_ci = analyse_gaps(beliefs, FACTS, {"mfa_remote_access": "yes"}).facts[0].accuracy_ci
    assert facts_ci == pytest.approx((0.3999064262836879, 0.9718550265221126))
