"""Invitation links: a personal link signs its person into their own questionnaire for one
cycle, and nothing else. The routes belong to the respond blueprint."""

from __future__ import annotations

from flask import current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse

from assessment import actions
from assessment.extensions import db, limiter
from assessment.web.auth import LINK, SCOPE_KEY, current_actor, start_session
from assessment.web.respond import bp

SCOPE_ENDPOINTS = {
    "auth.logout",
    "auth.login",
    "static",
    "main.healthz",
    # A reset link opened where an invitation link signed in must still work (it signs no one in).
    "password_reset.forgot",
    "password_reset.sent",
    "password_reset.reset",
}


@bp.before_app_request
def keep_invitation_sessions_in_scope() -> WerkzeugResponse | None:
    """A link signs a person into their own questionnaire for one cycle, nothing else."""
    cycle_id = session.get(SCOPE_KEY)
    if (
        cycle_id
        and request.endpoint
        and not (request.endpoint.startswith("respond.") or request.endpoint in SCOPE_ENDPOINTS)
    ):
        return redirect(url_for("respond.intro", cycle_id=cycle_id))
    return None


@bp.route("/i/<token>")
@limiter.limit(
    lambda: current_app.config["INVITATION_LIMIT_PER_ADDRESS"],
    scope="invitation",
    deduct_when=lambda response: response.status_code == 404,
)
def invitation(token: str) -> str | WerkzeugResponse | tuple[str, int]:
    check = actions.invitations.check_link(token)
    if check.invitation is None:
        return render_template("respond/link_problem.html", reason=check.problem), 404
    invited = check.invitation
    if not current_user.is_authenticated:
        # The link names the organisation a signed-out browser acts for, even when its session
        # still remembers another one (a time-out there keeps it, for answers posted late):
        # otherwise the link's person and log entry would be looked for in the wrong one.
        g.organisation_id = invited.organisation_id
    if check.problem == "closed":
        return render_template("respond/closed.html", cycle=invited.cycle), 410
    if current_user.is_authenticated and current_user.person_id != invited.person_id:
        # Never swap the browser's identity on a GET: a colleague mailing their own link (login
        # CSRF), or an administrator opening one from the outbox, would otherwise be working as
        # someone else. The audit names who really opened it (F-04, F-05).
        actions.invitations.refuse_link(current_actor(), invited)
        db.session.commit()
        return render_template("respond/link_other_person.html", name=current_user.name), 409
    if check.problem == "submitted":
        if current_user.is_authenticated:  # its own person, signed in already: their results
            return redirect(url_for("respond.results", cycle_id=invited.cycle_id))
        return render_template("respond/link_submitted.html", cycle_id=invited.cycle_id), 200
    account = actions.invitations.open_link(invited)
    db.session.commit()
    if not current_user.is_authenticated:  # already signed in as this person: nothing to do
        if start_session(account, LINK):
            session[SCOPE_KEY] = invited.cycle_id
    return redirect(url_for("respond.intro", cycle_id=invited.cycle_id))
