"""HR training planner: needs (never answers), sessions with calendar invitations, effect."""

from __future__ import annotations

import datetime as dt

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from assessment import actions, queries
from assessment.actions import ActionError
from assessment.actions.training_sessions import SessionPlan
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, Person, TrainingSession
from assessment.organisations import setting
from assessment.reports.training_calendar import local_start, session_event
from assessment.reports.training_needs import (
    as_utc,
    effect_of_training,
    latest_scored_cycle,
    needs_for,
    needs_without_session,
)
from assessment.services.content.definitions import ROLE_LABELS, ROLES, TEAM_FORMAT
from assessment.services.output import exports
from assessment.services.output.calendar import feed_ics
from assessment.services.training.needs import Need, completion_by_role
from assessment.services.training.steps import NextStep, next_step
from assessment.web.auth import current_actor, permission_required
from assessment.web.training_forms import SessionForm

bp = Blueprint("training", __name__, url_prefix="/training")
ALLOWED = ("hr_coordinator", "admin")


def _cycle_arg() -> Cycle | None:
    cycle_id = request.args.get("cycle")
    if cycle_id:
        found = queries.get_cycle(db.session, cycle_id)
        if found is None:
            abort(404)
        return found
    return latest_scored_cycle()


@bp.route("/")
@permission_required(*ALLOWED)
def index() -> str:
    cycle = _cycle_arg()
    needs = needs_for(cycle) if cycle else []
    sessions = queries.list_training_sessions(db.session)
    now = dt.datetime.now(dt.UTC)
    completed = {(email, module) for email, module, _ in queries.completed_modules(db.session)}
    return render_template(
        "training/index.html",
        cycle=cycle,
        needs=needs,
        role_labels=ROLE_LABELS,
        domains={d.id: d.name for d in catalogue().rubric.domains},
        modules=catalogue().training,
        unplanned=needs_without_session(cycle, needs, now) if cycle else [],
        days=int(current_app.config["TRAINING_PLANNING_DAYS"]),
        completion=completion_by_role(needs, completed),
        upcoming=[(s, local_start(s)) for s in sessions if as_utc(s.starts_at) >= now],
        effect=effect_of_training(cycle),
        cycles=queries.list_cycles(db.session),
    )


def _plan(form: SessionForm, module_id: str) -> SessionPlan:
    assert form.date.data and form.time.data and form.timezone.data
    return SessionPlan(
        module_id=module_id,
        date=form.date.data,
        time=form.time.data,
        timezone=form.timezone.data,
        duration_minutes=form.duration_minutes.data or 60,
        location=form.location.data or "",
        capacity=form.capacity.data or 1,
        facilitator=form.facilitator.data or "",
    )


@bp.route("/sessions/new", methods=["GET", "POST"])
@permission_required(*ALLOWED)
def schedule() -> str | WerkzeugResponse:
    form = SessionForm(module_id=request.args.get("module"), timezone=_default_timezone())
    form.module_id.choices = [SelectChoice(m.id, m.title) for m in catalogue().training.values()]
    day = form.offer_timezones()
    if form.validate_on_submit():
        plan = _plan(form, form.module_id.data or "")
        try:
            created = actions.training_sessions.schedule(current_actor(), plan)
        except ActionError as refused:
            _show_refusal(form, refused)
        else:
            db.session.commit()
            flash("Session scheduled. Assign people, then send the invitations.", "success")
            if _in_the_past(plan):
                flash(
                    f"This session starts in the past ({plan.date.isoformat()} "
                    f"{plan.time.strftime('%H:%M')}). If that is a mistake, change its date "
                    "before sending the invitations.",
                    "error",
                )
            return _to(created.id)
    return render_template("training/session_form.html", form=form, day=day)


def _default_timezone() -> str:
    """The zone of the coordinator's last session, else the organisation's default (or the
    installation's)."""
    last = queries.last_session_timezone(db.session, current_actor().email)
    return last or setting("TRAINING_DEFAULT_TIMEZONE")


def _in_the_past(plan: SessionPlan) -> bool:
    """Whether the planned start, in the session's own time zone, lies before now (a session
    for the record of one already held is allowed, but a slip of the year is likelier)."""
    return plan.starts_at() < dt.datetime.now(dt.UTC)


