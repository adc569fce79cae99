"""The quarterly committee pack (PDF). For a frozen cycle every number comes from stored data
and the text never mentions the current time, so the same command gives the same text."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from assessment import queries, tenancy
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, ReportSnapshot, utcnow
from assessment.organisations import setting
from assessment.reports.comments import cycle_comments
from assessment.reports.committee import cycle_actions
from assessment.reports.cycle_inputs import cycle_answers
from assessment.reports.gaps import gap_report_of
from assessment.reports.peer_benchmark import cycle_benchmark
from assessment.reports.scores import ScoredPerson, scores_of
from assessment.reports.training_needs import (
    TrainingStatus,
    needs_below,
    needs_of,
    training_status,
)
from assessment.reports.trends import CycleComparison, compare
from assessment.services.benchmarks import plain_words as peer_words
from assessment.services.benchmarks.stored import benchmark_from_json
from assessment.services.comments.to_committee import comments_table
from assessment.services.content.definitions import ROLE_LABELS, ROLES
from assessment.services.gaps.report import GapReport
from assessment.services.gaps.wording import headline, matrix
from assessment.services.output.charts import gap_shares_png
from assessment.services.output.exports import Table
from assessment.services.output.pack_pdf import PackDocument, Section, pack_pdf
from assessment.services.trends.paired_change import ALL, Change
from assessment.services.trends.plain_words import role_changes, status_grid

TREND_COLUMNS = (
    "Group",
    "People in both",
    "Before",
    "After",
    "Change",
    "95% interval",
    "Wilcoxon p",
)


def build_pack(cycle: Cycle) -> bytes:
    """The board document: cover, what to act on, beliefs against facts with the chart, where
    each role stands, what changed, the comments written to the committee, training and how
    it compares with peers, with the statistical detail in an appendix. Submitted answers
    never change and a frozen cycle's scores, gaps, actions and training are stored, so its
    text never changes either (its date is the day it was frozen), except the peer
    comparison: it grows as more peers close the same cycle."""
    # Read the answers once for the gap report and the scores (a frozen cycle reads neither).
    answers = None if cycle.is_frozen else cycle_answers(cycle.id)
    report = gap_report_of(cycle, answers)
    scored = scores_of(cycle, answers)
    snapshot = queries.latest_snapshot(db.session, cycle.id) if cycle.is_frozen else None
    previous = queries.previous_cycle(db.session, cycle)
    comparison = compare(previous, cycle) if previous is not None else None
    document = PackDocument(
        title=f"Security steering committee pack {cycle.id}",
        cover_lines=_cover_lines(cycle, len(scored), snapshot),
        marking=setting("PACK_MARKING"),
        sections=[
            _summary(report),
            _actions(cycle, report),
            _gaps(cycle, report),
            _standing(scored),
            _changes(comparison, scored),
            Section("Comments to the committee", tables=[comments_table(cycle_comments(cycle.id))]),
            _training(cycle, scored, snapshot),
            _peers(peer_comparison(cycle)),
        ],
        appendix=[_statistics(comparison)],
    )
    return pack_pdf(document)


def _cover_lines(cycle: Cycle, responses: int, snapshot: ReportSnapshot | None) -> list[str]:
    organisation = setting("ORGANISATION_NAME")
    generated = (snapshot.created_at if snapshot else utcnow()).date().isoformat()
    lines = [organisation] if organisation else []
    return lines + [
        f"Cycle {cycle.id}, {cycle.opens.isoformat()} to {cycle.closes.isoformat()}",
        f"Status: {cycle.status}; {responses} submitted responses",
        f"Generated {generated}" + (" (when the cycle was frozen)" if snapshot else ""),
    ]


def _summary(report: GapReport) -> Section:
    # The cover gives the cycle, its dates, status and number of responses.
    return Section("Summary", paragraphs=[headline(report, catalogue().facts, ROLE_LABELS)])


def _actions(cycle: Cycle, report: GapReport) -> Section:
    actions = cycle_actions(cycle, report)
    return Section(
        "Open actions",
        paragraphs=[] if actions else ["None: nothing is open."],
        numbered=actions,
    )


def _gaps(cycle: Cycle, report: GapReport) -> Section:
    facts = catalogue().facts
    rows = [(ROLE_LABELS.get(r, r), s.counts) for r, s in report.by_role.items()]
    return Section(
        "Beliefs against facts",
        paragraphs=[
            "Each executive's view of the company's posture against what the owner of each fact "
            "reported with evidence: ✓ aligned, ▲ optimistic, ▼ pessimistic, ? don't know."
        ],
        images=[gap_shares_png(rows, f"Beliefs against facts by role, {cycle.id}")] if rows else [],
        tables=[
            Table(
                "Beliefs against facts by fact and role",
                ("Fact (reported)", *(ROLE_LABELS[r] for r in ROLES)),
                tuple(
                    (f"{row.title} ({row.actual})", *(c.text for c in row.cells))
                    for row in matrix(report, facts, ROLES)
                ),
            )
        ],
    )


def _standing(scored: Sequence[ScoredPerson]) -> Section:
    grid = status_grid(catalogue().rubric, scored)
    return Section(
        "Where each role stands",
        paragraphs=[
            "Level per topic (the level of the mean score where a role has several people). "
            "A handful of questions per topic cannot pin a level down exactly."
        ],
        tables=[
            Table(
                "Level per topic and role",
                ("Topic", *(ROLE_LABELS[r] for r in grid.roles)),
                tuple((row.name, *(c.text for c in row.cells)) for row in grid.rows),
            )
        ],
    )


def _changes(comparison: CycleComparison | None, scored: Sequence[ScoredPerson]) -> Section:
    if comparison is None:
        return Section("What changed", paragraphs=["No earlier cycle to compare with."])
    names = {s.email: s.name for s in scored}
    changes = role_changes(comparison.report, catalogue().rubric, names)
    earlier = comparison.earlier.id
    return Section(
        f"What changed since {earlier}",
        paragraphs=[
            f"Compared with {earlier} on the items both cycles share "
            f"({comparison.comparable_items:.0%} of them; the rest rotate between forms). "
            "A topic counts as moved at 10 points or more, half a level.",
        ],
        numbered=[c.sentence for c in changes]
        or [f"No one answered in both {earlier} and {comparison.later.id}."],
    )


def _statistics(comparison: CycleComparison | None) -> Section:
    if comparison is None:
        return Section("Statistical detail", paragraphs=["No earlier cycle to compare with."])
    settings = comparison.settings
    return Section(
        "Statistical detail",
        paragraphs=[
            comparison.report.groups[ALL].verdict,
            f"Tests need at least {settings.min_pairs_test} people in both cycles and intervals "
            f"at least {settings.min_pairs_interval}; below that they are not computed.",
        ],
        tables=[
            Table(
                f"Overall scores, {comparison.earlier.id} → {comparison.later.id}",
                TREND_COLUMNS,
                tuple(
                    trend_row(ROLE_LABELS.get(g, "Everyone"), c)
                    for g, c in comparison.report.groups.items()
                ),
            )
        ],
    )


def _training(
    cycle: Cycle, scored: Sequence[ScoredPerson], snapshot: ReportSnapshot | None
) -> Section:
    # A frozen cycle's training status is the one stored when it was frozen.
    stored = snapshot.payload.get("training") if snapshot else None
    below = stored.get("below") if isinstance(stored, dict) else None
    needs = needs_of(scored, below or needs_below())  # worked out once, for both uses below
    status = (
        TrainingStatus(**stored)
        if isinstance(stored, dict)
        else training_status(cycle, scored, needs)
    )
    met = "; ".join(f"{label} {done} of {n} met" for label, n, done in status.rows)
    below = status.below or needs_below()
    # Counted by role and domain: with hundreds of managers a list of names helps nobody here.
    rubric = catalogue().rubric
    counted = Counter(
        (ROLE_LABELS.get(n.role, n.role), rubric.domain(n.domain).name) for n in needs
    )
    return Section(
        "Training",
        paragraphs=[
            f"Training: {status.needs} needs, {status.planned_sessions} sessions "
            f"scheduled{'; ' + met if met else ''}."
        ],
        tables=[
            Table(
                f"Training needs (domains below {below})",
                ("Role", "Domain", "People"),
                tuple((role, domain, n) for (role, domain), n in sorted(counted.items())),
            )
        ],
    )


def peer_comparison(cycle: Cycle) -> peer_words.BenchmarkBlock:
    """How the organisation's cycle compares with its peers', in plain words: figures only
    when it takes part in peer benchmarks and enough peers have closed the same cycle."""
    organisation = queries.get_organisation(
        db.session, tenancy.organisation_parameter(db.session())
    )
    topics = {d.id: d.name for d in catalogue().rubric.domains}
    if cycle.is_frozen:
        # As compared when the cycle was frozen: the pack of a frozen cycle never changes.
        snapshot = queries.latest_snapshot(db.session, cycle.id)
        stored = snapshot.payload.get("peer_benchmark") if snapshot else None
        if isinstance(stored, dict):
            return peer_words.benchmark_block(benchmark_from_json(stored), cycle.id, topics)
        return peer_words.not_taking_part()
    if organisation is None or not organisation.benchmark_opt_in:
        return peer_words.not_taking_part()
    return peer_words.benchmark_block(cycle_benchmark(cycle), cycle.id, topics)


def _peers(block: peer_words.BenchmarkBlock) -> Section:
    return Section(
        peer_words.HEADING,
        paragraphs=list(block.sentences),
        tables=[Table("Your scores among your peers'", peer_words.COLUMNS, block.table_rows())]
        if block.shown
        else [],
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
