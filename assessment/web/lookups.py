"""Small helpers shared by the blueprints."""

from __future__ import annotations

from flask import abort

from assessment import queries
from assessment.extensions import db
from assessment.models import Cycle


def cycle_or_404(cycle_id: str) -> Cycle:
    """The cycle, or a 404 page when there is none by that id."""
    found = queries.get_cycle(db.session, cycle_id)
    if found is None:
        abort(404)
    return found