def _training_session(training_session_id: int) -> TrainingSession:
    try:
        return actions.training_sessions.get(training_session_id)
    except ActionError:
        abort(404)


def _to(training_session_id: int) -> WerkzeugResponse:
    return redirect(url_for("training.training_session", training_session_id=training_session_id))


@bp.route("/sessions/<int:training_session_id>")
@permission_required(*ALLOWED)
def training_session(training_session_id: int) -> str:
    training = _training_session(training_session_id)
    needs = _needs_covered(training)
    assigned = {a.person_id for a in training.attendees}
    free = [p for p in queries.training_candidates(db.session) if p.id not in assigned]
    not_invited = sum(a.invited_at is None for a in training.attendees)
    module = catalogue().training[training.module_id]
    return render_template(
        "training/session.html",
        training=training,
        start=local_start(training),
        module=module,
        team_format=module.format == TEAM_FORMAT,
        needs=needs,
        # People with a need first (one line each, naming every need the module covers),
        # then everyone else: executives in role order, then staff by name.
        suggested=[(p, needs[p.email]) for p in free if p.email in needs],
        others=sorted((p for p in free if p.email not in needs), key=_team_order),
        labels={p.id: _who(p) for p in free},
        not_invited=not_invited,
        step=next_step(
            scheduled=training.is_scheduled,
            assigned=len(training.attendees),
            not_invited=not_invited,
            starts_at=as_utc(training.starts_at),
            now=dt.datetime.now(dt.UTC),
        ),
        steps=NextStep,
        domains={d.id: d.name for d in catalogue().rubric.domains},
    )


def _needs_covered(training: TrainingSession) -> dict[str, list[Need]]:
    """Per e-mail address, the needs (latest scored cycle) that this session's module covers."""
    cycle = latest_scored_cycle()
    covered: dict[str, list[Need]] = {}
    for n in needs_for(cycle) if cycle else []:
        if training.module_id in n.modules:
            covered.setdefault(n.email, []).append(n)
    return covered


PERMISSION_LABELS = {
    "admin": "administrator",
    "committee": "committee member",
    "hr_coordinator": "HR coordinator",
    "fact_owner": "fact owner",
}


def _who(person: Person) -> str:
    """The role label of an executive; for staff, what their account is for."""
    if person.role:
        return ROLE_LABELS.get(person.role, person.role)
    permissions = sorted(person.account.permissions) if person.account else []
    return ", ".join(PERMISSION_LABELS.get(p, p) for p in permissions) or "staff"


def _team_order(person: Person) -> tuple[int, str, str]:
    rank = ROLES.index(person.role) if person.role in ROLES else len(ROLES)
    return rank, person.name.casefold(), person.email


@bp.route("/sessions/<int:training_session_id>/assign", methods=["POST"])
@permission_required(*ALLOWED)
def assign(training_session_id: int) -> WerkzeugResponse:
    training = _training_session(training_session_id)
    whole_team = "whole_team" in request.form
    try:
        if whole_team:
            added = actions.training_sessions.assign_team(current_actor(), training)
        else:
            added = actions.training_sessions.assign(
                current_actor(),
                training,
                person_ids=request.form.getlist("person"),
                emails=request.form.getlist("email"),
            )
    except ActionError as refused:
        db.session.rollback()
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(_assigned_message(len(added), whole_team), "success" if added else "info")
    return _to(training_session_id)


def _assigned_message(count: int, whole_team: bool) -> str:
    if count:
        return f"{count} assigned. Send the invitations when ready."
    if whole_team:
        return "Everyone in the leadership team is already assigned."
    return "Everyone selected was already assigned: nothing changed."


@bp.route("/sessions/<int:training_session_id>/invite", methods=["POST"])
@permission_required(*ALLOWED)
def invite(training_session_id: int) -> WerkzeugResponse:
    training = _training_session(training_session_id)
    sent = actions.training_sessions.send_invitations(current_actor(), training)
    db.session.commit()
    flash(f"{sent} invitation{'s' if sent != 1 else ''} sent with a calendar file.", "success")
    return _to(training_session_id)


