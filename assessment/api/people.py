"""People: listing them and adding one (through ``actions.accounts``)."""

from __future__ import annotations

from typing import Any

from assessment import actions, queries
from assessment.api import schemas as s
from assessment.api.framework import PAGED, current_actor, json_response, operation, paginate
from assessment.extensions import db


@operation(
    "GET",
    "/people",
    "List people (paginated)",
    permissions=("admin",),
    response=s.PersonList,
    errors=(422,),
    query=PAGED,
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
    person = actions.accounts.create_person(
        current_actor(), email=payload.email, name=payload.name, role=payload.role
    ).person
    return json_response({"email": person.email, "name": person.name, "role": person.role}, 201)
