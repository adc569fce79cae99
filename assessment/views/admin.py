"""Administration: people and accounts (more areas arrive with later features)."""

from __future__ import annotations

from flask import Blueprint, render_template

from .. import queries
from ..auth import permission_required
from ..extensions import db

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/people")
@permission_required("admin")
def people() -> str:
    return render_template("admin/people.html", people=queries.list_people(db.session))
