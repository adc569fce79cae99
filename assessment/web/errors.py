"""Error pages: friendly, never a stack trace; CSRF failures explained rather than a bare 400."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from assessment.extensions import db
from assessment.http_problem import problem
from assessment.web.lookups import NoSuchCycle

MESSAGES = {
    400: ("The request could not be understood", "Something in the request was not valid."),
    403: ("Not allowed", "Your account does not have access to this page."),
    404: ("Page not found", "There is no page at this address. Check the link or go home."),
    405: ("Not allowed", "This page cannot be used that way."),
    413: (
        "Too large",
        "What was sent is larger than this application accepts. Nothing was "
        "saved from this request; shorten it and try again.",
    ),
    429: ("Too many attempts", "Please wait a few minutes before trying again."),
    500: (
        "Something went wrong on our side",
        "The error has been logged. Nothing you entered before this page was lost.",
    ),
}


def init_app(app: Flask) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _render(status: int, title: str | None = None, detail: str | None = None) -> tuple[str, int]:
    default_title, default_detail = MESSAGES.get(status, ("Error", "The request failed."))
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or default_title,
            detail=detail or default_detail,
        ),
        status,
    )


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _render(
        400,
        "This form has expired",
        "For your protection, forms expire when your session ends. Go back, reload the page "
        "and send it again.",
    )


def _http_error(error: HTTPException) -> Any:
    status = error.code or 500
    # The exception's own headers say how to go on: a 405 names the allowed methods in
    # ``Allow`` (RFC 9110 section 15.5.6), which this page must not drop (F-17). Its
    # Content-Type is for Werkzeug's page, not this one.
    headers = [(k, v) for k, v in error.get_headers() if k.lower() != "content-type"]
    if request.path.startswith("/api/"):
        title, detail = MESSAGES.get(status, ("Error", "The request failed."))
        body, _ = problem(status, title, detail)
        return body, status, headers
    if isinstance(error, NoSuchCycle):
        shown = error.cycle_id if len(error.cycle_id) <= 40 else error.cycle_id[:40] + "…"
        page, _ = _render(
            404,
            "No such cycle",
            f"There is no cycle “{shown}”. Check the address, or pick a cycle from the list "
            "on the page you came from.",
        )
        return page, status, headers
    page, _ = _render(status)
    return page, status, headers


def _unexpected_error(error: Exception) -> Any:
    # Roll back so the failed transaction cannot poison the next request on this session.
    db.session.rollback()
    original = error if not isinstance(error, InternalServerError) else error.original_exception
    current_app.logger.error(
        "Unhandled error on %s %s", request.method, request.path, exc_info=original
    )
    if request.path.startswith("/api/"):
        return problem(500, *MESSAGES[500])
    return _render(500)
