"""F-08: nothing confidential may be cached; F-13: every export and training change is audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessment import queries
from assessment.extensions import db
from assessment.models import AuditEntry
from tests.conftest import (
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)

MODULE_DATE = {"date": "2026-03-30", "time": "10:00", "timezone": "Europe/Berlin"}


@pytest.fixture
def org(app, runner):
    """Two cycles with the CEO's answers, a committee chair, an HR coordinator, an admin, and a
    bearer token for each of the last three."""
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "chair@example.com", permissions=("committee",))
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(app, "2026-Q3", days_ago=100)
    open_test_cycle(app, "2026-Q4", days_ago=5)
    for cycle in ("2026-Q3", "2026-Q4"):
        submit_answers(app, "ceo@example.com", complete_answers("ceo"), cycle)
    tokens = {}
    for who in ("admin", "chair", "coord"):
        issued = runner.invoke(args=["tokens", "create", f"{who}@example.com"])
        assert issued.exit_code == 0, issued.output
        tokens[who] = {"Authorization": f"Bearer {issued.output.strip().splitlines()[-1]}"}
    return tokens


def signed_in(app, email: str):
    client = app.test_client()
    assert log_in(client, email).status_code == 302
    return client


def entries(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (e.actor, e.action, e.target)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


WEB = {
    "chair@example.com": [
        "/gaps/2026-Q4/export.csv",
        "/gaps/2026-Q4/export.xlsx",
        "/gaps/2026-Q4/export.pdf",
        "/gaps/2026-Q4/export.json",
        "/gaps/2026-Q4/chart.svg",
        "/committee/pack/2026-Q4.pdf",
        "/committee/chart/roles.svg",
        "/committee/chart/domains.svg",
        "/committee/chart/optimism.svg",
        "/gaps/2026-Q4",
    ],
    "coord@example.com": ["/training/needs.csv?cycle=2026-Q4", "/training/sessions.ics"],
}
API = {
    "chair": [
        "/api/v1/cycles/2026-Q4/scores",
        "/api/v1/cycles/2026-Q4/gaps",
        "/api/v1/trends?from=2026-Q3&to=2026-Q4",
    ],
    "coord": ["/api/v1/cycles/2026-Q4/training-needs"],
    "admin": ["/api/v1/people", "/api/v1/cycles"],
}


def test_headers_no_store_on_every_export_chart_and_api_answer(app, org):
    """F-08 (HD-06): exports, charts, the pack, calendars and API answers name people and their
    scores; none may be kept by a browser or proxy cache."""
    answered = []
    for email, paths in WEB.items():
        client = signed_in(app, email)
        answered += [(path, client.get(path)) for path in paths]
    for who, paths in API.items():
        answered += [(path, app.test_client().get(path, headers=org[who])) for path in paths]
    assert [p for p, r in answered if r.status_code != 200] == []
    # Errors too: a problem+json answer may quote what was asked for.
    answered.append(("/api/v1/nothing", app.test_client().get("/api/v1/nothing")))
    for path, response in answered:
        assert response.headers.get("Cache-Control") == "no-store", path
        assert response.headers.get("Pragma") == "no-cache", path
    assert {r.mimetype for _, r in answered} >= {
        "text/csv",
        "application/pdf",
        "application/json",
        "image/svg+xml",
        "text/calendar",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/problem+json",
    }


def test_headers_allow_caching_static_files_and_the_openapi_document(client):
    """F-08: public files stay cacheable: the stylesheet, the script, the API description."""
    for path in ("/static/app.css", "/static/respond.js", "/api/v1/openapi.json"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "no-store" not in response.headers.get("Cache-Control", ""), path
        assert "Pragma" not in response.headers, path
        response.close()


def test_api_training_needs_and_trends_exports_are_audited(app, org):
    """F-13 (AU-09): the API's training needs (people, roles, levels) and trends leave the app
    like scores and gaps do, and are audited the same way."""
    api = app.test_client()
    assert api.get("/api/v1/cycles/2026-Q4/training-needs", headers=org["coord"]).status_code == 200
    trends = api.get("/api/v1/trends?from=2026-Q3&to=2026-Q4", headers=org["chair"])
    assert trends.status_code == 200
    assert entries(app)[-2:] == [
        ("coord@example.com", "export", "api-training-needs-2026-Q4"),
        ("chair@example.com", "export", "api-trends-2026-Q3-2026-Q4"),
    ]
    before = entries(app)
    assert (
        api.get("/api/v1/trends?from=2026-Q3&to=2099-Q1", headers=org["chair"]).status_code == 404
    )
    assert entries(app) == before  # nothing left the app


def test_gap_export_of_an_unknown_format_is_404_without_an_audit_entry(app, org):
    """F-13 (AU-11): the format is checked before auditing, so a 404 writes no "export" entry
    carrying text the caller chose."""
    chair = signed_in(app, "chair@example.com")
    before = entries(app)
    assert chair.get("/gaps/2026-Q4/export.evil%3Cb%3E").status_code == 404
    assert chair.get("/gaps/2026-Q4/export.html").status_code == 404
    assert entries(app) == before
    assert chair.get("/gaps/2026-Q4/export.csv").status_code == 200
    assert entries(app)[-1] == ("chair@example.com", "export", "gap-report-2026-Q4.csv")


def test_training_needs_csv_audit_target_names_the_cycle(app, org):
    """F-13: the needs CSV's audit entry says which cycle's levels were exported."""
    coord = signed_in(app, "coord@example.com")
    assert coord.get("/training/needs.csv?cycle=2026-Q3").status_code == 200
    assert coord.get("/training/needs.csv").status_code == 200  # the latest scored cycle
    assert entries(app)[-2:] == [
        ("coord@example.com", "export", "training-needs-2026-Q3.csv"),
        ("coord@example.com", "export", "training-needs-2026-Q4.csv"),
    ]


def test_training_session_changes_are_each_audited(app, org):
    """F-13 (AU-12): scheduling, assigning, attendance and cancelling a session (which decide
    who counts as trained) each leave an entry."""
    coord = signed_in(app, "coord@example.com")
    module = next(m for m in shipped_catalogue().training.values() if "ceo" in m.audience)
    created = coord.post(
        "/training/sessions/new",
        data={
            "module_id": module.id,
            **MODULE_DATE,
            "duration_minutes": "60",
            "location": "Room 4",
            "capacity": "5",
            "facilitator": "Dana",
        },
    )
    assert created.status_code == 302
    session_id = int(created.headers["Location"].rsplit("/", 1)[1])
    base = f"/training/sessions/{session_id}"
    coord.post(f"{base}/assign", data={"email": ["ceo@example.com"]})
    with app.app_context():
        ceo = queries.find_person_by_email(db.session, "ceo@example.com")
        assert ceo is not None
        ceo_id = str(ceo.id)
    coord.post(f"{base}/attendance", data={"attended": [ceo_id], "completed": [ceo_id]})
    coord.post(f"{base}/cancel")
    target = f"training-session-{session_id}"
    recorded = [e for e in entries(app) if e[2] == target]
    assert recorded == [
        ("coord@example.com", action, target)
        for action in (
            "training_session_scheduled",
            "training_attendees_assigned",
            "training_attendance_recorded",
            "training_session_cancelled",
        )
    ]
