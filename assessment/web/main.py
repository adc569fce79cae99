"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from assessment import queries
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.services.answering.questionnaire_pages import progress
from assessment.services.lifecycle import CycleStatus, ResponseStatus

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> str:
    return render_template(
        "main/home.html", questionnaires=_my_questionnaires(), history=_my_history()
    )


def _my_questionnaires() -> list[dict[str, object]]:
    """Each open cycle with a questionnaire for the signed-in person, and how far they are."""
    person = current_user.person
    found = []
    for cycle in queries.open_cycles(db.session):
        pinned = cycle.pinned_for(person.role or "")
        if pinned is None:
            continue
        response = queries.get_response(db.session, person.id, cycle.id)
        questionnaire = catalogue().get(pinned.questionnaire_id, pinned.version)
        answers = response.answer_values() if response else {}
        found.append(
            {
                "cycle": cycle,
                "questionnaire": questionnaire,
                "status": response.status if response else "not started",
                "progress": progress(questionnaire, answers),
            }
        )
    return found


def _my_history() -> list[dict[str, object]]:
    """Every closed or frozen cycle that asked the signed-in person, newest first: a link to
    their results, or a plain statement that the quarter closed without their answers."""
    person = current_user.person
    if person is None or not person.role:
        return []
    found = []
    for cycle in reversed(queries.cycles_in_order(db.session)):
        if cycle.status not in (CycleStatus.CLOSED, CycleStatus.FROZEN):
            continue
        if cycle.pinned_for(person.role) is None:
            continue
        response = queries.get_response(db.session, person.id, cycle.id)
        submitted = response is not None and response.status == ResponseStatus.SUBMITTED
        found.append({"cycle": cycle, "submitted": submitted, "started": response is not None})
    return found


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", detail="database unavailable"), 503
    return jsonify(status="ok"), 200
