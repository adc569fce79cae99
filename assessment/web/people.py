"""People administration on the web: list, search, add, edit, deactivate, import a roster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from assessment import actions, queries
from assessment.actions import ActionError
from assessment.actions.people import ImportResult, PreviewOutdated
from assessment.extensions import db
from assessment.models import ROLE_LABELS, Person
from assessment.services.people.fields import PERMISSION_HELP
from assessment.services.people.roster import COLUMNS, MAX_BYTES, MAX_ROWS, decode
from assessment.web.auth import current_actor, permission_required
from assessment.web.people_forms import (
    ConfirmForm,
    NewPersonForm,
    PersonForm,
    RosterConfirmForm,
    RosterUploadForm,
)

bp = Blueprint("people", __name__, url_prefix="/admin/people")

STATUS_LABELS = {"active": "Active", "deactivated": "Deactivated", "all": "Everyone"}


@dataclass(frozen=True)
class PersonRow:
    """A person as the list and their page show them."""

    id: int
    name: str
    email: str
    role: str
    permissions: str
    active: bool
    last_sign_in: str


def person_row(person: Person) -> PersonRow:
    account = person.account
    granted = sorted(account.permissions) if account else []
    last = account.last_login_at if account else None
    return PersonRow(
        person.id,
        person.name,
        person.email,
        person.role_label or "—",
        ", ".join(PERMISSION_HELP[p][0] for p in granted) or "—",
        account is None or account.active,
        last.strftime("%Y-%m-%d %H:%M UTC") if last else "never",
    )


@bp.route("")
@permission_required("admin")
def index() -> str:
    text = request.args.get("q", "")[:200]
    status = request.args.get("status", "active")
    status = status if status in queries.STATUSES else "active"
    people = queries.search_people(db.session, text=text, status=status)
    return render_template(
        "people/index.html",
        rows=[person_row(p) for p in people],
        q=text,
        status=status,
        statuses=STATUS_LABELS,
    )


@bp.route("/new", methods=["GET", "POST"])
@permission_required("admin")
def add() -> str | Response:
    form = NewPersonForm()
    if form.validate_on_submit():
        try:
            person = actions.people.add_person(current_actor(), **_details(form))
            provider_only = actions.people.signs_in_with_provider_only(person)
            if form.send_link.data and not provider_only:
                actions.people.send_sign_in_link(current_actor(), person.id, welcome=True)
        except ActionError as refused:
            db.session.rollback()
            _place(form, refused)
        else:
            db.session.commit()
            sent = " and was e-mailed a link to set a password" if form.send_link.data else ""
            if provider_only:
                sent = "; they sign in through the organisation's identity provider"
            flash(f"{person.name} was added{sent}.", "success")
            return redirect(url_for("people.index"))
    return render_template("people/new.html", form=form)


@bp.route("/<int:person_id>", methods=["GET", "POST"])
@permission_required("admin")
def edit(person_id: int) -> str | Response:
    person = _person_or_404(person_id)
    form = PersonForm(data=_stored_details(person))
    if form.validate_on_submit():
        try:
            changed = actions.people.update_person(current_actor(), person.id, **_details(form))
        except ActionError as refused:
            db.session.rollback()
            _place(form, refused)
        else:
            db.session.commit()
            what = (
                f"Saved {person.name}: {', '.join(changed)} changed."
                if changed
                else "Nothing changed."
            )
            flash(what, "success" if changed else "info")
            return redirect(url_for("people.index", status="all"))
    return render_template(
        "people/edit.html", form=form, person=person_row(person), confirm=ConfirmForm()
    )


@bp.route("/<int:person_id>/deactivate", methods=["GET", "POST"])
@permission_required("admin")
def deactivate(person_id: int) -> str | Response:
    return _change_status(person_id, actions.people.deactivate, "deactivated")


@bp.route("/<int:person_id>/reactivate", methods=["GET", "POST"])
@permission_required("admin")
def reactivate(person_id: int) -> str | Response:
    return _change_status(person_id, actions.people.reactivate, "reactivated")


def _change_status(person_id: int, action: Any, done: str) -> str | Response:
    """GET: what will happen, and a button; POST: do it."""
    person = _person_or_404(person_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            action(current_actor(), person.id)
        except ActionError as refused:
            flash(refused.message, "error")
            return redirect(url_for("people.edit", person_id=person.id))
        db.session.commit()
        flash(f"{person.name} is {done}.", "success")
        return redirect(url_for("people.index", status="all"))
    template = "people/deactivate.html" if done == "deactivated" else "people/reactivate.html"
    return render_template(template, person=person_row(person), form=form)


@bp.route("/<int:person_id>/link", methods=["POST"])
@permission_required("admin")
def send_link(person_id: int) -> Response:
    person = _person_or_404(person_id)
    if ConfirmForm().validate_on_submit():
        try:
            actions.people.send_sign_in_link(current_actor(), person.id)
        except ActionError as refused:
            flash(refused.message, "error")
        else:
            db.session.commit()
            flash(f"A link to set a new password was e-mailed to {person.email}.", "success")
    return redirect(url_for("people.edit", person_id=person.id))


@bp.route("/import", methods=["GET", "POST"])
@permission_required("admin")
def import_roster() -> str:
    form = RosterUploadForm()
    if form.validate_on_submit():
        text, problem = decode(form.file.data.read(MAX_BYTES + 1))
        preview = None if problem else actions.people.preview_roster(current_actor(), text)
        if preview is not None and not (problem := preview.roster.problem):
            return _preview_page(preview)
        form.file.errors.append(problem or "")
    return render_template(
        "people/import.html",
        form=form,
        columns=COLUMNS,
        max_rows=MAX_ROWS,
        max_kb=MAX_BYTES // 1000,
    )


@bp.route("/import/confirm", methods=["POST"])
@permission_required("admin")
def confirm_import() -> str | Response:
    form = RosterConfirmForm()
    try:
        if not form.validate_on_submit():
            raise ActionError("The preview was incomplete: upload the file again.")
        result = actions.people.import_roster(current_actor(), form.payload.data, form.token.data)
    except PreviewOutdated as outdated:
        db.session.rollback()
        flash(outdated.message, "error")
        return _preview_page(outdated.preview)
    except ActionError as refused:
        db.session.rollback()
        flash(refused.message, "error")
        return redirect(url_for("people.import_roster"))
    db.session.commit()
    flash(import_summary(result), "success")
    return redirect(url_for("people.index", status="all"))


def import_summary(result: ImportResult) -> str:
    """What an import did, in one message."""
    if not (result.created or result.updated):
        done = "Nothing was changed"
    else:
        done = f"Imported: {result.created} added, {result.updated} changed"
    skipped = f"; {result.skipped} row(s) with errors skipped" if result.skipped else ""
    return (
        f"{done} ({result.unchanged} unchanged{skipped}). "
        "People missing from the file were left as they are."
    )


def _preview_page(preview: actions.people.RosterPreview) -> str:
    return render_template(
        "people/preview.html",
        preview=preview,
        counts=preview.counts,
        role_labels=ROLE_LABELS,
        form=RosterConfirmForm(payload=preview.payload, token=preview.token),
    )


def _person_or_404(person_id: int) -> Person:
    return queries.get_person(db.session, person_id) or abort(404)


def _details(form: PersonForm) -> dict[str, Any]:
    return {
        "email": form.email.data or "",
        "name": form.name.data or "",
        "role": form.role.data or None,
        "permissions": form.permissions.data or [],
    }


def _stored_details(person: Person) -> dict[str, Any]:
    return {
        "email": person.email,
        "name": person.name,
        "role": person.role or "",
        "permissions": sorted(person.account.permissions) if person.account else [],
    }


def _place(form: FlaskForm, refused: ActionError) -> None:
    """Each problem under its field; one without a field as a message at the top."""
    placed = False
    for name, problem in refused.errors.items():
        if name in form and name != "csrf_token":
            form[name].errors.append(problem)
            placed = True
    if not placed:
        flash(refused.message, "error")
