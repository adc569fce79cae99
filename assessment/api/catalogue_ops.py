"""Read-only operations on the questionnaire catalogue: questionnaires and posture facts."""

from __future__ import annotations

from typing import Any

from flask import request

from assessment.api import schemas as s
from assessment.api.framework import ApiError, current_account, json_response, operation
from assessment.catalogue import catalogue
from assessment.services.content.definitions import Questionnaire, version_key


@operation(
    "GET", "/questionnaires", "List questionnaires (every version)", response=s.QuestionnaireList
)
def list_questionnaires() -> Any:
    found = sorted(catalogue().questionnaires.values(), key=lambda q: (q.id, q.version))
    every = frozenset(catalogue().regimes)
    return json_response(
        {
            "questionnaires": [
                {
                    "id": q.id,
                    "role": q.role,
                    "version": q.version,
                    "title": q.title,
                    # A questionnaire with forms is answered one form at a time: its id
                    # names the first form, and these are the items it shows.
                    "items": len(catalogue().get(q.id, q.version).items),
                    "forms": [q.form_id(letter, every) for letter in q.forms],
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
    chosen = _definition_of(questionnaire, request.args.get("version"))
    wanted = request.args.get("version")
    if chosen is None:
        raise ApiError(
            404,
            "Not found",
            f"There is no questionnaire {questionnaire!r}"
            + (f" version {wanted!r}." if wanted else "."),
        )
    return json_response(_definition(chosen, current_account().has_permission("admin")))


def _definition_of(questionnaire_id: str, wanted: str | None) -> Questionnaire | None:
    """A questionnaire or form by id: the version asked for, else the newest that has it."""
    versions = sorted(
        {version for _, version in catalogue().questionnaires}, key=version_key, reverse=True
    )
    for version in versions if wanted is None else [wanted]:
        try:
            return catalogue().get(questionnaire_id, version)
        except KeyError:
            continue
    return None


def _definition(q: Questionnaire, with_keys: bool) -> dict[str, Any]:
    items = []
    for item in q.items:
        choices = (
            [{"id": str(v), "label": str(v)} for v in range(1, 6)]
            if item.on_scale
            else [{"id": c.id, "label": c.label} for c in item.choices]
        )
        entry: dict[str, Any] = {
            "id": item.id,
            "type": item.type,
            "domain": item.domain,
            "text": item.text,
            "choices": choices,
            "regimes": list(item.regimes),
        }
        if item.form is not None:
            entry["form"] = item.form
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
    return {
        "id": q.id,
        "role": q.role,
        "version": q.version,
        "title": q.title,
        "family": q.family or q.id,
        "form": q.form,
        "items": items,
    }


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
            "special": [
                {"id": a.id, "label": a.label, "category": a.category} for a in fact.special
            ],
            "attester": fact.attester,
            "retired": fact.retired,
        }
        if fact.is_numeric:
            entry["bands"] = [
                {"category": b.category, "min": b.min, "max": b.max} for b in fact.bands
            ]
        facts.append(entry)
    return json_response({"facts": facts})
