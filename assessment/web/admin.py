"""Administration: cycles (open, close, invite, remind) and the development outbox. People
are managed in ``web.people``."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from assessment import actions, queries
from assessment.actions import ActionError
from assessment.actions.cycles import Transition
from assessment.actions.mail import mask_links
from assessment.extensions import db
from assessment.models import Cycle
from assessment.services.answering.participation import ParticipationRow, participation
from assessment.web.auth import current_actor, permission_required
from assessment.web.cycle_forms import ReopenForm
from assessment.web.forms import CycleForm
from assessment.web.lookups import cycle_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/cycles", methods=["GET", "POST"])
@permission_required("admin")
def cycles() -> str | WerkzeugResponse:
    form = CycleForm()
    if form.validate_on_submit():
        assert form.id.data and form.opens.data and form.closes.data
        try:
            created = actions.cycles.create_cycle(
                current_actor(), form.id.data, form.opens.data, form.closes.data
            )
        except ActionError as refused:
            field = form.closes if "closes" in refused.errors else form.id
            field.errors.append(
                "A cycle with this id exists already."
                if "id" in refused.errors
                else refused.message
            )
        else:
            db.session.commit()
            flash(
                f"Cycle {created.id} created as a draft. Open it to start taking answers.",
                "success",
            )
            return redirect(url_for("admin.cycle", cycle_id=created.id))
    return render_template("admin/cycles.html", cycles=queries.list_cycles(db.session), form=form)


@bp.route("/cycles/<cycle_id>")
@permission_required("admin")
def cycle(cycle_id: str) -> str:
    found = cycle_or_404(cycle_id)
    return render_template(
        "admin/cycle.html",
        cycle=found,
        rows=_participation(cycle_id),
        snapshot=queries.latest_snapshot(db.session, cycle_id),
    )


def _participation(cycle_id: str) -> list[ParticipationRow]:
    """Every active executive, and anyone deactivated since who answered in this cycle (their
    answers count in its reports, so the page must show them)."""
    responses = queries.responses_in_cycle(db.session, cycle_id)
    people = queries.executives(db.session)
    listed = {p.id for p in people}
    people += [r.person for r in responses if r.person_id not in listed and r.person.role]
    return participation(
        [(p.id, p.name, p.email, p.role_label) for p in people],
        {r.person_id: (r.status, len(r.answer_values())) for r in responses},
        {
            i.person_id: (i.sent_at, i.reminders)
            for i in queries.invitations_in_cycle(db.session, cycle_id)
        },
    )


# What the administrator reads after each change of a cycle's status.
DONE = {
    Transition.OPEN: "Cycle {id} is open; questionnaire versions are pinned.",
    Transition.CLOSE: "Cycle {id} is closed: no more answers, invitation links stop working. "
    "You can reopen it until it is frozen.",
    Transition.FREEZE: "Cycle {id} is frozen: its scores and reports are stored as report "
    "version {version} and will not change.",
    Transition.RECOMPUTE: "Recomputed as report version {version}; earlier versions are kept.",
    Transition.REOPEN: "Cycle {id} is open again until {closes}; invitation links work again.",
}
# Changes that are asked about first: closing stops everyone mid-way, freezing is final and
# reopening changes reports people may have read.
CONFIRM_FIRST = (Transition.CLOSE, Transition.FREEZE, Transition.REOPEN)


@bp.route("/cycles/<cycle_id>/status", methods=["POST"])
@permission_required("admin")
def change_status(cycle_id: str) -> str | WerkzeugResponse:
    """Open, close, freeze, reopen or recompute: the rules live in ``actions.cycles``. The
    steps in CONFIRM_FIRST first show what will happen and act only once confirmed."""
    found = cycle_or_404(cycle_id)
    step = request.form.get("action", "")
    reopen = ReopenForm(prefix="reopen")
    if step in CONFIRM_FIRST and not _confirmed(step, reopen):
        return _confirm_page(found, Transition(step), reopen)
    try:
        changed = actions.cycles.change_status(
            current_actor(),
            found,
            step,
            closes=reopen.closes.data if step == Transition.REOPEN else None,
            reason=(reopen.reason.data or "") if step == Transition.REOPEN else "",
        )
    except ActionError as refused:
        if step == Transition.REOPEN and refused.errors.keys() & {"closes", "reason"}:
            field = reopen.closes if "closes" in refused.errors else reopen.reason
            field.errors = [*field.errors, refused.message]
            return _confirm_page(found, Transition.REOPEN, reopen)
        flash("That change is not possible in the cycle's current status.", "error")
    else:
        db.session.commit()
        message = DONE[changed.transition]
        flash(
            message.format(
                id=cycle_id, version=changed.report_version, closes=found.closes.isoformat()
            ),
            "success",
        )
    return redirect(url_for("admin.cycle", cycle_id=cycle_id))


def _confirmed(step: str, reopen: ReopenForm) -> bool:
    if request.form.get("confirmed") != "yes":
        return False
    return step != Transition.REOPEN or reopen.validate()


def _confirm_page(cycle: Cycle, step: Transition, reopen: ReopenForm) -> str:
    if step == Transition.REOPEN and reopen.closes.data is None and not reopen.closes.errors:
        reopen.closes.data = max(cycle.closes, dt.date.today() + dt.timedelta(days=7))
    rows = _participation(cycle.id)
    snapshot = queries.latest_snapshot(db.session, cycle.id)
    return render_template(
        "admin/cycle_confirm.html",
        cycle=cycle,
        step=str(step),
        counts=Counter(row.state for row in rows),
        mid_way=[row.name for row in rows if row.state == "in progress"],
        attestation=queries.latest_attestation(db.session, cycle.id),
        next_version=snapshot.version + 1 if snapshot else 1,
        reopen=reopen,
    )


@bp.route("/cycles/<cycle_id>/invitations", methods=["POST"])
@permission_required("admin")
def invite(cycle_id: str) -> WerkzeugResponse:
    found = cycle_or_404(cycle_id)
    reminder = request.form.get("kind") == "reminder"
    try:
        sent, skipped = actions.invitations.send_invitations(
            current_actor(), found, reminder=reminder
        )
    except ActionError as refused:
        flash(refused.message, "error")
        return redirect(url_for("admin.cycle", cycle_id=cycle_id))
    db.session.commit()
    kind = "reminder" if reminder else "invitation"
    flash(
        f"{sent} {kind}{'s' if sent != 1 else ''} sent"
        + (f"; {skipped} skipped because they have already submitted." if skipped else "."),
        "success",
    )
    return redirect(url_for("admin.cycle", cycle_id=cycle_id))


@bp.route("/outbox")
@permission_required("admin")
def outbox() -> str:
    messages = queries.list_mail(db.session)
    actions.audit.record(current_actor(), "viewed_outbox", "outbox", messages=len(messages))
    db.session.commit()
    # An invitation link signs its person in: an administrator reading the outbox must not be
    # able to use one (F-05). The stored message is left as sent; only what is shown is masked.
    shown = [(m, mask_links(m.body) if m.body else m.body) for m in messages]
    return render_template("admin/outbox.html", messages=shown)


@bp.route("/audit")
@permission_required("admin")
def audit_log() -> str:
    return render_template(
        "admin/audit.html", problem=actions.audit.verify(), entries=actions.audit.recent()
    )


@bp.route("/tokens", methods=["GET", "POST"])
@permission_required("admin")
def tokens() -> str | WerkzeugResponse:
    new_token = None
    if request.method == "POST" and request.form.get("revoke", "").isdigit():
        try:
            actions.tokens.revoke_token(current_actor(), int(request.form["revoke"]))
        except ActionError as refused:
            flash(refused.message, "error")
        else:
            db.session.commit()
            flash("Token revoked; it no longer works.", "success")
        return redirect(url_for("admin.tokens"))
    if request.method == "POST" and request.form.get("email"):
        try:
            issued = actions.tokens.issue_token(current_actor(), request.form["email"], 90)
        except ActionError:
            flash("There is no account with that e-mail address.", "error")
        else:
            db.session.commit()
            new_token = issued.token
    return render_template(
        "admin/tokens.html", tokens=queries.list_tokens(db.session), new_token=new_token
    )
