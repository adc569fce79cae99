"""Taking the assessment: invitation links, paged questionnaire, autosave, submit, results."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import ValidationError

from assessment import actions, queries, tenancy
from assessment.actions import ActionError, Conflict, Invalid
from assessment.catalogue import catalogue
from assessment.extensions import csrf, db, limiter
from assessment.http_problem import problem
from assessment.models import Cycle, CycleStatus, ResponseStatus
from assessment.reports.personal_results import personal_results
from assessment.services.answering.answers import MAX_COMMENT_LENGTH, missing_items
from assessment.services.answering.questionnaire_pages import (
    QuestionnairePage,
    parse_answer,
    progress,
    split_into_pages,
)
from assessment.services.content.definitions import Item, Questionnaire
from assessment.services.identity_cache import IdentityCache
from assessment.web.answer_controls import choice_controls, field_name
from assessment.web.auth import SCOPE_KEY, current_actor
from assessment.web.lookups import NoSuchCycle, cycle_or_404

bp = Blueprint("respond", __name__)

KEPT_COOKIE = "kept_answers"  # the key of answers kept from an expired session
MAX_STASHED = 64  # more fields than any page has: a stash never grows without bound


@dataclass
class Context:
    """What a questionnaire view reads, as plain values (views that write load ORM objects)."""

    cycle: queries.CycleState
    person_id: int
    questionnaire: Questionnaire
    pages: tuple[QuestionnairePage, ...]
    response: queries.ResponseState | None


def _context(cycle_id: str) -> Context:
    state = queries.respondent_state(
        db.session, cycle_id, current_user.person_id, current_user.role or ""
    )
    if state is None:
        raise NoSuchCycle(cycle_id)
    if session.get(SCOPE_KEY) not in (None, cycle_id) or state.pinned is None:
        abort(403)
    questionnaire = catalogue().get(*state.pinned)
    return Context(
        state.cycle, current_user.person_id, questionnaire, _pages(questionnaire), state.response
    )


# Pages depend only on a questionnaire version and the rubric, both immutable once loaded.
_paginated: IdentityCache[tuple[QuestionnairePage, ...]] = IdentityCache(limit=1000)


def _pages(questionnaire: Questionnaire) -> tuple[QuestionnairePage, ...]:
    rubric = catalogue().rubric
    return _paginated.get(
        (questionnaire, rubric), None, lambda: split_into_pages(questionnaire, rubric)
    )


@bp.route("/respond/<cycle_id>")
@login_required
def intro(cycle_id: str) -> str | WerkzeugResponse:
    ctx = _context(cycle_id)
    if ctx.response and ctx.response.status == ResponseStatus.SUBMITTED:
        return redirect(url_for("respond.results", cycle_id=cycle_id))
    answers = ctx.response.answer_values() if ctx.response else {}
    return render_template(
        "respond/intro.html",
        ctx=ctx,
        progress=progress(ctx.questionnaire, answers),
        stash=_stash(cycle_id, ctx),
        kept_changed=request.args.get("kept_changed", type=int),
    )


@bp.route("/respond/<cycle_id>/start", methods=["POST"])
@login_required
def start(cycle_id: str) -> WerkzeugResponse:
    _context(cycle_id)  # 404 or 403 unless this person answers this cycle
    try:
        response = actions.responses.start(current_user.person, _cycle(cycle_id))
    except ActionError:  # no longer open
        return redirect(url_for("respond.intro", cycle_id=cycle_id))
    db.session.commit()
    return redirect(url_for("respond.page", cycle_id=cycle_id, number=max(response.last_page, 1)))


@bp.route("/respond/<cycle_id>/page/<int:number>", methods=["GET"])
@login_required
def page(cycle_id: str, number: int) -> str | WerkzeugResponse:
    ctx = _editable_page(cycle_id, number)
    if not isinstance(ctx, Context):
        return ctx
    assert ctx.response is not None
    if ctx.response.last_page != number:  # remember where to resume; no write when unchanged
        actions.responses.remember_page(ctx.response.id, number)
        db.session.commit()
    return _render_page(ctx, number)


@bp.route("/respond/<cycle_id>/page/<int:number>", methods=["POST"])
@limiter.limit(
    "30 per minute", exempt_when=lambda: current_user.is_authenticated, scope="kept-answers"
)
@csrf.exempt  # checked below, so that an expired token keeps the answers instead of a 400
def save_page(
    cycle_id: str, number: int
) -> str | WerkzeugResponse | tuple[str, int] | tuple[WerkzeugResponse, int]:
    if not current_user.is_authenticated or not _csrf_ok():
        if _cross_site():  # a form on another site must never plant answers (F-02)
            return render_template("respond/kept.html", cycle_id=cycle_id, refused=True), 403
        return _keep_for_later(cycle_id)
    ctx = _editable_page(cycle_id, number)
    if not isinstance(ctx, Context):
        return ctx
    assert ctx.response is not None
    values, errors = _posted_answers(ctx.pages[number - 1])
    try:
        outcome = _save(ctx.response.id, values, _seen_versions())
    except Conflict:  # submitted in another tab a moment ago
        return redirect(url_for("respond.intro", cycle_id=cycle_id))
    if outcome is None or outcome.conflicts or errors:
        conflicts = outcome.conflicts if outcome else dict.fromkeys(values, None)
        ctx = _context(cycle_id)  # show the answers as stored now, after this save
        return _render_page(
            ctx, number, errors=errors, conflicts=conflicts
        ), 409 if conflicts else 422
    target = _target(ctx, number, request.form.get("action", "next"))
    return redirect(target)


@bp.route("/respond/<cycle_id>/answer", methods=["POST"])
@csrf.exempt  # the script sends the token in a header; failures answer in JSON
def autosave(cycle_id: str) -> Any:
    """Save one answer as it is given: ``{item, value, version}`` in, the new version and the
    progress out; every failure is problem+json that tells the script what to do."""
    if not current_user.is_authenticated:
        return problem(401, "Signed out", "Your session has ended. Sign in again to continue.")
    if not _csrf_ok(request.headers.get("X-CSRFToken")):
        return problem(400, "Form expired", "Reload the page to continue; nothing was lost.")
    ctx = _context(cycle_id)
    if ctx.response is None or ctx.response.status != ResponseStatus.DRAFT or not _open(ctx):
        return problem(409, "Not editable", "This questionnaire can no longer be changed.")
    try:
        body = request.get_json(silent=True)
    except RecursionError:  # absurdly deep nesting: a bad request, never a 500 (F-12)
        return problem(400, "Invalid answer", "The body is not a valid answer.")
    parsed = parse_autosave(body, ctx.questionnaire)
    if isinstance(parsed, AutosaveProblem):
        return problem(422, "Invalid answer", parsed.message, **parsed.extra)
    try:
        outcome = _save(ctx.response.id, {parsed.item: parsed.value}, parsed.seen)
    except Conflict:
        return problem(409, "Not editable", "This questionnaire can no longer be changed.")
    if outcome is None or outcome.conflicts:
        return _autosave_conflict(cycle_id, parsed.item)
    answers = {**ctx.response.answer_values(), parsed.item: parsed.value}  # as read, plus this
    done = progress(ctx.questionnaire, {k: v for k, v in answers.items() if v is not None})
    return {
        "saved": True,
        "item": parsed.item,
        "version": outcome.saved[parsed.item],
        "answered": done.answered,
        "required": done.required,
    }


@dataclass(frozen=True)
class AutosaveAnswer:
    item: str
    value: object
    seen: dict[str, int]  # the version the page showed, when it sent one


@dataclass(frozen=True)
class AutosaveProblem:
    message: str
    extra: dict[str, object]


def parse_autosave(body: object, questionnaire: Questionnaire) -> AutosaveAnswer | AutosaveProblem:
    """The answer an autosave body carries, checked against the questionnaire."""
    if not isinstance(body, dict) or not isinstance(body.get("item"), str):
        return AutosaveProblem("Send {item, value, version}.", {})
    item = next((i for i in questionnaire.items if i.id == body["item"]), None)
    if item is None:
        return AutosaveProblem("That is not an item of this questionnaire.", {})
    raw = body.get("value")
    value, error = parse_answer(item, None if raw is None else str(raw))
    if error:
        return AutosaveProblem(error, {"errors": [{"field": item.id, "message": error}]})
    seen = body.get("version")
    return AutosaveAnswer(item.id, value, {item.id: seen} if isinstance(seen, int) else {})


def _autosave_conflict(cycle_id: str, item_id: str) -> Any:
    now = _context(cycle_id).response
    current = now.answers.get(item_id) if now else None
    return problem(
        409,
        "Changed elsewhere",
        "This answer was changed in another window; the newer answer is kept.",
        value=current.value if current else None,
        version=current.version if current else None,
    )


@bp.route("/respond/<cycle_id>/review")
@login_required
def review(cycle_id: str) -> str | WerkzeugResponse:
    ctx = _context(cycle_id)
    redirect_to = _not_editable(ctx)
    if redirect_to:
        return redirect_to
    assert ctx.response is not None
    return _render_review(ctx)


@bp.route("/respond/<cycle_id>/submit", methods=["POST"])
@login_required
def submit(cycle_id: str) -> str | WerkzeugResponse | tuple[str, int]:
    ctx = _context(cycle_id)
    if ctx.response and ctx.response.status == ResponseStatus.SUBMITTED:
        return redirect(url_for("respond.results", cycle_id=cycle_id))
    redirect_to = _not_editable(ctx)
    if redirect_to:
        return redirect_to
    try:
        actions.responses.submit(current_actor(), _cycle(cycle_id), current_user.person)
    except Invalid:  # something required is unanswered: the review page lists it
        return _render_review(ctx, tried=True), 422
    except Conflict:  # submitted a moment ago in another tab, or the cycle just closed
        db.session.rollback()
        now = _context(cycle_id).response
        landing = (
            "respond.results" if now and now.status == ResponseStatus.SUBMITTED else "respond.intro"
        )
        return redirect(url_for(landing, cycle_id=cycle_id))
    db.session.commit()
    return redirect(url_for("respond.results", cycle_id=cycle_id))


@bp.route("/respond/<cycle_id>/results")
@login_required
def results(cycle_id: str) -> str | WerkzeugResponse:
    ctx = _context(cycle_id)
    if ctx.response is None or ctx.response.status != ResponseStatus.SUBMITTED:
        return redirect(url_for("respond.intro", cycle_id=cycle_id))
    report = personal_results(
        cycle_id, ctx.questionnaire, ctx.response.answer_values(), ctx.person_id
    )
    return render_template("respond/results.html", ctx=ctx, report=report)


@bp.route("/respond/<cycle_id>/kept", methods=["POST"])
@login_required
def apply_stash(cycle_id: str) -> WerkzeugResponse:
    """Save or discard answers kept from an expired session. The owner saw each kept answer
    beside the stored one; the versions they saw come back with the form, so an answer
    changed since then is kept as it is, never overwritten (F-02)."""
    ctx = _context(cycle_id)
    kept = _stash(cycle_id, ctx)
    done = None
    if kept and request.form.get("action") == "save" and _open(ctx):
        if ctx.response is None:
            response_id = actions.responses.start(current_user.person, _cycle(cycle_id)).id
        else:
            response_id = ctx.response.id
        if ctx.response is None or ctx.response.status == ResponseStatus.DRAFT:
            typed = {k.item.id: k.value for k in kept}
            try:
                done = _save(response_id, typed, _seen_versions())
            except Conflict:
                done = None
    key = request.cookies.get(KEPT_COOKIE)
    if key:
        actions.responses.drop_kept_answers(key)
        db.session.commit()
    changed = len(done.conflicts) if done else 0
    response = redirect(url_for("respond.intro", cycle_id=cycle_id, kept_changed=changed or None))
    response.delete_cookie(KEPT_COOKIE)
    return response


# --- helpers ------------------------------------------------------------------------------


def _cycle(cycle_id: str) -> Cycle:
    """The cycle as an ORM object, for the views that write (``_context`` found it)."""
    cycle = queries.get_cycle(db.session, cycle_id)
    assert cycle is not None
    return cycle


def _open(ctx: Context) -> bool:
    return ctx.cycle.status == CycleStatus.OPEN


def _cross_site() -> bool:
    """Whether the browser says this request came from a page of another site.

    Browsers send ``Sec-Fetch-Site`` (and ``Origin`` on every cross-origin POST); a form on
    another site that posts here is refused before anything is kept (F-02). A request with
    neither header cannot come from a modern browser on another site.
    """
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    ours = {
        request.host_url.rstrip("/"),
        str(current_app.config["BASE_URL"]).rstrip("/"),
    }
    return origin.rstrip("/") not in ours


def _csrf_ok(token: str | None = None) -> bool:
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(token if token is not None else request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return False
    return True


def _editable_page(cycle_id: str, number: int) -> Context | WerkzeugResponse:
    """The context of a page that may still be answered, or where to go instead (404 for a
    page number the questionnaire does not have)."""
    ctx = _context(cycle_id)
    redirect_to = _not_editable(ctx)
    if redirect_to:
        return redirect_to
    if not 1 <= number <= len(ctx.pages):
        abort(404)
    return ctx


def _not_editable(ctx: Context) -> WerkzeugResponse | None:
    if ctx.response is not None and ctx.response.status == ResponseStatus.SUBMITTED:
        return redirect(url_for("respond.results", cycle_id=ctx.cycle.id))
    if ctx.response is None or not _open(ctx):
        return redirect(url_for("respond.intro", cycle_id=ctx.cycle.id))
    return None


def _posted_answers(current: QuestionnairePage) -> tuple[dict[str, object], dict[str, str]]:
    values: dict[str, object] = {}
    errors: dict[str, str] = {}
    for item in current.items:
        name = field_name(item)
        if name not in request.form:
            continue
        value, error = parse_answer(item, request.form.get(name))
        if error:
            errors[item.id] = error
        else:
            values[item.id] = value
    return values, errors


def _seen_versions() -> dict[str, int]:
    seen = {}
    for key, raw in request.form.items():
        if key.startswith("version-") and raw.isdigit():
            seen[key.removeprefix("version-")] = int(raw)
    return seen


def _save(
    response_id: int, values: dict[str, object], seen: dict[str, int]
) -> queries.SaveOutcome | None:
    """Save and commit; None when another request keeps changing the same rows.

    Two requests can race on one answer: both create the same new row (the unique key
    rejects the second), or both update the row they read (the version check rejects the
    second). The loser retries once against what the winner wrote, so nothing is lost: a
    save that named the version it saw then reports a genuine conflict, and one that did
    not simply stores its value.
    """
    for _attempt in range(2):
        try:
            outcome = actions.responses.save_answers(response_id, values, seen)
            db.session.commit()
            return outcome
        except (IntegrityError, StaleDataError):
            db.session.rollback()
        except Conflict:
            db.session.rollback()
            raise
    return None


def _target(ctx: Context, number: int, action: str) -> str:
    cycle_id = ctx.cycle.id
    if action == "back" and number > 1:
        return url_for("respond.page", cycle_id=cycle_id, number=number - 1)
    if action == "leave":
        return url_for("respond.intro", cycle_id=cycle_id, saved=1)
    if action == "review" or number >= len(ctx.pages):
        return url_for("respond.review", cycle_id=cycle_id)
    return url_for("respond.page", cycle_id=cycle_id, number=number + 1)


def _render_page(
    ctx: Context,
    number: int,
    errors: dict[str, str] | None = None,
    conflicts: dict[str, object] | None = None,
) -> str:
    assert ctx.response is not None
    current = ctx.pages[number - 1]
    stored = ctx.response.answers
    values = ctx.response.answer_values()
    shown = {k: str(v) for k, v in values.items()}  # what each control shows, as text
    if request.method == "POST" and not conflicts:  # show what was sent, even if invalid
        shown.update(
            (item.id, request.form[field_name(item)])
            for item in current.items
            if field_name(item) in request.form
        )
    return render_template(
        "respond/page.html",
        ctx=ctx,
        page=current,
        shown=shown,
        field_name=field_name,
        choice_controls=choice_controls,
        versions={k: a.version for k, a in stored.items()},
        errors=errors or {},
        conflicts=conflicts or {},
        progress=progress(ctx.questionnaire, values),
        total_pages=len(ctx.pages),
    )


def _render_review(ctx: Context, tried: bool = False) -> str:
    assert ctx.response is not None
    answers = ctx.response.answer_values()
    missing = missing_items(ctx.questionnaire, answers)
    page_of = {item.id: p.number for p in ctx.pages for item in p.items}
    return render_template(
        "respond/review.html",
        ctx=ctx,
        missing=missing,
        page_of=page_of,
        tried=tried,
        progress=progress(ctx.questionnaire, answers),
    )


def _keep_for_later(cycle_id: str) -> tuple[WerkzeugResponse, int]:
    """Expired session or form: keep what was posted and explain what happens next.

    Only items of the cycle's questionnaires are kept, one page's worth at most, bound to the
    account whose session expired when the session still says who that was. The key lives in
    a cookie of its own, so it survives the fresh session that signing in starts (F-09, F-16).
    """
    if tenancy.request_organisation_id() is None:
        # No session at all: the cycle id is all there is. Kept only where it is unambiguous;
        # the answers are offered back only after signing in to that organisation.
        owners = queries.organisations_with_cycle(db.session, cycle_id)
        if len(owners) != 1:
            abort(404)
        tenancy.enter(owners[0])
    cycle = cycle_or_404(cycle_id)
    items = {
        item.id
        for pin in cycle.pinned
        for item in catalogue().get(pin.questionnaire_id, pin.version).items
    }
    # Raw text only: it is checked against the questionnaire when its owner confirms it.
    answers: dict[str, object] = {
        key.removeprefix("answer-"): value
        for key, value in list(request.form.items())[: MAX_STASHED * 2]
        if key.startswith("answer-")
        and key.removeprefix("answer-") in items
        and value.strip()
        and len(value) <= MAX_COMMENT_LENGTH
    }
    owner = (
        current_user.account_id
        if current_user.is_authenticated
        else session.get("expired_account_id")
    )
    key = request.cookies.get(KEPT_COOKIE) or secrets.token_urlsafe(24)
    try:
        kept = actions.responses.keep_answers(
            key, cycle_id, answers, account_id=owner if isinstance(owner, int) else None
        )
    except ActionError as refused:  # too many kept answers waiting: refuse, say why
        db.session.rollback()
        page = render_template("respond/kept.html", cycle_id=cycle_id, full=refused.message)
        return make_response(page, 503), 503
    db.session.commit()
    page = render_template(
        "respond/kept.html",
        cycle_id=cycle_id,
        count=len(kept),
        signed_in=current_user.is_authenticated,
    )
    response = make_response(page, 200)
    response.set_cookie(
        KEPT_COOKIE,
        key,
        max_age=int(current_app.permanent_session_lifetime.total_seconds()),
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )
    return response, 200


def _typed(questionnaire: Questionnaire, raw: dict[str, object]) -> dict[str, object]:
    """Stashed text turned into valid answers; anything invalid is dropped."""
    typed = {}
    for item in questionnaire.items:
        if item.id in raw:
            value, error = parse_answer(item, str(raw[item.id]))
            if value is not None and error is None:
                typed[item.id] = value
    return typed


@dataclass(frozen=True)
class KeptAnswer:
    """One kept answer beside the answer stored now, as the owner is shown them."""

    item: Item
    value: object
    kept: str  # the kept answer, as the page shows it
    stored: str  # the stored answer now ("not answered" when none)
    version: int | None  # the stored answer's version, sent back when saving


def _stash(cycle_id: str, ctx: Context) -> list[KeptAnswer]:
    """Answers kept from an expired session of this browser that its owner may save: bound
    to this account (or to nobody), and valid answers to this person's questionnaire."""
    key = request.cookies.get(KEPT_COOKIE)
    stash = queries.take_stash(db.session, key) if key else None
    if stash is None or stash.cycle_id != cycle_id:
        return []
    if stash.account_id is not None and stash.account_id != current_user.account_id:
        return []
    typed = _typed(ctx.questionnaire, stash.answers)
    stored = ctx.response.answers if ctx.response else {}
    return [
        KeptAnswer(
            item,
            typed[item.id],
            _shown(item, typed[item.id]),
            _shown(item, stored[item.id].value) if item.id in stored else "not answered",
            stored[item.id].version if item.id in stored else None,
        )
        for item in ctx.questionnaire.items
        if item.id in typed
    ]


def _shown(item: Item, value: object) -> str:
    if value is None:
        return "not answered"
    return item.choice_label(value) if isinstance(value, str) and item.choices else str(value)
