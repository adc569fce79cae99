"""The fact report: owners enter each fact with evidence; the committee attests it."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from assessment import actions, queries
from assessment.actions import ActionError
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, FactValue
from assessment.reports.fact_report import fact_history_rows, fact_report
from assessment.services.content.definitions import Fact
from assessment.services.facts.evidence import FILE_TYPES, megabytes
from assessment.services.facts.report_rows import attachment_label
from assessment.web.auth import current_actor, permission_required
from assessment.web.errors import MESSAGES
from assessment.web.fact_forms import FactEntryForm, fact_form
from assessment.web.forms import DelegationForm
from assessment.web.lookups import cycle_or_404

bp = Blueprint("facts", __name__, url_prefix="/facts")
# The fields an action's refusal may name, besides the fact itself.
FIELDS_OF_REFUSALS = ("reason", "evidence", "note", "as_of", "evidence_url", "attachment")
SAFE_TYPES = frozenset(t.mime for t in FILE_TYPES.values())


@bp.record_once
def _upload_limit_first(state: BlueprintSetupState) -> None:
    # CSRF protection reads the posted form in an app-wide hook registered before this
    # blueprint; the entry form's larger limit must be in place before that first read.
    state.app.before_request_funcs.setdefault(None, []).insert(0, _evidence_upload_limit)


def _evidence_upload_limit() -> None:
    """The entry form may carry a file of up to EVIDENCE_MAX_BYTES; everything else keeps
    MAX_CONTENT_LENGTH. Twice the file limit is read, so that a file somewhat too large is
    refused on the form with everything typed kept, rather than cut off unread. Only for
    signed-in accounts: a stranger's request is held to the app's usual limit."""
    if (
        request.endpoint == "facts.enter"
        and request.method == "POST"
        and current_user.is_authenticated
    ):
        config = current_app.config
        request.max_content_length = 2 * int(config["EVIDENCE_MAX_BYTES"]) + int(
            config["MAX_CONTENT_LENGTH"] or 0
        )


@bp.route("/")
@permission_required("admin", "committee", "fact_owner")
def index() -> WerkzeugResponse | str:
    cycles = queries.list_cycles(db.session)
    if cycles:
        return redirect(url_for("facts.report", cycle_id=cycles[0].id))
    return render_template("facts/none.html")


@bp.route("/<cycle_id>")
@permission_required("admin", "committee", "fact_owner")
def report(cycle_id: str) -> str:
    cycle = cycle_or_404(cycle_id)
    actor = current_actor()
    page = fact_report(cycle, actions.facts.editable_facts(actor), actor.person_id, actor.role)
    return render_template(
        "facts/report.html", cycle=cycle, page=page, cycles=queries.list_cycles(db.session)
    )


@bp.route("/<cycle_id>/<fact_id>", methods=["GET", "POST"])
@permission_required("admin", "fact_owner")
def enter(cycle_id: str, fact_id: str) -> str | WerkzeugResponse | tuple[str, int]:
    cycle, fact = _entry_target(cycle_id, fact_id)
    if cycle.is_frozen:
        flash(f"{cycle.id} is frozen: its fact report can no longer change.", "error")
        return redirect(url_for("facts.report", cycle_id=cycle_id))
    form = _form(cycle, fact)
    if form.validate_on_submit() and _save(fact, cycle, form):
        return redirect(url_for("facts.report", cycle_id=cycle_id))
    if form.attachment.data and not form.attachment.errors:
        form.attachment.errors = ["Files are not kept when the form has errors: choose it again."]
    return _entry_page(cycle, fact, form, 422 if request.method == "POST" else 200)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """An upload far over the limit cannot even be read: the form comes back, empty of what
    was typed, with the reason, rather than a bare error page."""
    args = request.view_args or {}
    facts = catalogue().facts
    allowed = current_user.is_authenticated and actions.facts.editable_facts(current_actor())
    if request.endpoint != "facts.enter" or not allowed:
        return _error_page(413)
    cycle = queries.get_cycle(db.session, str(args.get("cycle_id", "")))
    if cycle is None:
        return _error_page(413)
    fact_id = str(args.get("fact_id", ""))
    if fact_id not in facts or fact_id not in allowed:
        return _error_page(413)
    form = _form(cycle, facts[fact_id], formdata=None)
    limit = megabytes(int(current_app.config["EVIDENCE_MAX_BYTES"]))
    form.attachment.errors = [
        f"What was sent is far larger than the {limit} a file may have, so nothing was saved "
        "and what you typed was lost. Attach a smaller file, or give a link to the document."
    ]
    return _entry_page(cycle, facts[fact_id], form, 413)


@bp.route("/<cycle_id>/<fact_id>/evidence/<int:number>")
@permission_required("admin", "committee", "fact_owner")
def evidence(cycle_id: str, fact_id: str, number: int) -> WerkzeugResponse:
    """The file attached to version ``number`` of a fact, always as a download."""
    row = queries.fact_version(db.session, cycle_id, fact_id, number)
    if row is None or not row.attachment_sha256:
        abort(404)
    path = actions.evidence_files.path_of(row.attachment_sha256)
    if not path.is_file():
        abort(404)
    mime = row.attachment_type if row.attachment_type in SAFE_TYPES else "application/octet-stream"
    response = send_file(
        io.BytesIO(path.read_bytes()),  # at most EVIDENCE_MAX_BYTES; no file left open
        mimetype=mime,
        as_attachment=True,
        download_name=row.attachment_name or "evidence",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _entry_target(cycle_id: str, fact_id: str) -> tuple[Cycle, Fact]:
    cycle = cycle_or_404(cycle_id)
    fact = catalogue().facts.get(fact_id)
    if fact is None:
        abort(404)
    if fact_id not in actions.facts.editable_facts(current_actor()):
        abort(403)
    return cycle, fact


def _form(cycle: Cycle, fact: Fact, **kwargs: Any) -> FactEntryForm:
    current = queries.current_fact_values(db.session, cycle.id).get(fact.id)
    previous = queries.previous_fact_values(db.session, cycle).get(fact.id)
    initial = _initial(fact, current or previous, cycle)
    return fact_form(fact, actions.facts.as_of_window(cycle), initial, **kwargs)


def _entry_page(cycle: Cycle, fact: Fact, form: FactEntryForm, status: int) -> tuple[str, int]:
    current = queries.current_fact_values(db.session, cycle.id).get(fact.id)
    previous = queries.previous_fact_values(db.session, cycle).get(fact.id)
    return render_template(
        "facts/enter.html",
        cycle=cycle,
        fact=fact,
        form=form,
        current=current,
        current_attachment=attachment_label(current) if current else "",
        previous=previous if current is None else None,
        attested=queries.latest_attestation(db.session, cycle.id) is not None,
        history=fact_history_rows(cycle.id, fact.id),
    ), status


def _error_page(status: int) -> tuple[str, int]:
    title, detail = MESSAGES[status]
    return render_template("errors/error.html", status=status, title=title, detail=detail), status


def _save(fact: Fact, cycle: Cycle, form: FactEntryForm) -> bool:
    """Report the form's value through the write layer; its refusals become form errors."""
    assert form.as_of.data is not None and form.evidence.data is not None
    given = actions.facts.FactInput(form.category.data, form.number.data, form.date.data)
    try:
        saved = actions.facts.report_facts(
            current_actor(),
            cycle,
            {fact.id: given},
            as_of=form.as_of.data,
            evidence=form.evidence.data,
            note=form.note.data or "",
            reason=form.reason.data or "",
            evidence_url=form.evidence_url.data or "",
            attachment=form.upload(),
            keep_attachment=not form.remove_attachment.data,
        )
    except ActionError as refused:
        fields = {name: form[name] for name in FIELDS_OF_REFUSALS}
        placed = [f for f in fields if f in refused.errors]
        for name in placed:
            fields[name].errors = [*fields[name].errors, refused.errors[name]]
        if not placed:
            form.category.errors = [refused.errors.get(fact.id, refused.message)]
        return False
    db.session.commit()
    flash(f"{fact.title}: saved as “{fact.label(saved[fact.id].category)}”.", "success")
    return True


