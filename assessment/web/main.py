"""Home page and health check."""

from __future__ import annotations

import dataclasses

from flask import Blueprint, jsonify, render_template
from flask_login import login_required
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from assessment import actions
from assessment.extensions import db
from assessment.reports.home import Viewer, home_page
from assessment.web.auth import current_actor

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def home() -> str:
    actor = current_actor()
    assert actor.person_id is not None, "every account belongs to a person"
    # The facts this person reports: an administrator may enter any fact, but owes only
    # those of their own role or delegated to them.
    reporter = dataclasses.replace(actor, permissions=actor.permissions - {"admin"})
    viewer = Viewer(
        actor.person_id,
        actor.role,
        actor.permissions,
        frozenset(actions.facts.editable_facts(reporter)),
    )
    return render_template("main/home.html", home=home_page(viewer))


@bp.route("/healthz")
def healthz() -> tuple[Response, int]:
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        db.session.rollback()
        return jsonify(status="error", detail="database unavailable"), 503
    return jsonify(status="ok"), 200
