"""Small helpers shared by the blueprints."""

from __future__ import annotations

from flask import abort

from .. import queries
from ..extensions import db
from ..models import Cycle


def cycle_or_404(cycle_id: str) -> Cycle:
    """The cycle, or a 404 page when there is none by that id."""
    found = queries.get_cycle(db.session, cycle_id)
    if found is None:
        abort(404)
    return found
