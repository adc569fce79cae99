"""A small layer over Flask routes: bearer-token auth, pydantic validation, problem+json, and
the registry from which the OpenAPI document is generated."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Blueprint, Response, g, request
from pydantic import BaseModel, ValidationError

from assessment.actions import ActionError, Actor, Conflict, Forbidden, Invalid, NotFound, tokens
from assessment.extensions import csrf, db
from assessment.http_problem import problem
from assessment.models import Account

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


class ApiError(Exception):
    def __init__(
        self, status: int, title: str, detail: str, errors: list[dict[str, str]] | None = None
    ):
        super().__init__(detail)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # OpenAPI form, e.g. /cycles/{cycle}/scores
    summary: str
    permissions: tuple[str, ...]  # empty: any valid token
    body: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[int, ...]
    query: tuple[tuple[str, str, bool], ...] = field(default_factory=tuple)  # name, type, required
    public: bool = False


OPERATIONS: list[Operation] = []
# The query parameters of every paginated list.
PAGED: tuple[tuple[str, str, bool], ...] = (
    ("page", "integer", False),
    ("per_page", "integer", False),
)


def current_account() -> Account:
    account: Account = g.api_account
    return account


def current_actor() -> Actor:
    """The token's account as the write layer's actor (the same as on the web)."""
    return Actor.of_account(current_account())


# How each refusal of the write layer reads in problem+json.
REFUSALS: dict[type[ActionError], tuple[int, str]] = {
    NotFound: (404, "Not found"),
    Forbidden: (403, "Forbidden"),
    Conflict: (409, "Conflict"),
    Invalid: (422, "Invalid request"),
}


def refused(
    error: ActionError, field_prefix: str = "", body_fields: Collection[str] = ("reason",)
) -> ApiError:
    """The API's answer to an action's refusal; ``field_prefix`` places its fields in the
    request body (``facts.`` for the facts of ``PUT /cycles/{cycle}/facts``), except those
    named in ``body_fields``, which are members of the body itself."""
    status, title = next(v for k, v in REFUSALS.items() if isinstance(error, k))
    fields = [
        {"field": key if key in body_fields else f"{field_prefix}{key}", "message": message}
        for key, message in error.errors.items()
    ]
    return ApiError(status, title, error.message, errors=fields or None)


def _authenticate() -> Account:
    # The scheme is case-insensitive (RFC 9110 section 11.1, RFC 6750): "bearer x" is valid.
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not credentials.strip():
        raise ApiError(401, "Unauthorized", "Send 'Authorization: Bearer <token>'.")
    try:
        return tokens.authenticate(credentials.strip())
    except ActionError as refused:
        raise ApiError(401, "Unauthorized", refused.message) from refused


def operation(
    method: str,
    path: str,
    summary: str,
    *,
    permissions: tuple[str, ...] = (),
    body: type[BaseModel] | None = None,
    response: type[BaseModel] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    query: tuple[tuple[str, str, bool], ...] = (),
    public: bool = False,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an API operation: route, checks and its OpenAPI description in one place."""
    flask_rule = re.sub(r"\{(\w+)\}", r"<\1>", path)
    base_errors = () if public else (401, 403) if permissions else (401,)
    OPERATIONS.append(
        Operation(
            method,
            path,
            summary,
            permissions,
            body,
            response,
            status,
            tuple(sorted(set(base_errors + errors))),
            query,
            public,
        )
    )

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def wrapped(**kwargs: Any) -> Any:
            try:
                if not public:
                    g.api_account = _authenticate()
                    if permissions and not any(
                        g.api_account.has_permission(p) for p in permissions
                    ):
                        raise ApiError(
                            403, "Forbidden", f"This needs one of: {', '.join(permissions)}."
                        )
                if body is not None:
                    kwargs["payload"] = _parse(body)
                result = view(**kwargs)
                db.session.commit()
                return result
            except ActionError as error:
                db.session.rollback()
                return _problem(refused(error))
            except ApiError as error:
                db.session.rollback()
                return _problem(error)

        endpoint = view.__name__
        bp.add_url_rule(flask_rule, endpoint=endpoint, view_func=wrapped, methods=[method])
        return wrapped

    return decorator


def _problem(error: ApiError) -> Any:
    return problem(
        error.status,
        error.title,
        error.detail,
        **({"errors": error.errors} if error.errors else {}),
    )


def _parse(model: type[BaseModel]) -> BaseModel:
    try:
        data = request.get_json(silent=True)
    except RecursionError:
        # Deeply nested JSON exhausts the decoder's stack; no valid body is nested like that,
        # so it is a bad request, not a server error (F-12).
        data = None
    if data is None:
        raise ApiError(
            400, "Bad request", "The body must be JSON (Content-Type: application/json)."
        )
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ApiError(
            422,
            "Invalid request",
            "Some fields are invalid.",
            errors=[
                {"field": ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]}
                for e in error.errors()
            ],
        ) from error


def json_response(payload: Any, status: int = 200, etag: bool = False) -> Response:
    """A JSON response; with ``etag``, a strong ETag and 304 for a matching If-None-Match."""
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str)
    response = Response(text, status=status, mimetype="application/json")
    if etag:
        response.set_etag(hashlib.sha256(text.encode()).hexdigest())
        response.make_conditional(request)
    return response


def paginate(items: list[Any]) -> tuple[list[Any], dict[str, int]]:
    """?page=1&per_page=100 (at most 500)."""
    try:
        page = max(1, int(request.args.get("page", "1")))
        per_page = min(500, max(1, int(request.args.get("per_page", "100"))))
    except ValueError as error:
        raise ApiError(
            422,
            "Invalid request",
            "page and per_page must be whole numbers.",
            errors=[{"field": "page", "message": "not a whole number"}],
        ) from error
    start = (page - 1) * per_page
    return items[start : start + per_page], {
        "page": page,
        "per_page": per_page,
        "total": len(items),
    }
