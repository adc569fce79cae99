"""One rule for "a need with no session", shared by the planner, the HR home page and the
committee view: being assigned to a session of a fitting module coming up within the planning
window, or having completed a fitting module since the cycle opened, serves a person's need;
anything else (a session nobody with the need is assigned to) does not."""

from __future__ import annotations

import datetime as dt

from assessment import queries
from assessment.extensions import db
from assessment.reports.committee import unplanned_training
from assessment.reports.training_needs import needs_for, needs_without_session
from tests.web.test_training import new_session, person_id, planner  # noqa: F401

TODAY = dt.date.today()


def open_needs(app) -> list[tuple[str, str]]:
    with app.app_context():
        cycle = queries.get_cycle(db.session, "2026-Q4")
        return [(n.email, n.domain) for n in needs_without_session(cycle)]


def a_need_and_its_module(app) -> tuple[tuple[str, str], str]:
    with app.app_context():
        need = next(n for n in needs_for(queries.get_cycle(db.session, "2026-Q4")) if n.modules)
        return (need.email, need.domain), need.modules[0]


def days_from_today(days: int) -> str:
    return (TODAY + dt.timedelta(days=days)).isoformat()


def test_an_assignment_within_the_planning_window_serves_a_need_and_nothing_less_does(
    app,
    planner,  # noqa: F811
):
    need, module = a_need_and_its_module(app)
    assert need in open_needs(app)
    far = new_session(planner, module, date=days_from_today(200))
    planner.post(f"/training/sessions/{far}/assign", data={"email": [need[0]]})
    assert need in open_needs(app)  # 200 days ahead is not a plan for this quarter
    near = new_session(planner, module, date=days_from_today(10))
    assert need in open_needs(app)  # a session, but the person is not on it
    planner.post(f"/training/sessions/{near}/assign", data={"email": [need[0]]})
    assert need not in open_needs(app)
    page = planner.get("/training/").get_data(as_text=True)
    section = page.split("Needs with no session in the next", 1)[1].split("<h2>", 1)[0]
    assert section.count("<li>") == len(open_needs(app))


def test_training_completed_before_the_cycle_opened_does_not_close_its_need(
    app,
    planner,  # noqa: F811
):
    need, module = a_need_and_its_module(app)
    before = new_session(planner, module, date=days_from_today(-30))  # cycle opened 5 days ago
    planner.post(f"/training/sessions/{before}/assign", data={"email": [need[0]]})
    someone = str(person_id(app, need[0]))
    planner.post(
        f"/training/sessions/{before}/attendance",
        data={"attended": [someone], "completed": [someone]},
    )
    assert need in open_needs(app)
    after = new_session(planner, module, date=days_from_today(-2))
    planner.post(f"/training/sessions/{after}/assign", data={"email": [need[0]]})
    planner.post(
        f"/training/sessions/{after}/attendance",
        data={"attended": [someone], "completed": [someone]},
    )
    assert need not in open_needs(app)


def test_the_committee_sentence_counts_what_the_planner_lists(app, planner):  # noqa: F811
    count = len(open_needs(app))
    with app.app_context():
        sentence = unplanned_training(queries.get_cycle(db.session, "2026-Q4"))
    assert sentence.startswith(f"{count} training needs have no session planned")
