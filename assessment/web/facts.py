"""The fact report: owners enter each fact with evidence; the committee attests it."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice

from assessment import actions, queries
from assessment.actions import ActionError
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, FactValue
from assessment.services.content.definitions import Fact
from assessment.services.facts.report_rows import fact_rows
from assessment.web.auth import current_actor, permission_required
from assessment.web.forms import DelegationForm, FactEntryForm, fact_form
from assessment.web.lookups import cycle_or_404

bp = Blueprint("facts", __name__, url_prefix="/facts")


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
        actions.facts.editable_facts(current_actor()),
        queries.attestations(db.session, cycle_id),
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
    if fact_id not in actions.facts.editable_facts(current_actor()):
        abort(403)
    if cycle.is_frozen:
        flash(f"{cycle.id} is frozen: its fact report can no longer change.", "error")
        return redirect(url_for("facts.report", cycle_id=cycle_id))
    current = queries.current_fact_values(db.session, cycle_id).get(fact_id)
    previous = queries.previous_fact_values(db.session, cycle).get(fact_id)
    form = fact_form(fact, _initial(fact, current or previous, cycle))
    attested = queries.latest_attestation(db.session, cycle_id) is not None
    if form.validate_on_submit():
        if _save(fact, cycle, form):
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
        )
    except ActionError as refused:
        fields = {"reason": form.reason, "evidence": form.evidence, "note": form.note}
        placed = [f for f in fields if f in refused.errors]
        for name in placed:
            fields[name].errors.append(refused.errors[name])
        if not placed:
            form.category.errors.append(refused.errors.get(fact.id, refused.message))
        return False
    db.session.commit()
    flash(f"{fact.title}: saved as “{fact.label(saved[fact.id].category)}”.", "success")
    return True


def _initial(fact: Fact, row: FactValue | None, cycle: Cycle) -> dict[str, object]:
    data: dict[str, object] = {"as_of": min(cycle.closes, dt.date.today())}
    if row is None:
        return data
    value = row.value
    if isinstance(value, str) and (value in fact.category_ids or fact.special_answer(value)):
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
