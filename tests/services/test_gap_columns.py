"""The columnar gap analysis gives exactly the report of the object-based reference."""

from __future__ import annotations

import dataclasses
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assessment import ROOT
from assessment.services.content.definitions import DONT_KNOW, ROLES
from assessment.services.content.questionnaire_files import load_catalogue
from assessment.services.gaps.analysis import BeliefTable, analyse_belief_table
from assessment.services.gaps.reference import analyse_gaps
from assessment.services.gaps.report import Belief, GapReport

FACTS = load_catalogue(ROOT / "questionnaires").facts
FACT_IDS = sorted(FACTS)
EMAILS = [f"{name}@example.com" for name in ("ann", "bo", "cy", "di", "ed")]


def content(report: GapReport) -> str:
    """Every field materialised and printed: equal text means equal values of equal types,
    floats to the last bit (repr round-trips), and the same order everywhere."""
    fields = {f.name: getattr(report, f.name) for f in dataclasses.fields(report)}
    fields["pairs"] = list(report.pairs)
    fields["pending"] = list(report.pending)
    fields["by_person"] = dict(report.by_person.items())
    return repr(fields)


@st.composite
def beliefs(draw, fact_ids):
    fact = draw(st.sampled_from(fact_ids))
    role = draw(st.sampled_from(ROLES))
    return Belief(
        email=draw(st.sampled_from(EMAILS)),
        name=draw(st.sampled_from(["Ann", "Bo"])),  # one email may come with two names
        role=role,
        item_id=draw(st.sampled_from([f"{role}.d1.belief_{fact}", f"{role}.d2.belief_{fact}"])),
        fact_id=fact,
        belief=draw(st.sampled_from(FACTS[fact].category_ids + (DONT_KNOW,))),
    )


@st.composite
def cycles(draw):
    fact_ids = draw(st.lists(st.sampled_from(FACT_IDS), min_size=1, max_size=6, unique=True))
    drawn = draw(st.lists(beliefs(fact_ids), max_size=80))
    reported = draw(st.lists(st.sampled_from(fact_ids), unique=True))
    actual = {f: draw(st.sampled_from(FACTS[f].category_ids)) for f in reported}
    return drawn, actual


@settings(max_examples=300, deadline=None)
@given(cycles())
def test_property_columnar_report_equals_the_object_report(cycle):
    drawn, actual = cycle
    reference = analyse_gaps(drawn, FACTS, actual)
    fast = analyse_belief_table(BeliefTable.from_beliefs(drawn), FACTS, actual)
    assert content(fast) == content(reference)
    assert fast == reference


def test_columnar_report_equals_the_object_report_on_a_large_cycle():
    # Thousands of beliefs per group: kappa's chance term sums large integer products.
    rng = random.Random(3)
    people = [(f"p{k}@example.com", f"Person {k}", rng.choice(ROLES)) for k in range(400)]
    drawn = [
        Belief(email, name, role, f"{role}.belief_{fact}", fact, rng.choice(choices))
        for email, name, role in people
        for fact in FACT_IDS
        for choices in [FACTS[fact].category_ids + (DONT_KNOW,)]
        if rng.random() < 0.9
    ]
    actual = {f: rng.choice(FACTS[f].category_ids) for f in FACT_IDS[1:]}
    reference = analyse_gaps(drawn, FACTS, actual)
    fast = analyse_belief_table(BeliefTable.from_beliefs(drawn), FACTS, actual)
    assert len(fast.pending) > 0 and fast.overall.kappa_pairs > 1000
    assert content(fast) == content(reference)


def test_an_unknown_belief_fails_as_in_the_object_path():
    stray = [Belief("a@x", "A", "ceo", "i", "mfa_remote_access", "maybe")]
    with pytest.raises(ValueError):
        analyse_gaps(stray, FACTS, {"mfa_remote_access": "no"})
    with pytest.raises(ValueError):
        analyse_belief_table(BeliefTable.from_beliefs(stray), FACTS, {"mfa_remote_access": "no"})


def test_empty_cycle():
    fast = analyse_belief_table(BeliefTable.from_beliefs([]), FACTS, {"mfa_remote_access": "no"})
    assert content(fast) == content(analyse_gaps([], FACTS, {"mfa_remote_access": "no"}))


def test_pairs_pending_and_people_read_like_a_tuple_and_a_dict():
    drawn = [
        Belief("b@x", "B", "cio", "cio.belief_mfa", "mfa_remote_access", "yes"),
        Belief("a@x", "A", "ceo", "ceo.belief_mfa", "mfa_remote_access", "no"),
        Belief("a@x", "A", "ceo", "ceo.belief_ir", "ir_plan", "dk"),
    ]
    reference = analyse_gaps(drawn, FACTS, {"mfa_remote_access": "no"})
    fast = analyse_belief_table(BeliefTable.from_beliefs(drawn), FACTS, {"mfa_remote_access": "no"})
    assert len(fast.pairs) == 2 and fast.pairs[-1] == reference.pairs[1]
    assert fast.pairs[0:2] == reference.pairs[0:2] and fast.pairs[::-1] == reference.pairs[::-1]
    with pytest.raises(IndexError):
        fast.pairs[2]
    assert fast.pairs == reference.pairs and reference.pairs == fast.pairs
    assert fast.pairs != reference.pairs[:1]
    assert list(fast.pending) == [drawn[2]]
    assert list(fast.by_person) == ["a@x", "b@x"]
    assert "a@x" in fast.by_person and "c@x" not in fast.by_person and 3 not in fast.by_person
    assert fast.by_person.get("c@x") is None
    with pytest.raises(KeyError):
        fast.by_person["zz@x"]
    assert fast.by_person == reference.by_person
