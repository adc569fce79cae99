"""The gap report as a reader sees it: a headline, a facts × roles matrix, blind spots.

Wording is about communication, not blame: it names roles and facts, and says "believes it is
better than the owner reports" rather than "is wrong".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assessment.services.content.definitions import Fact
from assessment.services.gaps.report import FactSummary, GapReport, Summary

SYMBOLS = {"aligned": "✓", "optimistic": "▲", "pessimistic": "▼", "unknown": "?"}
WORDS = {
    "aligned": "aligned",
    "optimistic": "optimistic",
    "pessimistic": "pessimistic",
    "unknown": "don't know",
}


@dataclass(frozen=True)
class Cell:
    text: str  # e.g. "▲ optimistic" or "▲2 ✓1"; "—" when the role was not asked
    classes: tuple[str, ...]


@dataclass(frozen=True)
class MatrixRow:
    fact_id: str
    title: str
    actual: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class RoleLine:
    role: str
    label: str
    counts: dict[str, int]
    shares: dict[str, str]  # "40%"
    optimism_index: str
    kappa: str
    optimism_test: str


def headline(report: GapReport, facts: Mapping[str, Fact], role_labels: Mapping[str, str]) -> str:
    """One sentence: the overall balance and the most serious gap, if there is one."""
    overall = report.overall
    if overall.pairs == 0:
        if report.pending:
            return (
                "No belief can be compared yet: the fact report for this cycle has not been filed."
            )
        return "No submitted answers to belief questions yet."
    counts = overall.counts
    balance = (
        f"Of {overall.answered} answered beliefs, {counts['optimistic']} "
        f"{'are' if counts['optimistic'] != 1 else 'is'} more optimistic than the facts, "
        f"{counts['pessimistic']} more cautious and {counts['aligned']} aligned; "
        f'{counts["unknown"]} {"were" if counts["unknown"] != 1 else "was"} "don\'t know"'
    )
    focus = most_serious(report)
    if focus is None:
        return balance + "."
    return f"{balance}. Most serious gap: {describe_gap(focus, report, role_labels)}."


def most_serious(report: GapReport) -> FactSummary | None:
    """False assurance first (a control believed present that is absent), then blind spots."""
    assured = sorted(
        (f for f in report.facts if f.false_assurance),
        key=lambda f: (-f.false_assurance, -len(f.roles_wrong_or_unknown), f.fact_id),
    )
    if assured:
        return assured[0]
    return report.blind_spots[0] if report.blind_spots else None


def describe_gap(fact: FactSummary, report: GapReport, role_labels: Mapping[str, str]) -> str:
    """E.g. 'Backup restore test: the CEO and CIO believe it is better than reported (…)'."""
    by_class: dict[str, list[str]] = {}
    for pair in report.pairs:
        if pair.fact_id == fact.fact_id and pair.gap != "aligned":
            label = role_labels.get(pair.role, pair.role)
            if label not in by_class.setdefault(pair.gap, []):
                by_class[pair.gap].append(label)
    phrases = []
    verbs = {
        "optimistic": "believe{s} it is better than the owner reports",
        "pessimistic": "believe{s} it is worse than the owner reports",
        "unknown": "do{es}n't know",
    }
    for gap in ("optimistic", "unknown", "pessimistic"):
        roles = by_class.get(gap)
        if roles:
            single = len(roles) == 1
            verb = verbs[gap].format(s="s" if single else "", es="es" if single else "")
            phrases.append(f"the {_join(roles)} {verb}")
    if fact.nobody_knows:
        phrases = ["nobody who was asked knows the answer"]
    return f"{fact.title}: {'; '.join(phrases)} (reported: {fact.actual_label})"


def _join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def matrix(report: GapReport, facts: Mapping[str, Fact], roles: Sequence[str]) -> list[MatrixRow]:
    """One row per reported fact with a belief, one cell per role, symbol and word together."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for pair in report.pairs:  # one pass, so that thousands of people stay fast
        grouped.setdefault((pair.fact_id, pair.role), []).append(pair.gap)
    rows = []
    for summary in report.facts:
        cells = []
        for role in roles:
            classes = tuple(grouped.get((summary.fact_id, role), ()))
            cells.append(Cell(_cell_text(classes), classes))
        rows.append(
            MatrixRow(
                summary.fact_id, facts[summary.fact_id].title, summary.actual_label, tuple(cells)
            )
        )
    return rows


def _cell_text(classes: tuple[str, ...]) -> str:
    if not classes:
        return "—"
    if len(classes) == 1:
        return f"{SYMBOLS[classes[0]]} {WORDS[classes[0]]}"
    counted = Counter(classes)
    return " ".join(f"{SYMBOLS[c]}{counted[c]} {WORDS[c]}" for c in SYMBOLS if counted[c])


def role_lines(by_role: Mapping[str, Summary], role_labels: Mapping[str, str]) -> list[RoleLine]:
    """Per-role numbers, rounded and worded for the table beside the chart."""
    lines = []
    for role, summary in by_role.items():
        shares = {
            c: f"{100 * n / summary.pairs:.0f}%" if summary.pairs else "—"
            for c, n in summary.counts.items()
        }
        lines.append(
            RoleLine(
                role=role,
                label=role_labels.get(role, role),
                counts=summary.counts,
                shares=shares,
                optimism_index=_signed(summary.optimism_index),
                kappa=("undefined" if summary.kappa is None else f"{summary.kappa:.2f}")
                + f" (n={summary.kappa_pairs})",
                optimism_test=optimism_test_words(summary),
            )
        )
    return lines


def optimism_test_words(summary: Summary) -> str:
    if summary.optimism_p is None:
        return "no optimistic or pessimistic beliefs to test"
    return f"p = {summary.optimism_p:.3f} (n = {summary.optimism_n})"


def _signed(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"
