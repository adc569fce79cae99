"""The quarterly committee pack (PDF). For a frozen cycle every number comes from stored data
and the text never mentions the current time, so the same command gives the same text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, ReportSnapshot
from assessment.reports.comments import cycle_comments
from assessment.reports.committee import open_actions
from assessment.reports.gaps import gap_report_of
from assessment.reports.scores import ScoredPerson, scores_of
from assessment.reports.training_needs import (
    TrainingStatus,
    needs_below,
    needs_of,
    training_status,
)
from assessment.reports.trends import compare
from assessment.services.comments.to_committee import comments_table
from assessment.services.content.definitions import ROLE_LABELS, ROLES
from assessment.services.gaps.report import GapReport
from assessment.services.gaps.wording import headline, matrix
from assessment.services.output.exports import Table, to_pdf
from assessment.services.trends.paired_change import ALL, Change

TREND_COLUMNS = (
    "Group",
    "People in both",
    "Before",
    "After",
    "Change",
    "95% interval",
    "Wilcoxon p",
)


@dataclass
class Pack:
    """The pack's text as it is assembled, section by section."""

    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)


def build_pack(cycle: Cycle) -> bytes:
    """Cover, headline findings, gap matrix, trends, training status, open actions and the
    comments written to the committee (submitted answers never change, so a frozen cycle's
    comments are as they were)."""
    report = gap_report_of(cycle)
    scored = scores_of(cycle)
    snapshot = queries.latest_snapshot(db.session, cycle.id) if cycle.is_frozen else None
    pack = Pack()
    _cover_and_gaps(pack, cycle, report, len(scored))
    _trends(pack, cycle)
    _training(pack, cycle, scored, snapshot)
    _actions(pack, cycle, report, snapshot)
    pack.tables.append(comments_table(cycle_comments(cycle.id)))
    return to_pdf(f"Security steering committee pack {cycle.id}", pack.paragraphs, pack.tables)


def _cover_and_gaps(pack: Pack, cycle: Cycle, report: GapReport, responses: int) -> None:
    facts = catalogue().facts
    pack.paragraphs += [
        f"Cycle {cycle.id}, {cycle.opens.isoformat()} to {cycle.closes.isoformat()} "
        f"(status: {cycle.status}). {responses} submitted responses.",
        "Headline: " + headline(report, facts, ROLE_LABELS),
    ]
    pack.tables.append(
        Table(
            "Beliefs against facts (✓ aligned, ▲ optimistic, ▼ pessimistic, ? don't know)",
            ("Fact (reported)", *(ROLE_LABELS[r] for r in ROLES)),
            tuple(
                (f"{row.title} ({row.actual})", *(c.text for c in row.cells))
                for row in matrix(report, facts, ROLES)
            ),
        )
    )


def _trends(pack: Pack, cycle: Cycle) -> None:
    previous = queries.previous_cycle(db.session, cycle)
    if previous is None:
        pack.paragraphs.append("No earlier cycle to compare with.")
        return
    comparison = compare(previous, cycle)
    pack.paragraphs.append(
        f"Compared with {previous.id} on the items both cycles share "
        f"({comparison.comparable_items:.0%} of them; the rest rotate between forms): "
        f"{comparison.report.groups[ALL].verdict}"
    )
    pack.tables.append(
        Table(
            f"Overall scores, {previous.id} → {cycle.id}",
            TREND_COLUMNS,
            tuple(
                trend_row(ROLE_LABELS.get(g, "Everyone"), c)
                for g, c in comparison.report.groups.items()
            ),
        )
    )


def _training(
    pack: Pack, cycle: Cycle, scored: Sequence[ScoredPerson], snapshot: ReportSnapshot | None
) -> None:
    # A frozen cycle's training status is the one stored when it was frozen.
    stored = snapshot.payload.get("training") if snapshot else None
    status = (
        TrainingStatus(**stored) if isinstance(stored, dict) else training_status(cycle, scored)
    )
    met = "; ".join(f"{label} {done} of {n} met" for label, n, done in status.rows)
    pack.paragraphs.append(
        f"Training: {status.needs} needs, {status.planned_sessions} sessions "
        f"scheduled{'; ' + met if met else ''}."
    )
    below = status.below or needs_below()
    # Counted by role and domain: with hundreds of managers a list of names helps nobody here.
    rubric = catalogue().rubric
    counted = Counter(
        (ROLE_LABELS.get(n.role, n.role), rubric.domain(n.domain).name)
        for n in needs_of(scored, below)
    )
    pack.tables.append(
        Table(
            f"Training needs (domains below {below})",
            ("Role", "Domain", "People"),
            tuple((role, domain, n) for (role, domain), n in sorted(counted.items())),
        )
    )


def _actions(pack: Pack, cycle: Cycle, report: GapReport, snapshot: ReportSnapshot | None) -> None:
    stored = snapshot.payload.get("actions") if snapshot else None
    actions = list(stored) if isinstance(stored, list) else open_actions(cycle, report)
    pack.paragraphs.append(
        "Open actions: " + (" ".join(f"({k}) {a}" for k, a in enumerate(actions, 1)) or "none.")
    )


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def trend_row(label: str, change: Change) -> tuple[str, ...]:
    """One group's line of the trends table; tests and intervals only where they can run."""
    ci = f"{change.ci[0]:+.1f} to {change.ci[1]:+.1f}" if change.ci else "too few pairs"
    p = f"{change.p:.3f}" if change.p is not None else "too few pairs"
    return (
        label,
        str(change.n_pairs),
        _fmt(change.mean_from),
        _fmt(change.mean_to),
        "—" if change.change is None else f"{change.change:+.1f}",
        ci,
        p,
    )
