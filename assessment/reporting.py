"""Loads a cycle's stored inputs and hands them to the pure report services."""

from __future__ import annotations

from . import queries
from .catalogue import catalogue
from .extensions import db
from .models import ROLE_LABELS
from .queries.responses import iter_submitted_answers
from .services.cycle_answers import CycleAnswers, collect_answers
from .services.exports import Table
from .services.gap_analysis import Belief, GapReport
from .services.gap_columns import analyse_belief_table
from .services.gap_view import SYMBOLS, WORDS


def cycle_answers(cycle_id: str) -> CycleAnswers:
    """Every submitted answer of the cycle in compact form, from one streaming read."""
    return collect_answers(iter_submitted_answers(db.session, cycle_id), catalogue().get)


def cycle_beliefs(
    cycle_id: str, loaded: list[queries.SubmittedAnswers] | None = None
) -> list[Belief]:
    """Every answered belief item of the cycle's submitted responses."""
    beliefs = []
    for response in (
        loaded if loaded is not None else queries.submitted_answers(db.session, cycle_id)
    ):
        questionnaire = catalogue().get(response.questionnaire_id, response.version)
        for item in questionnaire.items:
            belief = response.answers.get(item.id)
            if item.type == "belief" and isinstance(belief, str) and item.fact:
                beliefs.append(
                    Belief(response.email, response.name, response.role, item.id, item.fact, belief)
                )
    return beliefs


def cycle_gap_report(cycle_id: str) -> GapReport:
    """The gap analysis of a cycle against its current fact report."""
    return analyse_belief_table(
        cycle_answers(cycle_id).beliefs,
        catalogue().facts,
        queries.fact_categories(db.session, cycle_id),
    )


def gap_tables(report: GapReport) -> list[Table]:
    """The report as tables for CSV, XLSX and PDF exports."""
    facts = catalogue().facts
    pairs = Table(
        "Beliefs and facts",
        ("email", "name", "role", "item", "fact", "belief", "reported", "class"),
        tuple(
            (
                p.email,
                p.name,
                ROLE_LABELS.get(p.role, p.role),
                p.item_id,
                facts[p.fact_id].title,
                facts[p.fact_id].label(p.belief) if p.belief != "dk" else "Don't know",
                facts[p.fact_id].label(p.actual),
                f"{SYMBOLS[p.gap]} {WORDS[p.gap]}",
            )
            for p in report.pairs
        ),
    )
    roles = Table(
        "By role",
        (
            "role",
            "aligned",
            "optimistic",
            "pessimistic",
            "unknown",
            "optimism index",
            "kappa",
            "kappa pairs",
            "optimism p (one-sided)",
            "optimism n",
        ),
        tuple(
            (
                ROLE_LABELS.get(r, r),
                s.counts["aligned"],
                s.counts["optimistic"],
                s.counts["pessimistic"],
                s.counts["unknown"],
                _round(s.optimism_index),
                _round(s.kappa),
                s.kappa_pairs,
                _round(s.optimism_p, 4),
                s.optimism_n,
            )
            for r, s in report.by_role.items()
        ),
    )
    fact_rows = Table(
        "By fact",
        (
            "fact",
            "reported",
            "beliefs",
            "accurate",
            "accuracy",
            "95% CI low",
            "95% CI high",
            "don't know rate",
            "false assurance",
            "roles wrong or unsure",
        ),
        tuple(
            (
                f.title,
                f.actual_label,
                f.pairs,
                f.accurate,
                _round(f.accuracy),
                _round(f.accuracy_ci[0]) if f.accuracy_ci else None,
                _round(f.accuracy_ci[1]) if f.accuracy_ci else None,
                _round(f.dont_know_rate),
                f.false_assurance,
                ", ".join(ROLE_LABELS.get(r, r) for r in f.roles_wrong_or_unknown),
            )
            for f in report.facts
        ),
    )
    return [pairs, roles, fact_rows]


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


def all_reports(cycle_id: str) -> dict[str, object]:
    """Every report of a cycle from one read of its answers: scores, gaps, training needs.

    The answers are read as a stream into compact codes, and scores and pairs stay columns
    until someone reads them: no object per answer, belief or pair is ever held for the whole
    cycle (docs/benchmarks.md has the memory this takes at 100,000 responses).
    """
    from .cycle_scores import score_cycle
    from .services.training import PersonLevels, training_needs

    answers = cycle_answers(cycle_id)
    scores = score_cycle(cycle_id, answers=answers)
    gaps = analyse_belief_table(
        answers.beliefs, catalogue().facts, queries.fact_categories(db.session, cycle_id)
    )
    needs = training_needs(
        catalogue().rubric,
        catalogue().training,
        (  # one person's levels at a time
            PersonLevels(s.email, s.name, s.role, {d: v.get("level") for d, v in s.domains.items()})
            for s in scores
        ),
    )
    return {"scores": scores, "gaps": gaps, "needs": needs}
