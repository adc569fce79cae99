"""HR training planner through the web: least privilege, sessions, capacity, invitations."""

from __future__ import annotations

import datetime as dt
import email
import re
from email import policy

import pytest
from icalendar import Calendar
from sqlalchemy import select

from assessment import actions, queries
from assessment.actions import SYSTEM
from assessment.extensions import db
from assessment.models import TrainingSession
from tests.conftest import (
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)
from tests.web.test_invitations import smtp_server  # noqa: F401 - a real aiosmtpd fixture

CATALOGUE = shipped_catalogue()
CEO = CATALOGUE.current_form("ceo")


def weak_answers(role: str) -> dict[str, object]:
    """Wrong answers everywhere: every weighted domain ends below L3."""
    answers = complete_answers(role)
    for item in CATALOGUE.current_form(role).items:
        if item.type == "knowledge":
            answers[item.id] = next(c.id for c in item.choices if not c.correct and not c.dont_know)
        elif item.type == "likert":
            answers[item.id] = 5 if item.reverse else 1
    return answers


@pytest.fixture
def planner(app):
    add_user(app, "coord@example.com", permissions=("hr_coordinator",), name="Coordinator")
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "cio@example.com", role="cio", name="Chris Info")
    add_user(app, "legal@example.com", role="legal", name="Lee Gal")
    open_test_cycle(app)
    answers = weak_answers("ceo")
    comment = next(i for i in CEO.items if i.type == "comment")
    answers[comment.id] = "Private remark for the committee"
    submit_answers(app, "ceo@example.com", answers)
    submit_answers(app, "cio@example.com", weak_answers("cio"))
    client = app.test_client()
    log_in(client, "coord@example.com")
    return client


def person_id(app, email: str) -> int:
    with app.app_context():
        person = queries.find_person_by_email(db.session, email)
        assert person is not None
        return person.id


