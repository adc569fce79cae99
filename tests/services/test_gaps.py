import datetime as dt

import pytest

from assessment import ROOT
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.gaps.classify import classify_gap, fact_category

FACTS = load_catalogue(ROOT / "questionnaires").facts


@pytest.mark.parametrize(
    ("fact_id", "belief", "actual", "expected"),
    [
        ("mfa_remote_access", "yes", "no", "optimistic"),
        ("mfa_remote_access", "yes", "partly", "optimistic"),
        ("mfa_remote_access", "no", "yes", "pessimistic"),
        ("mfa_remote_access", "partly", "partly", "aligned"),
        ("mfa_remote_access", "dk", "no", "unknown"),
        ("patch_latency_critical", "under_15", "over_30", "optimistic"),
        ("patch_latency_critical", "over_30", "d15_30", "pessimistic"),
        ("patch_latency_critical", "d15_30", "d15_30", "aligned"),
    ],
    ids=[
        "yes-vs-no",
        "yes-vs-partly",
        "no-vs-yes",
        "partly-both",
        "dont-know",
        "fast-vs-slow",
        "slow-vs-medium",
        "medium-both",
    ],
)
def test_classify_gap_by_rank_worst_to_best(fact_id, belief, actual, expected):
    assert classify_gap(FACTS[fact_id], belief, actual) == expected


@pytest.mark.parametrize(
    ("fact_id", "value", "expected"),
    [
        ("patch_latency_critical", 12, "under_15"),
        ("patch_latency_critical", 15, "d15_30"),  # min is inclusive
        ("patch_latency_critical", 30, "over_30"),  # max is exclusive
        ("patch_latency_critical", "d15_30", "d15_30"),  # a category id is taken as given
        ("patch_latency_critical", "soon", None),
        ("patch_latency_critical", -1, None),
        ("mfa_email", 100, "all"),
        ("mfa_email", 99.5, "p80_99"),
        ("mfa_remote_access", "partly", "partly"),
        ("mfa_remote_access", 3, None),
        ("mfa_remote_access", True, None),
    ],
)
def test_fact_category_maps_numbers_through_bands(fact_id, value, expected):
    assert fact_category(FACTS[fact_id], value) == expected


def test_date_fact_uses_age_on_the_as_of_date():
    fact = FACTS["backup_restore_test"]
    as_of = dt.date(2026, 9, 30)
    assert fact_category(fact, dt.date(2026, 9, 1), as_of) == "within_quarter"
    assert fact_category(fact, dt.date(2026, 1, 1), as_of) == "m3_12"
    assert fact_category(fact, dt.date(2024, 1, 1), as_of) == "over_12m"
    assert fact_category(fact, "over_12m", as_of) == "over_12m"  # "never" is reported directly
    assert fact_category(fact, dt.date(2026, 9, 1)) is None  # no as-of date: cannot tell
