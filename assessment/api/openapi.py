"""The OpenAPI 3.1 document, generated from the registered operations and pydantic models."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from flask import current_app
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from assessment.api.framework import OPERATIONS, Operation, bp, json_response, operation
from assessment.api.schemas import Problem

REF = "#/components/schemas/{model}"
DESCRIPTIONS = {
    200: "OK",
    201: "Created",
    304: "Not modified",
    400: "Bad request",
    401: "Missing, unknown, expired or revoked token",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict: nothing was changed",
    422: "Invalid input; see errors",
}


# What pydantic answers: (model, mode) → the JSON schema reference of that model.
Schemas = Mapping[tuple[Any, Literal["validation", "serialization"]], dict[str, Any]]


def document() -> dict[str, Any]:
    """Build the document from OPERATIONS; nothing is described twice by hand."""
    wanted: list[tuple[type[BaseModel], Literal["validation", "serialization"]]] = [
        (Problem, "serialization")
    ]
    for op in OPERATIONS:
        if op.body:
            wanted.append((op.body, "validation"))
        if op.response:
            wanted.append((op.response, "serialization"))
    keys, definitions = models_json_schema(
        list(dict.fromkeys(wanted)), ref_template=REF, by_alias=True
    )
    paths: dict[str, Any] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _path_item(op, keys)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Leadership security-awareness assessment API",
            "version": "1.0.0",
            "description": "Errors are RFC 9457 problem details (application/problem+json).",
        },
        "servers": [{"url": current_app.config["BASE_URL"].rstrip("/") + bp.url_prefix}],
        "paths": paths,
        "components": {
            "schemas": definitions.get("$defs", {}),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def _path_item(op: Operation, keys: Schemas) -> dict[str, Any]:
    """One operation: summary, security, parameters, request body and every response."""
    entry: dict[str, Any] = {"summary": op.summary, "operationId": _operation_id(op)}
    if not op.public:
        entry["security"] = [{"bearer": []}]
    if parameters := _parameters(op):
        entry["parameters"] = parameters
    if op.body:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": keys[(op.body, "validation")]}},
        }
    entry["responses"] = _responses(op, keys)
    return entry


def _parameters(op: Operation) -> list[dict[str, Any]]:
    in_path = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in re.findall(r"\{(\w+)\}", op.path)
    ]
    in_query = [
        {"name": name, "in": "query", "required": required, "schema": {"type": kind}}
        for name, kind, required in op.query
    ]
    return in_path + in_query


def _responses(op: Operation, keys: Schemas) -> dict[str, Any]:
    success: dict[str, Any] = {"description": DESCRIPTIONS.get(op.status, "OK")}
    if op.response:
        success["content"] = {"application/json": {"schema": keys[(op.response, "serialization")]}}
    responses = {str(op.status): success}
    if op.method == "GET" and op.permissions:  # reports carry an ETag
        responses["304"] = {"description": DESCRIPTIONS[304]}
    problem_schema = {"application/problem+json": {"schema": keys[(Problem, "serialization")]}}
    for code in op.errors:
        responses[str(code)] = {
            "description": DESCRIPTIONS.get(code, "Error"),
            "content": problem_schema,
        }
    return responses


def _operation_id(op: Operation) -> str:
    words = re.sub(r"[{}]", "", op.path).strip("/").replace("/", "_").replace("-", "_")
    return f"{op.method.lower()}_{words}"


@operation("GET", "/openapi.json", "This document", public=True)
def openapi_document() -> Any:
    return json_response(document())
