"""HR cannot single out one person's score change through the training-effect table (F-01).

The differencing attack of the review: HR moves one person between the trained and the
untrained group, reads the table again, and the difference of the two readings gives that
person's change. The effect is now computed only from attendance recorded before the later
cycle closed, so every reading after the close is the same, whatever HR edits.
"""

from __future__ import annotations

import random

import pytest
from sqlalchemy import select

from assessment import queries
from assessment.extensions import db
from assessment.models import AuditEntry, TrainingSession
from tests.conftest import add_user, complete_answers, log_in, open_test_cycle, submit_answers
from tests.web.test_training import CATALOGUE, close_cycle, new_session, weak_answers

PEOPLE = [f"it{n}@example.com" for n in range(8)]


@pytest.fixture
def hr(app):
    """Eight IT managers scored in two cycles, and an HR coordinator signed in."""
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    for email in PEOPLE:
        add_user(app, email, role="it_manager", name=email)
    open_test_cycle(app, "2026-Q3", days_ago=100)
    open_test_cycle(app, "2026-Q4", days_ago=5)
    rng = random.Random(7)
    for email in PEOPLE:
        submit_answers(app, email, weak_answers("it_manager"), "2026-Q3")
        later = complete_answers("it_manager")
        items = [k for k in later if k in weak_answers("it_manager")]
        for item in rng.sample(items, len(items) // 2):  # a different change per person
            later[item] = weak_answers("it_manager")[item]
        submit_answers(app, email, later, "2026-Q4")
    client = app.test_client()
    log_in(client, "coord@example.com")
    return client


def mark(app, client, session_id: int, emails: list[str]) -> None:
    with app.app_context():
        ids = {
            a.person.email: a.person_id
            for a in db.session.get(TrainingSession, session_id).attendees
        }
    chosen = [str(ids[e]) for e in emails]
    client.post(
        f"/training/sessions/{session_id}/attendance",
        data={"attended": chosen, "completed": chosen},
    )


def effect_table(client) -> str:
    html = client.get("/training/?cycle=2026-Q4").get_data(as_text=True)
    start = html.find("Did it work?")
    return html[start : html.find("</table>", start)] if start >= 0 else ""


def module_id() -> str:
    return next(
        m.id for m in CATALOGUE.training.values() if "it_manager" in m.audience and m.domains
    )


def test_training_effect_hidden_while_the_later_cycle_is_open(app, hr):
    """F-01: while attendance can still change what the table counts, there is no table."""
    session_id = new_session(hr, module_id(), date="2026-09-01", capacity="8")
    hr.post(f"/training/sessions/{session_id}/assign", data={"email": PEOPLE})
    mark(app, hr, session_id, PEOPLE[:4])
    assert effect_table(hr) == ""


def test_training_effect_does_not_move_when_attendance_changes_after_the_close(app, hr):
    """F-01: after the close, moving one person between the groups (the differencing attack)
    and even a backdated session recorded now leave the table exactly as it was."""
    session_id = new_session(hr, module_id(), date="2026-09-01", capacity="8")
    hr.post(f"/training/sessions/{session_id}/assign", data={"email": PEOPLE})
    mark(app, hr, session_id, PEOPLE[:4])
    with app.app_context():
        close_cycle("2026-Q4")
    first = effect_table(hr)
    assert "Did it work?" in first
    mark(app, hr, session_id, PEOPLE[1:5])  # swap one person in, one out
    assert effect_table(hr) == first
    backdated = new_session(hr, module_id(), date="2026-08-01", capacity="8")
    hr.post(f"/training/sessions/{backdated}/assign", data={"email": PEOPLE})
    mark(app, hr, backdated, PEOPLE[4:])
    assert effect_table(hr) == first


def test_training_effect_every_attendance_change_is_audited(app, hr):
    """F-01, F-13: each attendance edit leaves an audit entry naming who attended."""
    session_id = new_session(hr, module_id(), date="2026-09-01", capacity="8")
    hr.post(f"/training/sessions/{session_id}/assign", data={"email": PEOPLE})
    mark(app, hr, session_id, PEOPLE[:4])
    mark(app, hr, session_id, PEOPLE[1:5])
    with app.app_context():
        recorded = list(
            db.session.scalars(
                select(AuditEntry).where(AuditEntry.action == "training_attendance_recorded")
            )
        )
        assert [e.actor for e in recorded] == ["coord@example.com"] * 2
        assert recorded[0].details["completed"] != recorded[1].details["completed"]


def test_training_effect_counts_only_completions_recorded_before_the_close(app, hr):
    """F-01: the query behind the table leaves out completions recorded after the close."""
    session_id = new_session(hr, module_id(), date="2026-09-01", capacity="8")
    hr.post(f"/training/sessions/{session_id}/assign", data={"email": PEOPLE})
    mark(app, hr, session_id, PEOPLE[:4])
    with app.app_context():
        close_cycle("2026-Q4")
        cycle = queries.get_cycle(db.session, "2026-Q4")
        assert cycle is not None and cycle.closed_at is not None
    mark(app, hr, session_id, PEOPLE)
    with app.app_context():
        cutoff = queries.get_cycle(db.session, "2026-Q4").closed_at
        counted = {e for e, _, _ in queries.completed_modules(db.session, cutoff)}
        everyone = {e for e, _, _ in queries.completed_modules(db.session)}
    assert counted == set(PEOPLE[:4]) and everyone == set(PEOPLE)
