"""HR training planner: needs (never answers), sessions with calendar invitations, effect."""

from __future__ import annotations

import datetime as dt
import secrets
from zoneinfo import ZoneInfo

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

from .. import audit, committee, queries
from ..auth import permission_required
from ..catalogue import catalogue
from ..cycle_scores import scores_of
from ..extensions import db
from ..forms import SessionForm
from ..models import ROLE_LABELS, Cycle, TrainingSession
from ..services import exports
from ..services.calendar import feed_ics
from ..services.training import completion_by_role, unplanned
from ..services.training_effect import EffectRow, training_effect
from ..services.trends import PersonScores
from ..training_plan import (
    as_utc,
    latest_scored_cycle,
    local_start,
    mail_invitations,
    needs_for,
    session_event,
)

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
    sessions = queries.list_sessions(db.session)
    now = dt.datetime.now(dt.UTC)
    planned: dict[str, list[dt.datetime]] = {}
    for s in sessions:
        if s.status == "scheduled":
            planned.setdefault(s.module_id, []).append(as_utc(s.starts_at))
    completed = {(email, module) for email, module, _ in queries.completed_modules(db.session)}
    days = int(current_app.config["TRAINING_PLANNING_DAYS"])
    return render_template(
        "training/index.html",
        cycle=cycle,
        needs=needs,
        role_labels=ROLE_LABELS,
        domains={d.id: d.name for d in catalogue().rubric.domains},
        modules=catalogue().training,
        unplanned=unplanned(needs, planned, now, days),
        days=days,
        completion=completion_by_role(needs, completed),
        upcoming=[(s, local_start(s)) for s in sessions if as_utc(s.starts_at) >= now],
        effect=_effect(cycle),
        cycles=queries.list_cycles(db.session),
    )


def _effect(cycle: Cycle | None) -> tuple[Cycle, list[EffectRow]] | None:
    """Trained against untrained change, once a later cycle has scores."""
    previous = committee.previous_cycle(cycle) if cycle else None
    if cycle is None or previous is None:
        return None
    modules = catalogue().training
    trained: dict[str, set[str]] = {}
    for email, module, start in queries.completed_modules(db.session):
        if module in modules and previous.opens <= as_utc(start).date() <= cycle.opens:
            trained.setdefault(email, set()).update(modules[module].domains)

    def people(c: Cycle) -> list[PersonScores]:
        return [
            PersonScores(s.email, s.role, s.overall, {d: v["score"] for d, v in s.domains.items()})
            for s in scores_of(c)
        ]

    rows = training_effect(people(previous), people(cycle), trained, catalogue().rubric.domain_ids)
    shown = [r for r in rows if r.trained or r.untrained]
    return (previous, shown) if shown else None


@bp.route("/sessions/new", methods=["GET", "POST"])
@permission_required(*ALLOWED)
def new_session() -> str | WerkzeugResponse:
    form = SessionForm(module_id=request.args.get("module"))
    form.module_id.choices = [SelectChoice(m.id, m.title) for m in catalogue().training.values()]
    if form.validate_on_submit():
        assert form.date.data and form.time.data and form.timezone.data
        start = dt.datetime.combine(form.date.data, form.time.data, ZoneInfo(form.timezone.data))
        created = queries.add_session(
            db.session,
            uid=f"training-{secrets.token_hex(8)}@assessment",
            module_id=form.module_id.data,
            starts_at=start.astimezone(dt.UTC),
            timezone=form.timezone.data,
            duration_minutes=form.duration_minutes.data,
            location=form.location.data,
            capacity=form.capacity.data,
            facilitator=form.facilitator.data,
        )
        db.session.commit()
        flash("Session scheduled. Assign people, then send the invitations.", "success")
        return redirect(url_for("training.session", session_id=created.id))
    return render_template("training/session_form.html", form=form)


def _session(session_id: int) -> TrainingSession:
    found = queries.get_session(db.session, session_id)
    if found is None:
        abort(404)
    return found


@bp.route("/sessions/<int:session_id>")
@permission_required(*ALLOWED)
def session(session_id: int) -> str:
    training = _session(session_id)
    cycle = latest_scored_cycle()
    assigned = {a.person.email for a in training.attendees}
    suggested = [
        n
        for n in (needs_for(cycle) if cycle else [])
        if training.module_id in n.modules and n.email not in assigned
    ]
    return render_template(
        "training/session.html",
        training=training,
        start=local_start(training),
        module=catalogue().training[training.module_id],
        suggested=suggested,
        role_labels=ROLE_LABELS,
        domains={d.id: d.name for d in catalogue().rubric.domains},
    )