def _initial(fact: Fact, row: FactValue | None, cycle: Cycle) -> dict[str, object]:
    data: dict[str, object] = {"as_of": actions.facts.default_as_of(cycle)}
    if row is None:
        return data
    value = row.value
    if isinstance(value, str) and (value in fact.category_ids or fact.special_answer(value)):
        data["category"] = value
    elif fact.type == "date" and isinstance(value, str):
        data["date"] = dt.date.fromisoformat(value)
    else:
        data["number"] = str(value)
    data.update(evidence=row.evidence, evidence_url=row.evidence_url or "", note=row.note)
    return data


@bp.route("/<cycle_id>/attest", methods=["POST"])
@permission_required("committee")
def attest(cycle_id: str) -> WerkzeugResponse:
    cycle = cycle_or_404(cycle_id)
    try:
        actions.facts.attest(current_actor(), cycle)
    except ActionError as refused:
        flash(refused.message, "error")
    else:
        db.session.commit()
        flash(
            "Fact report attested. Later changes will need a reason and are kept as new versions.",
            "success",
        )
    return redirect(url_for("facts.report", cycle_id=cycle_id))


@bp.route("/delegations", methods=["GET", "POST"])
@permission_required("admin")
def delegations() -> str | WerkzeugResponse:
    form = DelegationForm()
    form.fact_id.choices = [SelectChoice(f.id, f.title) for f in catalogue().facts.values()]
    form.person_id.choices = [
        SelectChoice(p.id, f"{p.name} <{p.email}>") for p in queries.list_people(db.session)
    ]
    if form.validate_on_submit():
        actions.facts.set_delegation(
            current_actor(), form.fact_id.data or "", int(form.person_id.data), True
        )
        db.session.commit()
        flash("Delegated. Give that person the fact_owner permission if they lack it.", "success")
        return redirect(url_for("facts.delegations"))
    if request.method == "POST" and request.form.get("remove"):
        fact_id, _, person_id = request.form["remove"].partition(":")
        if person_id.isdigit():
            try:
                actions.facts.set_delegation(current_actor(), fact_id, int(person_id), False)
            except ActionError as refused:
                flash(refused.message, "error")
            else:
                db.session.commit()
        return redirect(url_for("facts.delegations"))
    return render_template(
        "facts/delegations.html",
        form=form,
        delegations=queries.list_delegations(db.session),
        facts=catalogue().facts,
    )
