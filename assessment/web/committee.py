"""The committee dashboard: quarter over quarter, honestly; drill-down; the quarterly pack."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request

from assessment import queries
from assessment.actions import audit
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle
from assessment.reports import committee
from assessment.reports.committee_pack import build_pack
from assessment.reports.training_needs import training_status
from assessment.reports.trends import compare
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.output.charts import line_chart_svg
from assessment.services.trends.drilldown import changed_answers, sorted_by_impact
from assessment.web.auth import current_actor, permission_required
from assessment.web.lookups import cycle_or_404

bp = Blueprint("committee", __name__, url_prefix="/committee")


def _pick(name: str, default: Cycle | None) -> Cycle | None:
    cycle_id = request.args.get(name)
    if not cycle_id:
        return default
    return cycle_or_404(cycle_id)


@bp.route("/")
@permission_required("admin", "committee")
def dashboard() -> str:
    cycles = queries.cycles_in_order(db.session)
    later = _pick("to", cycles[-1] if cycles else None)
    earlier = _pick("from", queries.previous_cycle(db.session, later) if later else None)
    comparison = compare(earlier, later) if earlier and later else None
    series = committee.series(cycles)
    return render_template(
        "committee/dashboard.html",
        cycles=cycles,
        earlier=earlier,
        later=later,
        comparison=comparison,
        series=series,
        role_labels=ROLE_LABELS,
        domains={d.id: d.name for d in catalogue().rubric.domains},
        training=training_status(later) if later else None,
        pulse=committee.pulse(later, _pulse_min_group()) if later else [],
        pulse_min_group=_pulse_min_group(),
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
        svg = line_chart_svg(series.cycles, series.domains, "Mean score by domain", "score (0–100)")
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
    cycle = queries.get_cycle(db.session, cycle_id)
    if cycle is None:
        abort(404)
    audit.record(current_actor(), "export", f"committee-pack-{cycle_id}.pdf")
    db.session.commit()
    response = Response(build_pack(cycle), mimetype="application/pdf")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="committee-pack-{cycle_id}.pdf"'
    )
    return response
