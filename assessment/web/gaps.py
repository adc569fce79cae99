"""The gap report: what leadership believes against what the fact owners report."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, render_template

from assessment import queries
from assessment.actions import audit
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.reports.comments import cycle_comments
from assessment.reports.gaps import gap_report_of
from assessment.services.comments.to_committee import comments_json, comments_table
from assessment.services.content.definitions import ROLE_LABELS, ROLES
from assessment.services.facts.exports import (
    fact_notes,
    reported_facts_json,
    reported_facts_table,
)
from assessment.services.gaps.report import GapReport
from assessment.services.gaps.tables import gap_tables
from assessment.services.gaps.wording import (
    describe_gap,
    headline,
    matrix,
    most_serious,
    role_lines,
)
from assessment.services.output import exports
from assessment.services.output.charts import gap_shares_png, gap_shares_svg
from assessment.services.output.json_shapes import gaps_json
from assessment.web.auth import current_actor, permission_required
from assessment.web.lookups import cycle_or_404

bp = Blueprint("gaps", __name__, url_prefix="/gaps")
EXPORT_FORMATS = ("json", "csv", "xlsx", "pdf")


@bp.route("/")
@permission_required("admin", "committee")
def index() -> str:
    return render_template("gaps/index.html", cycles=queries.list_cycles(db.session))


@bp.route("/<cycle_id>")
@permission_required("admin", "committee")
def report(cycle_id: str) -> str:
    cycle = cycle_or_404(cycle_id)
    gap_report = gap_report_of(cycle)  # as stored, for a frozen cycle
    audit.record(
        current_actor(), "viewed_gap_report", cycle_id
    )  # it shows each executive's beliefs
    db.session.commit()
    facts = catalogue().facts
    focus = most_serious(gap_report)
    # The most serious gap leads the list even when only one role holds it.
    spots = [focus] if focus and focus not in gap_report.blind_spots else []
    spots += list(gap_report.blind_spots)
    return render_template(
        "gaps/report.html",
        cycle=cycle,
        report=gap_report,
        headline=headline(gap_report, facts, ROLE_LABELS),
        matrix=matrix(gap_report, facts, ROLES),
        roles=ROLES,
        role_labels=ROLE_LABELS,
        role_lines=role_lines(gap_report.by_role, ROLE_LABELS),
        blind_spots=[
            (s, describe_gap(s, gap_report, ROLE_LABELS), facts[s.fact_id]) for s in spots
        ],
        reported=queries.current_fact_values(db.session, cycle_id),
        comments=cycle_comments(cycle_id),
    )


@bp.route("/<cycle_id>/chart.svg")
@permission_required("admin", "committee")
def chart(cycle_id: str) -> Response:
    gap_report = gap_report_of(cycle_or_404(cycle_id))
    rows = [(ROLE_LABELS.get(r, r), s.counts) for r, s in gap_report.by_role.items()]
    svg = gap_shares_svg(rows, f"Beliefs against facts by role, {cycle_id}")
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/<cycle_id>/export.<fmt>")
@permission_required("admin", "committee")
def export(cycle_id: str, fmt: str) -> Response:
    if fmt not in EXPORT_FORMATS:
        # Before the audit entry: a 404 exports nothing, and the entry would carry
        # whatever text the caller put in the address.
        abort(404)
    gap_report = gap_report_of(cycle_or_404(cycle_id))
    name = f"gap-report-{cycle_id}"
    audit.record(current_actor(), "export", f"{name}.{fmt}")
    db.session.commit()
    comments = cycle_comments(cycle_id)
    facts, reported = catalogue().facts, queries.current_fact_values(db.session, cycle_id)
    notes = fact_notes(facts, reported)
    if fmt == "json":
        payload = (
            gaps_json(gap_report)
            | {"facts": reported_facts_json(facts, reported)}
            | comments_json(comments)
        )
        response = Response(_json(payload), mimetype="application/json")
    elif fmt == "csv":  # one table per file: the belief pairs, with each fact's note
        response = Response(exports.to_csv(_tables(gap_report, notes)[0]), mimetype="text/csv")
    elif fmt == "xlsx":
        response = Response(
            exports.to_xlsx(
                [
                    *_tables(gap_report, notes),
                    reported_facts_table(facts, reported),
                    comments_table(comments),
                ]
            ),
            mimetype=("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        )
    else:  # pdf, the last of EXPORT_FORMATS
        rows = [(ROLE_LABELS.get(r, r), s.counts) for r, s in gap_report.by_role.items()]
        response = Response(
            exports.to_pdf(
                f"Gap report {cycle_id}",
                [headline(gap_report, facts, ROLE_LABELS)],
                [
                    *_tables(gap_report)[::-1],
                    reported_facts_table(facts, reported),
                    comments_table(comments),
                ],
                gap_shares_png(rows, "Beliefs against facts by role"),
            ),
            mimetype="application/pdf",
        )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def _tables(report: GapReport, notes: dict[str, str] | None = None) -> list[exports.Table]:
    return gap_tables(report, catalogue().facts, ROLE_LABELS, notes)


def _json(payload: object) -> str:
    return json.dumps(payload, ensure_ascii=False, indent=2)
