"""Small helpers shared by the blueprints."""

from __future__ import annotations

from werkzeug.exceptions import NotFound

from assessment import queries
from assessment.extensions import db
from assessment.models import Cycle


class NoSuchCycle(NotFound):
    """A cycle id in the address that names no cycle: the page says so, not "page not found"."""

    def __init__(self, cycle_id: str):
        super().__init__()
        self.cycle_id = cycle_id


def cycle_or_404(cycle_id: str) -> Cycle:
    """The cycle, or a "no such cycle" page (404) when there is none by that id."""
    found = queries.get_cycle(db.session, cycle_id)
    if found is None:
        raise NoSuchCycle(cycle_id)
    return found
