"""Administration: people, cycles (open, close, invite, remind) and the development outbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from .. import audit, invitations, queries
from ..auth import permission_required
from ..catalogue import catalogue
from ..cycle_scores import freeze
from ..extensions import db
from ..forms import CycleForm
from ..services.cycles import participation
from .common import cycle_or_404

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/people")
@permission_required("admin")
def people() -> str:
    return render_template("admin/people.html", people=queries.list_people(db.session))


@bp.route("/cycles", methods=["GET", "POST"])
@permission_required("admin")
def cycles() -> str | WerkzeugResponse:
    form = CycleForm()
    if form.validate_on_submit():
        assert form.id.data and form.opens.data and form.closes.data
        if queries.get_cycle(db.session, form.id.data):
            form.id.errors.append("A cycle with this id exists already.")
        else:
            queries.create_cycle(db.session, form.id.data, form.opens.data, form.closes.data)
            audit.record("cycle_created", form.id.data)
            db.session.commit()
            flash(
                f"Cycle {form.id.data} created as a draft. Open it to start taking answers.",
                "success",
            )
            return redirect(url_for("admin.cycle", cycle_id=form.id.data))
    return render_template("admin/cycles.html", cycles=queries.list_cycles(db.session), form=form)


@bp.route("/cycles/<cycle_id>")
@permission_required("admin")
def cycle(cycle_id: str) -> str:
    found = cycle_or_404(cycle_id)
    people = queries.executives(db.session)
    rows = participation(
        [(p.id, p.name, p.email, p.role_label) for p in people],
        {
            r.person_id: (r.status, len(r.answer_values()))
            for r in queries.responses_in_cycle(db.session, cycle_id)
        },
        {
            i.person_id: (i.sent_at, i.reminders)
            for i in queries.invitations_in_cycle(db.session, cycle_id)
        },
    )
    return render_template(
        "admin/cycle.html",
        cycle=found,
        rows=rows,
        snapshot=queries.latest_snapshot(db.session, cycle_id),
    )


@bp.route("/cycles/<cycle_id>/status", methods=["POST"])
@permission_required("admin")
def change_status(cycle_id: str) -> WerkzeugResponse:
    found = cycle_or_404(cycle_id)
    action = request.form.get("action")
    if action == "open" and found.status == "draft":
        versions = {}
        for role in ("ceo", "cio", "it_manager", "hr", "legal"):
            current = catalogue().current(role)
            if current is not None:
                versions[role] = (current.id, current.version)
        queries.open_cycle(db.session, found, versions)
        flash(f"Cycle {cycle_id} is open; questionnaire versions are pinned.", "success")
    elif action == "close" and found.status == "open":
        found.status = "closed"
        flash(
            f"Cycle {cycle_id} is closed: no more answers, invitation links stop working.",
            "success",
        )
    elif action == "freeze" and found.status == "closed":
        version = freeze(found, current_user.person)
        flash(
            f"Cycle {cycle_id} is frozen: its scores and reports are stored as report "
            f"version {version} and will not change.",
            "success",
        )
    elif action == "recompute" and found.status == "frozen":
        version = freeze(found, current_user.person)
        flash(f"Recomputed as report version {version}; earlier versions are kept.", "success")
    else:
        flash("That change is not possible in the cycle's current status.", "error")
        return redirect(url_for("admin.cycle", cycle_id=cycle_id))
    audit.record(f"cycle_{action}", cycle_id, status=found.status)
    db.session.commit()
    return redirect(url_for("admin.cycle", cycle_id=cycle_id))


@bp.route("/cycles/<cycle_id>/invitations", methods=["POST"])
@permission_required("admin")
def invite(cycle_id: str) -> WerkzeugResponse:
    found = cycle_or_404(cycle_id)
    if found.status != "open":
        flash("Invitations can only be sent while the cycle is open.", "error")
        return redirect(url_for("admin.cycle", cycle_id=cycle_id))
    reminder = request.form.get("kind") == "reminder"
    invited = {i.person_id for i in queries.invitations_in_cycle(db.session, cycle_id) if i.sent_at}
    people = [p for p in queries.executives(db.session) if found.pinned_for(p.role or "")]
    people = [p for p in people if (p.id in invited) == reminder]
    sent, skipped = invitations.send_invitations(found, people, reminder=reminder)
    audit.record(
        "reminders_sent" if reminder else "invitations_sent", cycle_id, sent=sent, skipped=skipped
    )
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
    return render_template("admin/outbox.html", messages=queries.list_mail(db.session))


@bp.route("/audit")
@permission_required("admin")
def audit_log() -> str:
    return render_template("admin/audit.html", problem=audit.verify(), entries=audit.recent())


@bp.route("/tokens", methods=["GET", "POST"])
@permission_required("admin")
def tokens() -> str | WerkzeugResponse:
    from ..api_tokens import issue_token

    new_token = None
    if request.method == "POST" and request.form.get("revoke", "").isdigit():
        revoked = queries.revoke_token(db.session, int(request.form["revoke"]))
        if revoked is not None:
            audit.record("token_revoked", revoked.account.person.email, token_id=revoked.id)
        db.session.commit()
        flash("Token revoked; it no longer works.", "success")
        return redirect(url_for("admin.tokens"))
    if request.method == "POST" and request.form.get("email"):
        account = queries.find_account_by_email(db.session, request.form["email"])
        if account is None:
            flash("There is no account with that e-mail address.", "error")
        else:
            new_token = issue_token(account, 90)
            audit.record("token_created", account.person.email, days=90)
            db.session.commit()
    return render_template(
        "admin/tokens.html", tokens=queries.list_tokens(db.session), new_token=new_token
    )
