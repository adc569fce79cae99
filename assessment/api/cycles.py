"""Cycles and what is written into them: responses and fact reports. Every rule lives in
``actions``; these handlers translate JSON to an action and its result back to JSON."""

from __future__ import annotations

import datetime as dt
from typing import Any

from assessment import actions, queries
from assessment.actions import Invalid
from assessment.actions.cycles import Transition
from assessment.actions.facts import FactInput
from assessment.api import schemas as s
from assessment.api.framework import (
    PAGED,
    ApiError,
    current_actor,
    json_response,
    operation,
    paginate,
    refused,
)
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.models import Cycle, CycleStatus
from assessment.services.content.definitions import Fact
from assessment.services.scoring.single import score_response

# The status a client asks for, and the step of the cycle's life that reaches it.
STEP_TO = {"open": Transition.OPEN, "closed": Transition.CLOSE, "frozen": Transition.FREEZE}


def find_cycle(cycle_id: str) -> Cycle:
    """The cycle named in the path, or a 404 problem."""
    found = queries.get_cycle(db.session, cycle_id)
    if found is None:
        raise ApiError(404, "Not found", f"There is no cycle {cycle_id!r}.")
    return found


def _cycle_out(cycle: Cycle) -> dict[str, Any]:
    return {
        "id": cycle.id,
        "opens": cycle.opens.isoformat(),
        "closes": cycle.closes.isoformat(),
        "status": cycle.status,
    }


@operation(
    "GET",
    "/cycles",
    "List cycles (paginated, newest first)",
    response=s.CycleList,
    errors=(422,),
    query=PAGED,
)
def list_cycles() -> Any:
    cycles, page = paginate(queries.list_cycles(db.session))
    return json_response({"cycles": [_cycle_out(c) for c in cycles], **page})


@operation(
    "POST",
    "/cycles",
    "Create a cycle; one whose dates include today starts open",
    permissions=("admin",),
    body=s.CycleIn,
    response=s.CycleOut,
    status=201,
    errors=(400, 409, 422),
)
def create_cycle(payload: s.CycleIn) -> Any:
    cycle = actions.cycles.create_cycle(
        current_actor(), payload.id, payload.opens, payload.closes, open_if_current=True
    )
    return json_response(_cycle_out(cycle), 201)


@operation(
    "PATCH",
    "/cycles/{cycle}",
    "Move a cycle along its life: open a draft, close an open cycle, reopen or freeze a closed one",
    permissions=("admin",),
    body=s.CycleStatusIn,
    response=s.CycleOut,
    errors=(400, 404, 409, 422),
)
def change_cycle(cycle: str, payload: s.CycleStatusIn) -> Any:
    found = find_cycle(cycle)
    step = STEP_TO[payload.status]
    if step is Transition.OPEN and found.status == CycleStatus.CLOSED:
        step = Transition.REOPEN  # open again, until the closing date it already has
    changed = actions.cycles.change_status(current_actor(), found, step)
    return json_response(_cycle_out(changed.cycle))


@operation(
    "POST",
    "/cycles/{cycle}/responses",
    "Submit a complete response for a person",
    permissions=("admin",),
    body=s.ResponseIn,
    response=s.ResponseCreated,
    status=201,
    errors=(400, 404, 409, 422),
)
def submit_response(cycle: str, payload: s.ResponseIn) -> Any:
    found = find_cycle(cycle)
    person = actions.responses.person_by_email(payload.email)
    submitted = actions.responses.submit(
        current_actor(),
        found,
        person,
        questionnaire_id=payload.questionnaire,
        answers=dict(payload.answers),
    )
    rubric = catalogue().rubric
    result = score_response(
        submitted.questionnaire,
        rubric,
        submitted.response.answer_values(),
        queries.fact_categories(db.session, cycle),
    )
    weighted = rubric.role_weights.get(person.role or "", {})
    domains = {
        d.domain_id: {"score": d.score, "level": d.level, "standard_error": d.standard_error}
        for d in result.domains
        if d.domain_id in weighted
    }
    scores = {"overall": result.overall, "level": result.overall_level, "domains": domains}
    return json_response({"id": submitted.response.id, "scores": scores}, 201)


# The refusal's fields that name a member of the body itself rather than one of its facts.
FACTS_BODY_FIELDS = ("as_of", "evidence", "note", "reason")


@operation(
    "PUT",
    "/cycles/{cycle}/facts",
    "Report fact values (category ids or numbers)",
    permissions=("admin", "fact_owner"),
    body=s.FactsIn,
    response=s.FactsOut,
    errors=(400, 404, 409, 422),
)
def put_facts(cycle: str, payload: s.FactsIn) -> Any:
    found = find_cycle(cycle)
    facts = catalogue().facts
    values, errors = {}, {}
    for fact_id, value in payload.facts.items():
        if fact_id in facts:
            read = fact_input(facts[fact_id], value)
            if isinstance(read, str):
                errors[fact_id] = read
            else:
                values[fact_id] = read
        else:
            values[fact_id] = FactInput()  # the action names it as unknown
    try:
        if errors:
            raise Invalid("Nothing was stored.", errors)
        entries = actions.facts.report_facts(
            current_actor(),
            found,
            values,
            as_of=payload.as_of or actions.facts.default_as_of(found),
            evidence=payload.evidence,
            note=payload.note,
            reason=payload.reason,
            # The API carries no file or link: what the web form attached stays.
            keep_attachment=True,
            keep_link=True,
        )
    except Invalid as error:
        raise refused(error, field_prefix="facts.", body_fields=FACTS_BODY_FIELDS) from error
    return json_response({"facts": {f: e.category for f, e in entries.items()}})


def fact_input(fact: Fact, value: float | str) -> FactInput | str:
    """A JSON value as a fact entry: a category id, an ISO date for a date fact, or a number
    (a message instead when a date does not parse)."""
    if (
        isinstance(value, str)
        and fact.type == "date"
        and value not in fact.category_ids
        and fact.special_answer(value) is None
    ):
        try:
            return FactInput(date=dt.date.fromisoformat(value))
        except ValueError:
            return "a date fact takes an ISO date (YYYY-MM-DD) or a category id"
    if isinstance(value, str):
        return FactInput(category=value)
    return FactInput(number=repr(float(value)))
