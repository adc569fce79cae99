"""Measurement pages: the applicability profile (admin) and item analysis (admin, committee)."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from assessment import actions, queries
from assessment.actions import ActionError
from assessment.extensions import db
from assessment.reports.item_analysis import item_analysis_of
from assessment.services.lifecycle import CycleStatus
from assessment.web.auth import current_actor, permission_required
from assessment.web.forms import RegimesForm

bp = Blueprint("measurement", __name__)


@bp.route("/admin/regimes", methods=["GET", "POST"])
@permission_required("admin")
def regimes() -> str | WerkzeugResponse:
    profile = actions.regimes.profile()
    form = RegimesForm()
    form.applies.choices = [(s.regime.id, s.regime.name) for s in profile]
    if request.method == "GET":
        form.applies.data = [s.regime.id for s in profile if s.applies]
    if form.validate_on_submit():
        try:
            actions.regimes.set_applicable(current_actor(), form.applies.data or [])
        except ActionError as refused:
            form.applies.errors.append(refused.message)
        else:
            db.session.commit()
            flash(
                "Profile saved. Cycles opened from now on leave out the items of regimes that "
                "do not apply; cycles already open keep their forms.",
                "success",
            )
            return redirect(url_for("measurement.regimes"))
    return render_template(
        "measurement/regimes.html",
        form=form,
        profile=profile,
        profile_set=actions.regimes.profile_is_set(),
        summaries={s.regime.id: s.regime.summary for s in profile},
    )


@bp.route("/measurement/items")
@permission_required("admin", "committee")
def items() -> str:
    cycles = queries.cycles_in_order(db.session)
    usable = [c for c in cycles if queries.has_submissions(db.session, c.id)]
    asked = request.args.getlist("cycle")
    chosen = [c.id for c in usable if c.id in asked] or [
        c.id for c in usable if c.status in (CycleStatus.CLOSED, CycleStatus.FROZEN)
    ]
    analysis = item_analysis_of(chosen) if chosen else None
    anchors = item_analysis_of(chosen, common_only=True) if chosen else None
    return render_template(
        "measurement/items.html",
        usable=usable,
        chosen=chosen,
        analysis=analysis,
        anchors=anchors,
        min_n=int(current_app.config["ITEM_ANALYSIS_MIN_N"]),
    )