def new_session(client, module: str, **fields) -> int:
    data = {
        "module_id": module,
        "date": "2026-03-30",
        "time": "10:00",
        "timezone": "Europe/Berlin",
        "duration_minutes": "90",
        "location": "Room 4",
        "capacity": "2",
        "facilitator": "Dana External",
        **fields,
    }
    response = client.post("/training/sessions/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_hr_sees_needs_but_never_answers_or_item_results(planner):
    html = planner.get("/training/").get_data(as_text=True)
    assert "Casey Chief" in html and "Chris Info" in html and "L1" in html
    for item in CEO.items:
        assert item.text.replace("'", "&#39;") not in html
    assert "Private remark" not in html
    assert "keyed answer" not in html.lower()
    exported = planner.get("/training/needs.csv")
    # named after its cycle, so that two quarters' files stay apart
    assert 'filename="training-needs-2026-Q4.csv"' in exported.headers["Content-Disposition"]
    csv_text = exported.data.decode("utf-8-sig")
    assert csv_text.splitlines()[0] == "name,email,role,domain,level,modules"
    assert "Private remark" not in csv_text


@pytest.mark.parametrize(
    "path",
    [
        "/gaps/2026-Q4",
        "/committee/",
        "/facts/2026-Q4",
        "/gaps/2026-Q4/export.csv",
        "/admin/people",
        "/committee/why?from=2026-Q4&to=2026-Q4",
    ],
)
def test_hr_is_refused_everything_that_shows_answers_or_gaps(planner, path):
    assert planner.get(path).status_code == 403


def test_hr_cannot_open_an_executives_results(planner):
    assert planner.get("/respond/2026-Q4/results").status_code == 403


def test_executives_cannot_use_the_planner(app, planner):
    ceo = app.test_client()
    log_in(ceo, "ceo@example.com")
    assert ceo.get("/training/").status_code == 403


def test_berlin_session_is_stored_in_utc_across_daylight_saving(app, planner):
    module = next(iter(CATALOGUE.training))
    before = new_session(planner, module, date="2026-03-28")
    after = new_session(planner, module, date="2026-03-30")
    with app.app_context():
        stored = {
            s.id: s.starts_at.replace(tzinfo=None)
            for s in db.session.scalars(select(TrainingSession))
        }
    assert stored[before] == dt.datetime(2026, 3, 28, 9, 0)
    assert stored[after] == dt.datetime(2026, 3, 30, 8, 0)
    page = planner.get(f"/training/sessions/{after}").get_data(as_text=True)
    assert "10:00 (Europe/Berlin)" in page


def test_invalid_time_zone_is_refused_clearly(planner):
    response = planner.post(
        "/training/sessions/new",
        data={
            "module_id": next(iter(CATALOGUE.training)),
            "date": "2026-03-30",
            "time": "10:00",
            "timezone": "Mars/Olympus",
            "duration_minutes": "90",
            "location": "x",
            "capacity": "2",
            "facilitator": "y",
        },
    )
    assert response.status_code == 200 and "Choose a time zone from the list" in response.get_data(
        as_text=True
    )


def test_suggested_people_and_capacity_is_enforced(app, planner):
    module = next(
        m
        for m in CATALOGUE.training.values()
        if "D1" in m.domains and "L1" in m.levels and {"ceo", "cio"} <= set(m.audience)
    )
    session_id = new_session(planner, module.id, capacity="1")
    page = planner.get(f"/training/sessions/{session_id}").get_data(as_text=True)
    with_need = page.split("<legend>People with this need</legend>", 1)[1].split("</fieldset>")[0]
    for address in ("ceo@example.com", "cio@example.com"):
        assert f'value="{person_id(app, address)}" checked' in with_need
    refused = planner.post(
        f"/training/sessions/{session_id}/assign",
        data={"email": ["ceo@example.com", "cio@example.com"]},
        follow_redirects=True,
    )
    assert "1 free place and 2 people were selected" in refused.get_data(as_text=True)
    planner.post(f"/training/sessions/{session_id}/assign", data={"email": ["ceo@example.com"]})
    full = planner.post(
        f"/training/sessions/{session_id}/assign",
        data={"email": ["cio@example.com"]},
        follow_redirects=True,
    )
    assert "0 free places" in full.get_data(as_text=True)
    with app.app_context():
        assert len(db.session.get(TrainingSession, session_id).attendees) == 1


def test_invitations_updates_and_cancellation_by_real_smtp(app, planner, smtp_server):  # noqa: F811
    controller, inbox = smtp_server
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    module = next(m for m in CATALOGUE.training.values() if "ceo" in m.audience)
    session_id = new_session(planner, module.id)
    planner.post(f"/training/sessions/{session_id}/assign", data={"email": ["ceo@example.com"]})
    planner.post(f"/training/sessions/{session_id}/invite")
    planner.post(
        f"/training/sessions/{session_id}/edit",
        data={
            "module_id": module.id,
            "date": "2026-03-31",
            "time": "11:00",
            "timezone": "Europe/Berlin",
            "duration_minutes": "60",
            "location": "Room 5",
            "capacity": "2",
            "facilitator": "Dana External",
        },
    )
    planner.post(f"/training/sessions/{session_id}/cancel")
    assert [m["To"] for m in inbox.messages] == ["ceo@example.com"] * 3
    calendars = []
    for raw in inbox.messages:
        parsed = email.message_from_bytes(raw.as_bytes(), policy=policy.default)
        attachment = next(
            p for p in parsed.iter_attachments() if p.get_content_type() == "text/calendar"
        )
        calendars.append(
            (
                attachment.get_param("method"),
                Calendar.from_ical(attachment.get_payload(decode=True)),
            )
        )
    methods = [m for m, _ in calendars]
    assert methods == ["REQUEST", "REQUEST", "CANCEL"]
    events = [c.events[0] for _, c in calendars]
    assert len({str(e["UID"]) for e in events}) == 1
    assert [e["SEQUENCE"] for e in events] == [0, 1, 2]
    assert events[1].start.astimezone(dt.UTC) == dt.datetime(2026, 3, 31, 9, 0, tzinfo=dt.UTC)
    assert str(events[1]["LOCATION"]) == "Room 5"
    assert [c["METHOD"] for _, c in calendars] == methods


def test_attendance_completion_and_completion_by_role(app, planner):
    module = next(
        m
        for m in CATALOGUE.training.values()
        if "D1" in m.domains and "L1" in m.levels and "ceo" in m.audience
    )
    session_id = new_session(planner, module.id)
    planner.post(f"/training/sessions/{session_id}/assign", data={"email": ["ceo@example.com"]})
    with app.app_context():
        person_id = db.session.get(TrainingSession, session_id).attendees[0].person_id
    planner.post(
        f"/training/sessions/{session_id}/attendance",
        data={"attended": [str(person_id)], "completed": [str(person_id)]},
    )
    html = planner.get("/training/").get_data(as_text=True)
    row = re.search(
        r"<td>CEO</td><td class=\"num\"[^>]*>(\d+)</td><td class=\"num\"[^>]*>(\d+)", html
    )
    assert row and int(row.group(2)) >= 1


def test_sessions_calendar_export(planner):
    module = next(iter(CATALOGUE.training))
    new_session(planner, module)
    response = planner.get("/training/sessions.ics")
    assert response.mimetype == "text/calendar"
    assert len(Calendar.from_ical(response.data).events) == 1


def test_training_effect_appears_once_the_next_cycle_is_in(app):
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(app, "2026-Q3", days_ago=100)
    open_test_cycle(app, "2026-Q4", days_ago=5)
    submit_answers(app, "ceo@example.com", weak_answers("ceo"), "2026-Q3")
    submit_answers(app, "ceo@example.com", complete_answers("ceo"), "2026-Q4")
    planner = app.test_client()
    log_in(planner, "coord@example.com")
    module = next(
        m for m in CATALOGUE.training.values() if "D1" in m.domains and "ceo" in m.audience
    )
    when = (dt.date.today() - dt.timedelta(days=50)).isoformat()
    session_id = new_session(planner, module.id, date=when)
    planner.post(f"/training/sessions/{session_id}/assign", data={"email": ["ceo@example.com"]})
    with app.app_context():
        person_id = db.session.get(TrainingSession, session_id).attendees[0].person_id
    planner.post(
        f"/training/sessions/{session_id}/attendance",
        data={"attended": [str(person_id)], "completed": [str(person_id)]},
    )
    pending = planner.get("/training/?cycle=2026-Q4").get_data(as_text=True)
    assert "Did it work?" not in pending and "once 2026-Q4 closes" in pending
    with app.app_context():
        close_cycle("2026-Q4")
    html = planner.get("/training/?cycle=2026-Q4").get_data(as_text=True)
    assert "Did it work? 2026-Q3 → 2026-Q4" in html
    assert "the change is not shown" in html  # one trained person: nothing to single out


def close_cycle(cycle_id: str) -> None:
    """Close the cycle through the write layer (inside an app context)."""
    cycle = queries.get_cycle(db.session, cycle_id)
    assert cycle is not None
    actions.cycles.change_status(SYSTEM, cycle, "close")
    db.session.commit()


def test_a_person_with_two_needs_one_module_covers_is_listed_and_assigned_once(app, planner):
    """Regression: the CEO's governance and accountability needs are both served by one
    module; the page listed the CEO twice, pre-ticked, and assigning gave a server error."""
    session_id = new_session(planner, "exec-asking-questions")
    page = planner.get(f"/training/sessions/{session_id}").get_data(as_text=True)
    ceo = f'value="{person_id(app, "ceo@example.com")}"'
    assert page.count(ceo) == 1
    line = page.split(ceo, 1)[1].split("</li>", 1)[0]
    assert "Governance" in line and "Roles, accountability" in line  # both needs named
    posted = planner.post(
        f"/training/sessions/{session_id}/assign",
        data={"email": ["ceo@example.com", "ceo@example.com", " CEO@example.com "]},
    )
    assert posted.status_code == 302
    with app.app_context():
        training = queries.get_training_session(db.session, session_id)
        assert [a.person.email for a in training.attendees] == ["ceo@example.com"]


def test_a_session_dated_in_the_past_is_saved_with_a_warning(planner):
    past = new_session(planner, "gov-risk-appetite", date="2026-03-30")
    page = planner.get(f"/training/sessions/{past}").get_data(as_text=True)
    assert "This session starts in the past (2026-03-30 10:00)" in page
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    upcoming = new_session(planner, "gov-risk-appetite", date=future)
    page = planner.get(f"/training/sessions/{upcoming}").get_data(as_text=True)
    assert "starts in the past" not in page and "Session scheduled" in page