@bp.route("/sessions/<int:session_id>/assign", methods=["POST"])
@permission_required(*ALLOWED)
def assign(session_id: int) -> WerkzeugResponse:
    training = _session(session_id)
    emails = request.form.getlist("email")
    people = [p for e in emails if (p := queries.find_person_by_email(db.session, e))]
    new = [p for p in people if p.id not in {a.person_id for a in training.attendees}]
    free = training.capacity - len(training.attendees)
    if len(new) > free:
        flash(
            f"Not assigned: the session has {free} free place{'s' if free != 1 else ''} and "
            f"{len(new)} people were selected. Choose fewer or raise the capacity.",
            "error",
        )
    elif training.status != "scheduled":
        flash("This session is cancelled.", "error")
    else:
        queries.assign(db.session, training, new)
        db.session.commit()
        flash(f"{len(new)} assigned. Send the invitations when ready.", "success")
    return redirect(url_for("training.session", session_id=session_id))


@bp.route("/sessions/<int:session_id>/invite", methods=["POST"])
@permission_required(*ALLOWED)
def invite(session_id: int) -> WerkzeugResponse:
    training = _session(session_id)
    pending = [a.person for a in training.attendees if a.invited_at is None]
    sent = (
        mail_invitations(training, pending, kind="invite") if training.status == "scheduled" else 0
    )
    db.session.commit()
    flash(f"{sent} invitation{'s' if sent != 1 else ''} sent with a calendar file.", "success")
    return redirect(url_for("training.session", session_id=session_id))


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@permission_required(*ALLOWED)
def edit(session_id: int) -> str | WerkzeugResponse:
    training = _session(session_id)
    start = local_start(training)
    form = SessionForm(obj=training, date=start.date(), time=start.time().replace(tzinfo=None))
    form.module_id.choices = [
        SelectChoice(training.module_id, catalogue().training[training.module_id].title)
    ]
    if form.validate_on_submit() and training.status == "scheduled":
        assert form.date.data and form.time.data and form.timezone.data
        moved = dt.datetime.combine(form.date.data, form.time.data, ZoneInfo(form.timezone.data))
        training.starts_at, training.timezone = moved.astimezone(dt.UTC), form.timezone.data
        training.duration_minutes = form.duration_minutes.data or training.duration_minutes
        training.location, training.facilitator = (
            form.location.data or "",
            form.facilitator.data or "",
        )
        training.capacity = max(form.capacity.data or 1, len(training.attendees))
        training.sequence += 1
        invited = [a.person for a in training.attendees if a.invited_at is not None]
        mail_invitations(training, invited, kind="update")
        db.session.commit()
        flash(f"Session updated; {len(invited)} updated invitation(s) sent.", "success")
        return redirect(url_for("training.session", session_id=session_id))
    return render_template("training/session_form.html", form=form, training=training)


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@permission_required(*ALLOWED)
def cancel(session_id: int) -> WerkzeugResponse:
    training = _session(session_id)
    if training.status == "scheduled":
        training.status, training.sequence = "cancelled", training.sequence + 1
        invited = [a.person for a in training.attendees if a.invited_at is not None]
        mail_invitations(training, invited, kind="cancel")
        db.session.commit()
        flash(f"Session cancelled; {len(invited)} cancellation(s) sent.", "success")
    return redirect(url_for("training.session", session_id=session_id))


@bp.route("/sessions/<int:session_id>/attendance", methods=["POST"])
@permission_required(*ALLOWED)
def attendance(session_id: int) -> WerkzeugResponse:
    training = _session(session_id)
    attended = set(request.form.getlist("attended"))
    completed = set(request.form.getlist("completed"))
    for attendee in training.attendees:
        key = str(attendee.person_id)
        attendee.attended = key in attended
        attendee.completed = key in completed and key in attended
    db.session.commit()
    flash("Attendance and completion saved.", "success")
    return redirect(url_for("training.session", session_id=session_id))


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
    audit.record("export", "training-needs.csv")
    db.session.commit()
    response = Response(exports.to_csv(table), mimetype="text/csv")
    response.headers["Content-Disposition"] = 'attachment; filename="training-needs.csv"'
    return response


@bp.route("/sessions.ics")
@permission_required(*ALLOWED)
def sessions_ics() -> Response:
    sessions = [s for s in queries.list_sessions(db.session) if s.status == "scheduled"]
    body = feed_ics([session_event(s) for s in sessions], dt.datetime.now(dt.UTC))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'attachment; filename="training-sessions.ics"'
    return response
