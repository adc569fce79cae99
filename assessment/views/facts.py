"""The fact report: owners enter each fact with evidence; the committee attests it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from .. import audit, queries
from ..auth import permission_required
from ..catalogue import catalogue
from ..extensions import db
from ..forms import DelegationForm, FactEntryForm, fact_form
from ..models import Cycle, FactValue
from ..services.definitions import Fact
from ..services.fact_entries import read_entry
from ..services.fact_report import fact_rows
from .common import cycle_or_404

bp = Blueprint("facts", __name__, url_prefix="/facts")


def _editable_facts() -> set[str]:
    """Facts the signed-in account may enter: all for admins, own role's or delegated ones."""
    if current_user.has_permission("admin"):
        return set(catalogue().facts)
    if not current_user.has_permission("fact_owner"):
        return set()
    person = current_user.person
    owned = {f.id for f in catalogue().facts.values() if f.owner == person.role}
    return owned | queries.delegated_facts(db.session, person.id)


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
    rows = fact_rows(
        catalogue().facts,
        queries.current_fact_values(db.session, cycle_id),
        queries.previous_fact_values(db.session, cycle),
        queries.latest_attestation(db.session, cycle_id),
        _editable_facts(),
    )
    return render_template(
        "facts/report.html",
        cycle=cycle,
        rows=rows,
        attestation=queries.latest_attestation(db.session, cycle_id),
        cycles=queries.list_cycles(db.session),
    )


@bp.route("/<cycle_id>/<fact_id>", methods=["GET", "POST"])
@permission_required("admin", "fact_owner")
def enter(cycle_id: str, fact_id: str) -> str | WerkzeugResponse | tuple[str, int]:
    cycle = cycle_or_404(cycle_id)
    fact = catalogue().facts.get(fact_id)
    if fact is None:
        abort(404)
    if fact_id not in _editable_facts():
        abort(403)
    if cycle.status == "frozen":
        flash(f"{cycle.id} is frozen: its fact report can no longer change.", "error")
        return redirect(url_for("facts.report", cycle_id=cycle_id))
    current = queries.current_fact_values(db.session, cycle_id).get(fact_id)
    previous = queries.previous_fact_values(db.session, cycle).get(fact_id)
    form = fact_form(fact, _initial(fact, current or previous, cycle))
    attested = queries.latest_attestation(db.session, cycle_id) is not None
    if form.validate_on_submit():
        saved = _save(fact, cycle, form, attested)
        if saved:
            return redirect(url_for("facts.report", cycle_id=cycle_id))
    status = 422 if request.method == "POST" else 200
    return render_template(
        "facts/enter.html",
        cycle=cycle,
        fact=fact,
        form=form,
        current=current,
        previous=previous if current is None else None,
        attested=attested,
        history=queries.fact_history(db.session, cycle_id, fact_id),
    ), status


def _save(fact: Fact, cycle: Cycle, form: FactEntryForm, attested: bool) -> bool:
    assert form.as_of.data is not None and form.evidence.data is not None
    if attested and not (form.reason.data or "").strip():
        form.reason.errors.append("The report was attested: say why the value changes.")
        return False
    entry, problem = read_entry(
        fact,
        category=form.category.data,
        number=form.number.data,
        date=form.date.data,
        as_of=form.as_of.data,
    )
    if entry is None:
        form.category.errors.append(problem or "Invalid value.")
        return False
    audit.record(
        "fact_reported",
        f"{cycle.id}/{fact.id}",
        category=entry.category,
        reason=(form.reason.data or "").strip(),
    )
    queries.add_fact_value(
        db.session,
        cycle.id,
        fact.id,
        value=entry.value,
        category=entry.category,
        as_of=form.as_of.data,
        evidence=form.evidence.data.strip(),
        note=(form.note.data or "").strip(),
        reason=(form.reason.data or "").strip(),
        person=current_user.person,
    )
    db.session.commit()
    flash(f"{fact.title}: saved as “{fact.label(entry.category)}”.", "success")
    return True


def _initial(fact: Fact, row: FactValue | None, cycle: Cycle) -> dict[str, object]:
    data: dict[str, object] = {"as_of": min(cycle.closes, dt.date.today())}
    if row is None:
        return data
    value = row.value
    if isinstance(value, str) and value in fact.category_ids:
        data["category"] = value
    elif fact.type == "date" and isinstance(value, str):
        data["date"] = dt.date.fromisoformat(value)
    else:
        data["number"] = str(value)
    data.update(evidence=row.evidence, note=row.note)
    return data


@bp.route("/<cycle_id>/attest", methods=["POST"])
@permission_required("committee")
def attest(cycle_id: str) -> WerkzeugResponse:
    cycle_or_404(cycle_id)
    if queries.attest_facts(db.session, cycle_id, current_user.person) is None:
        flash("There is nothing to attest yet.", "error")
    else:
        audit.record("facts_attested", cycle_id)
        flash(
            "Fact report attested. Later changes will need a reason and are kept as new versions.",
            "success",
        )
    db.session.commit()
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
        queries.set_delegation(db.session, form.fact_id.data or "", int(form.person_id.data), True)
        audit.record("fact_delegated", form.fact_id.data or "", person_id=int(form.person_id.data))
        db.session.commit()
        flash("Delegated. Give that person the fact_owner permission if they lack it.", "success")
        return redirect(url_for("facts.delegations"))
    if request.method == "POST" and request.form.get("remove"):
        fact_id, _, person_id = request.form["remove"].partition(":")
        if person_id.isdigit():
            queries.set_delegation(db.session, fact_id, int(person_id), False)
            audit.record("fact_delegation_removed", fact_id, person_id=int(person_id))
            db.session.commit()
        return redirect(url_for("facts.delegations"))
    return render_template(
        "facts/delegations.html",
        form=form,
        delegations=queries.list_delegations(db.session),
        facts=catalogue().facts,
    )
