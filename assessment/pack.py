"""The quarterly committee pack (PDF). For a frozen cycle every number comes from stored data
and the text never mentions the current time, so the same command gives the same text."""

from __future__ import annotations

from . import committee, queries
from .catalogue import catalogue
from .cycle_scores import scores_of
from .extensions import db
from .models import ROLE_LABELS, Cycle
from .services.definitions import ROLES
from .services.exports import Table, to_pdf
from .services.gap_view import headline, matrix
from .services.trends import ALL, Change


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def trend_row(label: str, change: Change) -> tuple[str, ...]:
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


def build_pack(cycle: Cycle) -> bytes:
    """Cover, headline findings, gap matrix, trends, training status and open actions."""
    facts = catalogue().facts
    report = committee.gap_report_of(cycle)
    scored = scores_of(cycle)
    previous = committee.previous_cycle(cycle)
    paragraphs = [
        f"Cycle {cycle.id}, {cycle.opens.isoformat()} to {cycle.closes.isoformat()} "
        f"(status: {cycle.status}). {len(scored)} submitted responses.",
        "Headline: " + headline(report, facts, ROLE_LABELS),
    ]
    tables = [
        Table(
            "Beliefs against facts (✓ aligned, ▲ optimistic, ▼ pessimistic, ? don't know)",
            ("Fact (reported)", *(ROLE_LABELS[r] for r in ROLES)),
            tuple(
                (f"{row.title} ({row.actual})", *(c.text for c in row.cells))
                for row in matrix(report, facts, ROLES)
            ),
        )
    ]
    if previous is not None:
        comparison = committee.compare(previous, cycle)
        overall = comparison.report.groups[ALL]
        paragraphs.append(
            f"Compared with {previous.id} ({comparison.comparable_items:.0%} of "
            f"items in common): {overall.verdict}"
        )
        tables.append(
            Table(
                f"Overall scores, {previous.id} → {cycle.id}",
                (
                    "Group",
                    "People in both",
                    "Before",
                    "After",
                    "Change",
                    "95% interval",
                    "Wilcoxon p",
                ),
                tuple(
                    trend_row(ROLE_LABELS.get(g, "Everyone"), c)
                    for g, c in comparison.report.groups.items()
                ),
            )
        )
    else:
        paragraphs.append("No earlier cycle to compare with.")
    needs = committee.training_needs(scored)
    snapshot = queries.latest_snapshot(db.session, cycle.id) if cycle.status == "frozen" else None
    # A frozen cycle's training status and actions are those stored when it was frozen.
    status = (
        committee.TrainingStatus(**snapshot.payload["training"])  # type: ignore[arg-type]
        if snapshot and "training" in snapshot.payload
        else committee.training_status(cycle)
    )
    met = "; ".join(f"{label} {done} of {n} met" for label, n, done in status.rows)
    paragraphs.append(
        f"Training: {status.needs} needs, {status.planned_sessions} sessions "
        f"scheduled{'; ' + met if met else ''}."
    )
    # Counted by role and domain: with hundreds of managers a list of names helps nobody here.
    counted: dict[tuple[str, str], int] = {}
    for _, role, domain in needs:
        counted[(role, domain)] = counted.get((role, domain), 0) + 1
    tables.append(
        Table(
            "Training needs (domains below L3)",
            ("Role", "Domain", "People"),
            tuple((role, domain, n) for (role, domain), n in sorted(counted.items())),
        )
    )
    stored_actions = snapshot.payload.get("actions") if snapshot else None
    actions = (
        list(stored_actions)
        if isinstance(stored_actions, list)
        else committee.open_actions(cycle, report)
    )
    paragraphs.append(
        "Open actions: " + (" ".join(f"({k}) {a}" for k, a in enumerate(actions, 1)) or "none.")
    )
    return to_pdf(f"Security steering committee pack {cycle.id}", paragraphs, tables)
