"""The /api/v1 endpoints of CONTRACT.md, plus listing people and cycles."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import request

from .. import audit, committee, queries
from ..catalogue import catalogue
from ..cycle_scores import ScoredPerson, compare, scores_of
from ..extensions import db
from ..models import Cycle
from ..passwords import generate_password, hash_password
from ..services.answers import answer_problems, missing_items
from ..services.definitions import Questionnaire
from ..services.fact_entries import read_entry
from ..services.scoring import SCORING_VERSION, score_response
from ..training_plan import needs_for
from ..views.api_shapes import gaps_json, trends_json
from . import schemas as s
from .framework import ApiError, current_account, json_response, operation, paginate

ROLES_WITH_QUESTIONNAIRES = ("ceo", "cio", "it_manager", "hr", "legal")


def _cycle(cycle_id: str) -> Cycle:
    found = queries.get_cycle(db.session, cycle_id)
    if found is None:
        raise ApiError(404, "Not found", f"There is no cycle {cycle_id!r}.")
    return found


def _audit(action: str, target: str) -> None:
    audit.record(action, target, actor=current_account().person.email, via="api")


@operation(
    "GET", "/questionnaires", "List questionnaires (every version)", response=s.QuestionnaireList
)
def list_questionnaires() -> Any:
    found = sorted(catalogue().questionnaires.values(), key=lambda q: (q.id, q.version))
    return json_response(
        {
            "questionnaires": [
                {
                    "id": q.id,
                    "role": q.role,
                    "version": q.version,
                    "title": q.title,
                    "items": len(q.items),
                }
                for q in found
            ]
        }
    )


@operation(
    "GET",
    "/questionnaires/{questionnaire}",
    "A questionnaire's definition (newest "
    "version unless ?version= is given); admin tokens also get each item's scoring key",
    response=s.QuestionnaireOut,
    errors=(404,),
    query=(("version", "string", False),),
)
def get_questionnaire(questionnaire: str) -> Any:
    versions = catalogue().versions(questionnaire)
    wanted = request.args.get("version")
    chosen = (
        next((q for q in versions if q.version == wanted), None)
        if wanted
        else (versions[-1] if versions else None)
    )
    if chosen is None:
        raise ApiError(
            404,
            "Not found",
            f"There is no questionnaire {questionnaire!r}"
            + (f" version {wanted!r}." if wanted else "."),
        )
    return json_response(_definition(chosen, current_account().has_permission("admin")))


def _definition(q: Questionnaire, with_keys: bool) -> dict[str, Any]:
    items = []
    for item in q.items:
        choices = (
            [{"id": str(v), "label": str(v)} for v in range(1, 6)]
            if item.type in ("likert", "confidence")
            else [{"id": c.id, "label": c.label} for c in item.choices]
        )
        entry: dict[str, Any] = {
            "id": item.id,
            "type": item.type,
            "domain": item.domain,
            "text": item.text,
            "choices": choices,
        }
        if with_keys:
            entry["key"] = {
                "correct": item.correct_choice,
                "reverse": item.reverse,
                "weight": item.weight,
                "fact": item.fact,
                "dont_know": item.dont_know_choice,
                "foil": item.type == "foil",
            }
        items.append(entry)
    return {"id": q.id, "role": q.role, "version": q.version, "title": q.title, "items": items}


@operation(
    "GET",
    "/facts",
    "The posture facts, with categories worst to best and bands",
    response=s.FactList,
)
def list_facts() -> Any:
    facts = []
    for fact in catalogue().facts.values():
        entry: dict[str, Any] = {
            "id": fact.id,
            "owner": fact.owner,
            "type": fact.type,
            "title": fact.title,
            "categories": list(fact.category_ids),
        }
        if fact.is_numeric:
            entry["bands"] = [
                {"category": b.category, "min": b.min, "max": b.max} for b in fact.bands
            ]
        facts.append(entry)
    return json_response({"facts": facts})


@operation(
    "GET",
    "/people",
    "List people (paginated)",
    permissions=("admin",),
    response=s.PersonList,
    errors=(422,),
    query=(("page", "integer", False), ("per_page", "integer", False)),
)
def list_people() -> Any:
    people, page = paginate(queries.list_people(db.session))
    return json_response(
        {"people": [{"email": p.email, "name": p.name, "role": p.role} for p in people], **page}
    )


@operation(
    "POST",
    "/people",
    "Add a person (an account that signs in by invitation link)",
    permissions=("admin",),
    body=s.PersonIn,
    response=s.PersonOut,
    status=201,
    errors=(400, 409, 422),
)
def create_person(payload: s.PersonIn) -> Any:
    try:
        email = validate_email(payload.email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ApiError(
            422,
            "Invalid request",
            "The e-mail address is not valid.",
            errors=[{"field": "email", "message": str(error)}],
        ) from error
    if queries.find_person_by_email(db.session, email):
        raise ApiError(409, "Conflict", f"{email} already exists; nothing was changed.")
    person = queries.create_person_with_account(
        db.session,
        email=email,
        name=payload.name,
        role=payload.role,
        password_hash=hash_password(generate_password()),
    )
    _audit("account_created", person.email)
    return json_response({"email": person.email, "name": person.name, "role": person.role}, 201)


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
    query=(("page", "integer", False), ("per_page", "integer", False)),
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
    if payload.closes < payload.opens:
        raise ApiError(
            422,
            "Invalid request",
            "closes is before opens.",
            errors=[{"field": "closes", "message": "must not be before opens"}],
        )
    if queries.get_cycle(db.session, payload.id):
        raise ApiError(409, "Conflict", f"Cycle {payload.id} exists already.")
    cycle = queries.create_cycle(db.session, payload.id, payload.opens, payload.closes)
    if payload.opens <= dt.date.today() <= payload.closes:
        queries.open_cycle(
            db.session,
            cycle,
            {
                role: (current.id, current.version)
                for role in ROLES_WITH_QUESTIONNAIRES
                if (current := catalogue().current(role)) is not None
            },
        )
    _audit("cycle_created", cycle.id)
    return json_response(_cycle_out(cycle), 201)


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
    found = _cycle(cycle)
    person = queries.find_person_by_email(db.session, payload.email)
    if person is None:
        raise ApiError(
            422,
            "Invalid request",
            "No person has that e-mail address.",
            errors=[{"field": "email", "message": "unknown person"}],
        )
    pinned = found.pinned_for(person.role or "")
    if pinned is None or pinned.questionnaire_id != payload.questionnaire:
        raise ApiError(
            422,
            "Invalid request",
            "That questionnaire is not the one this person answers in this cycle.",
            errors=[{"field": "questionnaire", "message": "not pinned for this person"}],
        )
    if found.status != "open":
        raise ApiError(409, "Conflict", f"Cycle {cycle} is {found.status}; it takes no answers.")
    existing = queries.get_response(db.session, person.id, cycle)
    if existing is not None and existing.status == "submitted":
        raise ApiError(
            409, "Conflict", "This person already submitted in this cycle; nothing was changed."
        )
    questionnaire = catalogue().get(pinned.questionnaire_id, pinned.version)
    answers: dict[str, object] = dict(payload.answers)
    problems = answer_problems(questionnaire, answers)
    missing = missing_items(
        questionnaire, {**(existing.answer_values() if existing else {}), **answers}
    )
    if problems or missing:
        errors = [{"field": f"answers.{k}", "message": v} for k, v in problems.items()]
        errors += [{"field": f"answers.{i.id}", "message": "required"} for i in missing]
        raise ApiError(
            422,
            "Invalid answers",
            f"{len(problems)} invalid and {len(missing)} missing answers; nothing was stored.",
            errors=errors,
        )
    response = queries.start_response(db.session, person, found)
    queries.save_answers(db.session, response, answers)
    if not queries.submit_response(db.session, response, SCORING_VERSION):
        raise ApiError(409, "Conflict", "This person already submitted in this cycle.")
    queries.mark_invitation_completed(db.session, person.id, cycle)
    result = score_response(
        questionnaire,
        catalogue().rubric,
        response.answer_values(),
        queries.fact_categories(db.session, cycle),
    )
    _audit("response_submitted", f"{cycle}/{person.email}")
    return json_response(
        {
            "id": response.id,
            "scores": {
                "overall": result.overall,
                "level": result.overall_level,
                "domains": {
                    d.domain_id: {"score": d.score, "level": d.level}
                    for d in result.domains
                    if d.domain_id in catalogue().rubric.role_weights.get(person.role or "", {})
                },
            },
        },
        201,
    )


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
    found = _cycle(cycle)
    if found.status == "frozen":
        raise ApiError(409, "Conflict", f"Cycle {cycle} is frozen; its facts cannot change.")
    account = current_account()
    allowed = (
        set(catalogue().facts)
        if account.has_permission("admin")
        else (
            {f.id for f in catalogue().facts.values() if f.owner == account.person.role}
            | queries.delegated_facts(db.session, account.person.id)
        )
    )
    as_of = payload.as_of or dt.date.today()
    if queries.latest_attestation(db.session, cycle) is not None and not payload.reason.strip():
        raise ApiError(
            422,
            "Reason required",
            "The fact report was attested: give a reason for the change.",
            errors=[{"field": "reason", "message": "required"}],
        )
    entries, errors = {}, []
    for fact_id, value in payload.facts.items():
        fact = catalogue().facts.get(fact_id)
        if fact is None:
            errors.append({"field": f"facts.{fact_id}", "message": "unknown fact"})
            continue
        if fact_id not in allowed:
            raise ApiError(403, "Forbidden", f"This token may not report {fact_id}.")
        entry, problem_text = _fact_entry(fact, value, as_of)
        if entry is None:
            errors.append({"field": f"facts.{fact_id}", "message": problem_text or "invalid"})
        else:
            entries[fact_id] = entry
    if errors:
        raise ApiError(422, "Invalid facts", "Nothing was stored.", errors=errors)
    for fact_id, entry in entries.items():
        queries.add_fact_value(
            db.session,
            cycle,
            fact_id,
            value=entry.value,
            category=entry.category,
            as_of=as_of,
            evidence=payload.evidence,
            note="",
            reason=payload.reason.strip(),
            person=account.person,
        )
        _audit("fact_reported", f"{cycle}/{fact_id}")
    return json_response({"facts": {f: e.category for f, e in entries.items()}})


def _fact_entry(fact: Any, value: float | str, as_of: dt.date) -> tuple[Any, str | None]:
    if isinstance(value, str) and fact.type == "date" and value not in fact.category_ids:
        try:
            return read_entry(
                fact, category=None, number=None, date=dt.date.fromisoformat(value), as_of=as_of
            )
        except ValueError:
            return None, "a date fact takes an ISO date (YYYY-MM-DD) or a category id"
    if isinstance(value, str):
        return read_entry(fact, category=value, number=None, date=None, as_of=as_of)
    return read_entry(fact, category=None, number=repr(float(value)), date=None, as_of=as_of)


def _scores_json(scored: Sequence[ScoredPerson]) -> list[dict[str, Any]]:
    return [
        {
            "email": p.email,
            "role": p.role,
            "overall": p.overall,
            "level": p.level,
            "domains": p.domains,
        }
        for p in scored
    ]


@operation(
    "GET",
    "/cycles/{cycle}/scores",
    "Scores of every submitted response",
    permissions=("admin", "committee"),
    response=s.ScoreList,
    errors=(404,),
)
def get_scores(cycle: str) -> Any:
    found = _cycle(cycle)
    _audit("export", f"api-scores-{cycle}")
    return json_response({"scores": _scores_json(scores_of(found))}, etag=True)


@operation(
    "GET",
    "/cycles/{cycle}/gaps",
    "Belief against fact, per pair and per role",
    permissions=("admin", "committee"),
    response=s.GapsOut,
    errors=(404,),
)
def get_gaps(cycle: str) -> Any:
    found = _cycle(cycle)
    _audit("export", f"api-gaps-{cycle}")
    return json_response(gaps_json(committee.gap_report_of(found)), etag=True)


@operation(
    "GET",
    "/trends",
    "Change between two cycles for the people present in both",
    permissions=("admin", "committee"),
    response=s.TrendsOut,
    errors=(404, 422),
    query=(("from", "string", True), ("to", "string", True)),
)
def get_trends() -> Any:
    names = {"from": request.args.get("from"), "to": request.args.get("to")}
    missing = [k for k, v in names.items() if not v]
    if missing:
        raise ApiError(
            422,
            "Invalid request",
            "Give both cycles: ?from=…&to=…",
            errors=[{"field": k, "message": "required"} for k in missing],
        )
    earlier, later = _cycle(names["from"] or ""), _cycle(names["to"] or "")
    comparison = compare(earlier, later)
    return json_response(
        trends_json(comparison.comparable_items, comparison.report.groups), etag=True
    )


@operation(
    "GET",
    "/cycles/{cycle}/training-needs",
    "Training needs: person, domain, level, modules (never answers)",
    permissions=("admin", "committee", "hr_coordinator"),
    response=s.NeedList,
    errors=(404,),
)
def get_training_needs(cycle: str) -> Any:
    found = _cycle(cycle)
    return json_response(
        {
            "needs": [
                {
                    "email": n.email,
                    "role": n.role,
                    "domain": n.domain,
                    "level": n.level,
                    "modules": list(n.modules),
                }
                for n in needs_for(found)
            ]
        },
        etag=True,
    )
