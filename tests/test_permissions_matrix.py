"""Every route, every persona: the answer must be exactly what docs/permissions.md says."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from assessment import ROOT, queries
from assessment.extensions import db
from assessment.models import TrainingSession
from tests.conftest import add_user, log_in, open_test_cycle

DOC = ROOT / "docs" / "permissions.md"
PERSONAS = (
    "anonymous",
    "ceo",
    "cio",
    "it_manager",
    "hr",
    "legal",
    "fact_owner",
    "hr_coordinator",
    "committee",
    "admin",
)
ACCOUNTS = {
    "ceo": dict(role="ceo"),
    "cio": dict(role="cio"),
    "it_manager": dict(role="it_manager"),
    "hr": dict(role="hr"),
    "legal": dict(role="legal"),
    "fact_owner": dict(role="it_manager", permissions=("fact_owner",)),
    "hr_coordinator": dict(permissions=("hr_coordinator",)),
    "committee": dict(permissions=("committee",)),
    "admin": dict(permissions=("admin",)),
}


def read_matrix() -> dict[tuple[str, str], dict[str, str]]:
    matrix = {}
    for line in DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 + len(PERSONAS) and cells[0] in ("GET", "POST", "PUT", "PATCH"):
            key = (cells[0], cells[1])
            assert key not in matrix, f"duplicate row for {key}"
            matrix[key] = dict(zip(PERSONAS, cells[3:], strict=True))
    return matrix


MATRIX = read_matrix()


def routes(app) -> set[tuple[str, str]]:
    return {
        (method, rule.endpoint)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_every_route_has_exactly_one_row_and_every_row_a_route(app):
    assert routes(app) == set(MATRIX), "docs/permissions.md and the app's routes differ"


def test_matrix_uses_only_known_values():
    assert {v for row in MATRIX.values() for v in row.values()} <= {
        "public",
        "yes",
        "no",
        "kept",
        "token",
    }


@pytest.fixture
def world(app):
    for persona, options in ACCOUNTS.items():
        add_user(app, f"{persona}@example.com", name=persona, **options)
    open_test_cycle(app)
    with app.app_context():
        training = queries.add_training_session(
            db.session,
            uid="s-1@test",
            module_id="ir-exec-tabletop",
            starts_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=7),
            timezone="UTC",
            duration_minutes=60,
            location="Room",
            capacity=5,
            facilitator="F",
        )
        db.session.commit()
        training_session_id = training.id
    return {
        "cycle_id": "2026-Q4",
        "number": 1,
        "fact_id": "mfa_remote_access",
        "training_session_id": training_session_id,
        "fmt": "csv",
        "kind": "roles",
        "token": "not-a-token",
        "filename": "app.css",
        "questionnaire": "ceo",
        "cycle": "2026-Q4",
        "person_id": 1,  # the CEO, added first
        "key": "no-such-provider",  # an organisation's single sign-on: none is set here
    }


def url_for_rule(rule, values) -> str:
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), path)
    if rule.endpoint in ("committee.why", "api.get_trends"):
        path += "?from=2026-Q4&to=2026-Q4"
    return path


def judge(response) -> str:
    location = response.headers.get("Location", "")
    if response.status_code in (401, 403) or location.startswith("/login"):
        return "no"
    assert response.status_code < 500, response.status_code
    return "yes"


@pytest.mark.parametrize("persona", PERSONAS)
def test_persona_gets_exactly_the_allowed_answer(app, world, persona):
    client = app.test_client()
    if persona != "anonymous":
        assert log_in(client, f"{persona}@example.com").status_code == 302
    wrong = []
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    for rule in rules:
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if (method, rule.endpoint) == ("POST", "auth.logout"):
                continue  # checked last: it ends the session
            expected = MATRIX[(method, rule.endpoint)][persona]
            response = client.open(
                url_for_rule(rule, world), method=method, data={} if method == "POST" else None
            )
            got = judge(response)
            body = response.get_data().decode("utf-8", "replace")
            response.close()  # static files are streamed from disk
            if expected == "public":
                ok = got == "yes"
            elif expected == "token":  # sessions never authorise the API
                ok = response.status_code == 401 and response.mimetype == "application/problem+json"
            elif expected == "kept":
                ok = "Your answers are kept" in body
            else:
                ok = got == expected
            if not ok:
                wrong.append(
                    f"{method} {rule.rule}: expected {expected}, got "
                    f"{response.status_code} {response.headers.get('Location', '')}"
                )
    assert not wrong, "\n".join(wrong)
    # logging out always lands on the log-in page; afterwards nothing private is reachable
    assert client.post("/logout").headers["Location"] == "/login"
    assert client.get("/").headers["Location"].startswith("/login")


def test_training_session_fixture_exists(app, world):
    with app.app_context():
        assert db.session.scalar(select(TrainingSession.id)) == world["training_session_id"]