@bp.route("/sessions/<int:training_session_id>/edit", methods=["GET", "POST"])
@permission_required(*ALLOWED)
def edit(training_session_id: int) -> str | WerkzeugResponse:
    training = _training_session(training_session_id)
    start = local_start(training)
    form = SessionForm(obj=training, date=start.date(), time=start.time().replace(tzinfo=None))
    form.module_id.choices = [
        SelectChoice(training.module_id, catalogue().training[training.module_id].title)
    ]
    day = form.offer_timezones()
    if form.validate_on_submit() and training.is_scheduled:
        plan = _plan(form, training.module_id)
        try:
            updated = actions.training_sessions.reschedule(current_actor(), training, plan)
        except ActionError as refused:
            db.session.rollback()
            _show_refusal(form, refused)
        else:
            db.session.commit()
            flash(f"Session updated; {updated} updated invitation(s) sent.", "success")
            return _to(training_session_id)
    return render_template("training/session_form.html", form=form, training=training, day=day)


def _show_refusal(form: SessionForm, refused: ActionError) -> None:
    """Put each refused field's message under that field of the form."""
    for name, message in refused.errors.items():
        field = getattr(form, name, None)
        (field.errors if field is not None else form.module_id.errors).append(message)
    if not refused.errors:
        form.module_id.errors.append(refused.message)


@bp.route("/sessions/<int:training_session_id>/cancel", methods=["GET", "POST"])
@permission_required(*ALLOWED)
def cancel(training_session_id: int) -> str | WerkzeugResponse:
    """GET asks for confirmation (saying who will be told); the POST from there cancels."""
    training = _training_session(training_session_id)
    if not training.is_scheduled:
        return _to(training_session_id)
    if request.method == "GET":
        return render_template(
            "training/cancel.html",
            training=training,
            start=local_start(training),
            module=catalogue().training[training.module_id],
            invited=[a.person for a in training.attendees if a.invited_at is not None],
            uninvited=[a.person for a in training.attendees if a.invited_at is None],
        )
    sent = actions.training_sessions.cancel(current_actor(), training)
    db.session.commit()
    flash(f"Session cancelled; {sent} cancellation{'s' if sent != 1 else ''} sent.", "success")
    return _to(training_session_id)


@bp.route("/sessions/<int:training_session_id>/attendance", methods=["POST"])
@permission_required(*ALLOWED)
def attendance(training_session_id: int) -> WerkzeugResponse:
    training = _training_session(training_session_id)
    actions.training_sessions.record_attendance(
        current_actor(),
        training,
        attended=_ids(request.form.getlist("attended")),
        completed=_ids(request.form.getlist("completed")),
    )
    db.session.commit()
    flash("Attendance and completion saved.", "success")
    return _to(training_session_id)


def _ids(values: list[str]) -> set[int]:
    return {int(v) for v in values if v.isdigit()}


@bp.route("/needs.csv")
@permission_required(*ALLOWED)
def needs_csv() -> Response:
    cycle = _cycle_arg()
    needs = needs_for(cycle) if cycle else []
    modules = catalogue().training
    table = exports.Table(
        "Training needs",
        ("name", "email", "role", "domain", "level", "modules"),
        tuple(
            (
                n.name,
                n.email,
                ROLE_LABELS.get(n.role, n.role),
                catalogue().rubric.domain(n.domain).name,
                n.level,
                "; ".join(modules[m].title for m in n.modules),
            )
            for n in needs
        ),
    )
    # The target names the cycle: whose levels left the app depends on it.
    name = f"training-needs-{cycle.id}.csv" if cycle else "training-needs.csv"
    actions.audit.record(current_actor(), "export", name)
    db.session.commit()
    response = Response(exports.to_csv(table), mimetype="text/csv")
    # Named after its cycle, so that two quarters' files saved side by side stay apart.
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@bp.route("/sessions.ics")
@permission_required(*ALLOWED)
def sessions_ics() -> Response:
    sessions = [s for s in queries.list_training_sessions(db.session) if s.is_scheduled]
    body = feed_ics([session_event(s) for s in sessions], dt.datetime.now(dt.UTC))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="training-sessions.ics"'
    return response
