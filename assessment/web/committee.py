"""The committee dashboard: quarter over quarter, honestly; drill-down; the quarterly pack."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from assessment import queries
from assessment.actions import audit
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus
from assessment.reports import committee
from assessment.reports.comments import cycle_comments
from assessment.reports.committee_pack import build_pack, peer_comparison
from assessment.reports.gaps import gap_report_of
from assessment.reports.score_cache import CycleFigures
from assessment.reports.training_needs import needs_for, training_status
from assessment.reports.trends import compare
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.output.charts import line_chart_svg, small_multiples_svg
from assessment.services.trends.drilldown import changed_answers, sorted_by_impact
from assessment.services.trends.plain_words import large_enough, role_changes, status_grid
from assessment.web.auth import current_actor, permission_required
from assessment.web.lookups import cycle_or_404

bp = Blueprint("committee", __name__, url_prefix="/committee")


def _pick(name: str, default: Cycle | None) -> Cycle | None:
    cycle_id = request.args.get(name)
    if not cycle_id:
        return default
    return cycle_or_404(cycle_id)


def _comparison_cycles(cycles: list[Cycle]) -> tuple[Cycle | None, Cycle | None, str]:
    """(from, to, a note for the reader) for the committee view.

    By default the last two cycles in which anyone submitted: a draft or a quarter nobody
    has answered yet would only show empty tables. A From later than To is put in order, so
    that a change is never read backwards.
    """
    answered = queries.cycles_with_submissions(db.session)
    with_data = [c for c in cycles if c.id in answered]  # answered, so opened: never a draft
    later = _pick("to", with_data[-1] if with_data else None)
    before = [c for c in with_data if later is not None and c.opens < later.opens]
    earlier = _pick("from", before[-1] if before else None)
    note = ""
    if earlier is not None and later is not None:
        if earlier.id == later.id:
            return None, later, "From and To name the same cycle: there is nothing to compare."
        if (earlier.opens, earlier.id) > (later.opens, later.id):
            earlier, later = later, earlier
            note = f"From came after To, so they were swapped: {earlier.id} → {later.id}."
    return earlier, later, note


def _compared_with_peers(cycles: list[Cycle], later: Cycle | None) -> Cycle | None:
    """The quarter to compare with peers: the later one once it has closed; while it is still
    open (no peer can have closed it yet), the newest closed one before it."""
    if later is None or later.status in (CycleStatus.CLOSED, CycleStatus.FROZEN):
        return later
    before = cycles[: cycles.index(later)] if later in cycles else []
    closed = [c for c in before if c.status in (CycleStatus.CLOSED, CycleStatus.FROZEN)]
    return closed[-1] if closed else later


@bp.route("/")
@permission_required("admin", "committee")
def dashboard() -> str:
    cycles = queries.cycles_in_order(db.session)
    earlier, later, note = _comparison_cycles(cycles)
    # Each quarter read and scored once for the series, the comparison and the later quarter's
    # scores, needs and gap report (or not at all while its rows are unchanged).
    figures = CycleFigures(cycles)
    comparison = compare(earlier, later, figures) if earlier and later else None
    series = committee.series(cycles, figures)
    answers = figures.answers(later.id) if later and not later.is_frozen else None
    scored = figures.scores(later) if later else []
    needs = needs_for(later, scored) if later else []
    rubric = catalogue().rubric
    compared = _compared_with_peers(cycles, later)
    return render_template(
        "committee/dashboard.html",
        cycles=cycles,
        earlier=earlier,
        later=later,
        note=note,
        actions=(
            committee.actions_for_view(later, gap_report_of(later, answers), needs) if later else []
        ),
        grid=status_grid(rubric, scored),
        levels=rubric.levels,
        changes=(
            role_changes(comparison.report, rubric, {s.email: s.name for s in scored})
            if comparison
            else []
        ),
        show_statistics=(
            large_enough(comparison.report, comparison.settings.min_pairs_test)
            if comparison
            else False
        ),
        comparison=comparison,
        series=series,
        role_labels=ROLE_LABELS,
        domains={d.id: d.name for d in catalogue().rubric.domains},
        training=training_status(later, scored, needs) if later else None,
        pulse=committee.pulse(later, _pulse_min_group()) if later else [],
        comments=cycle_comments(later.id) if later else [],
        pulse_min_group=_pulse_min_group(),
        peers=peer_comparison(compared) if compared else None,
        peers_cycle=compared,
    )


def _pulse_min_group() -> int:
    return int(current_app.config["PULSE_MIN_GROUP"])


@bp.route("/chart/<kind>.svg")
@permission_required("admin", "committee")
def chart(kind: str) -> Response:
    series = committee.series(queries.cycles_in_order(db.session))
    if kind == "roles":
        svg = line_chart_svg(
            series.cycles, series.overall_by_role, "Mean overall score by role", "score (0–100)"
        )
    elif kind == "domains":
        svg = small_multiples_svg(series.cycles, series.domains, "Mean score by topic (0–100)")
    elif kind == "optimism":
        svg = line_chart_svg(
            series.cycles,
            {"Optimism index": series.optimism},
            "Optimism index (−1 … +1)",
            "index",
            ylim=(-1, 1),
        )
    else:
        abort(404)
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/why")
@permission_required("admin", "committee")
def why() -> str:
    earlier, later = _pick("from", None), _pick("to", None)
    if earlier is None or later is None:
        abort(404)
    domain = request.args.get("domain") or None
    if domain is not None and domain not in catalogue().rubric.domain_ids:
        abort(404)
    audit.record(
        current_actor(), "viewed_individual_answers", f"{earlier.id}->{later.id}", domain=domain
    )
    db.session.commit()
    changes = changed_answers(
        committee.respondents(earlier), committee.respondents(later), catalogue().rubric, domain
    )
    return render_template(
        "committee/why.html",
        earlier=earlier,
        later=later,
        domain=catalogue().rubric.domain(domain).name if domain else None,
        changes=sorted_by_impact(changes),
    )


@bp.route("/pack/<cycle_id>.pdf")
@permission_required("admin", "committee")
def pack(cycle_id: str) -> Response:
    cycle = cycle_or_404(cycle_id)
    audit.record(current_actor(), "export", f"committee-pack-{cycle_id}.pdf")
    db.session.commit()
    response = Response(build_pack(cycle), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="committee-pack-{cycle_id}.pdf"'
    )
    return response
