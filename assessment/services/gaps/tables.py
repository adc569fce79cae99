"""The gap report as tables, for the CSV, XLSX and PDF exports."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from assessment.services.content.definitions import DONT_KNOW, Fact
from assessment.services.gaps.report import FactSummary, GapReport, Pair, Summary
from assessment.services.gaps.wording import SYMBOLS, WORDS
from assessment.services.output.exports import Cell, Table

PAIR_COLUMNS = ("email", "name", "role", "item", "fact", "belief", "reported", "class")
ROLE_COLUMNS = (
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
)
FACT_COLUMNS = (
    "fact",
    "reported",
    "beliefs",
    "accurate",
    "accuracy (%)",
    "95% CI low (%)",
    "95% CI high (%)",
    "don't know (%)",
    "false assurance",
    "roles wrong or unsure",
)


def gap_tables(
    report: GapReport,
    facts: Mapping[str, Fact],
    role_labels: Mapping[str, str],
    notes: Mapping[str, str] | None = None,
) -> list[Table]:
    """Three tables: every belief against its fact, the summary by role, and by fact. With
    ``notes`` (the fact owners' notes by fact id), each belief row carries its fact's note."""

    def label(role: str) -> str:
        return role_labels.get(role, role)

    def pair(p: Pair) -> tuple[Cell, ...]:
        row = _pair_row(p, facts[p.fact_id], label(p.role))
        return row if notes is None else (*row, notes.get(p.fact_id, ""))

    return [
        Table(
            "Beliefs and facts",
            PAIR_COLUMNS if notes is None else (*PAIR_COLUMNS, "fact note"),
            tuple(pair(p) for p in report.pairs),
        ),
        Table(
            "By role",
            ROLE_COLUMNS,
            tuple(_role_row(label(r), s) for r, s in report.by_role.items()),
        ),
        Table("By fact", FACT_COLUMNS, tuple(_fact_row(f, label) for f in report.facts)),
    ]


def _pair_row(pair: Pair, fact: Fact, role: str) -> tuple[Cell, ...]:
    belief = fact.label(pair.belief) if pair.belief != DONT_KNOW else "Don't know"
    return (
        pair.email,
        pair.name,
        role,
        pair.item_id,
        fact.title,
        belief,
        fact.label(pair.actual),
        f"{SYMBOLS[pair.gap]} {WORDS[pair.gap]}",
    )


def _role_row(role: str, summary: Summary) -> tuple[Cell, ...]:
    counts = summary.counts
    return (
        role,
        counts["aligned"],
        counts["optimistic"],
        counts["pessimistic"],
        counts["unknown"],
        _round(summary.optimism_index),
        _round(summary.kappa),
        summary.kappa_pairs,
        _round(summary.optimism_p, 4),
        summary.optimism_n,
    )


def _fact_row(fact: FactSummary, label: Callable[[str], str]) -> tuple[Cell, ...]:
    low, high = fact.accuracy_ci if fact.accuracy_ci else (None, None)
    return (
        fact.title,
        fact.actual_label,
        fact.pairs,
        fact.accurate,
        _percent(fact.accuracy),
        _percent(low),
        _percent(high),
        _percent(fact.dont_know_rate),
        fact.false_assurance,
        ", ".join(label(r) for r in fact.roles_wrong_or_unknown),
    )


def _percent(share: float | None) -> float | None:
    """A share as a percentage, as people read it (0.842 → 84.2)."""
    return None if share is None else round(100 * share, 1)


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)
