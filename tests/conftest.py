"""Shared fixtures: an app with a fresh database per test, a client and a CLI runner.

The suite runs on in-memory SQLite by default and on PostgreSQL when DATABASE_URL points at
one (CI runs it both ways). A PostgreSQL that cannot be reached is an error, never a skip.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from assessment import ROOT, create_app, queries
from assessment.catalogue import _load_cached, _signature
from assessment.extensions import db
from assessment.models import Cycle, Person
from assessment.services.content.definitions import ROLES, Catalogue, Questionnaire
from assessment.services.security.passwords import hash_password

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
DATABASE_URL = os.environ.get("DATABASE_URL") or "sqlite://"
PASSWORD = "correct horse battery staple"


def using_postgres() -> bool:
    return DATABASE_URL.startswith(("postgres", "postgresql"))


def reset_database() -> None:
    """Drop everything, including Alembic's bookkeeping, so each test starts empty."""
    db.drop_all()
    with db.engine.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS alembic_version"))


def make_app(tmp_path: Any, **overrides: Any) -> Flask:
    config: dict[str, Any] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "BASE_URL": "http://assessment.test",
    }
    config.update(overrides)
    os.environ["ASSESSMENT_INSTANCE_PATH"] = str(tmp_path / "instance")
    try:
        return create_app(config)
    finally:
        del os.environ["ASSESSMENT_INSTANCE_PATH"]


@pytest.fixture
def app_factory(tmp_path: Any) -> Iterator[Callable[..., Flask]]:
    """Build apps with extra configuration and an empty schema; disposed after the test."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        app = make_app(tmp_path, **overrides)
        with app.app_context():
            reset_database()
            db.create_all()
            # ``assessment db upgrade`` creates it too: every installation has one.
            queries.ensure_default_organisation(db.session)
            db.session.commit()
        built.append(app)
        return app

    yield build
    for app in built:
        with app.app_context():
            db.session.remove()
            reset_database()
            db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Flask:
    return app_factory()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def add_user(
    app: Flask,
    email: str,
    *,
    role: str | None = None,
    permissions: tuple[str, ...] = (),
    name: str = "Test Person",
    password: str = PASSWORD,
    active: bool = True,
) -> int:
    """Create a person with an account; returns the account id."""
    with app.app_context():
        person = queries.create_person_with_account(
            db.session,
            email=email,
            name=name,
            role=role,
            permissions=permissions,
            password_hash=hash_password(password),
        )
        assert person.account is not None
        person.account.active = active
        db.session.commit()
        return person.account.id


def log_in(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": email, "password": password})


def open_test_cycle(app: Flask, cycle_id: str = "2026-Q4", days_ago: int = 5) -> None:
    """A cycle that opened ``days_ago`` with the current questionnaire of every role pinned."""
    with app.app_context():
        cycle = queries.create_cycle(
            db.session,
            cycle_id,
            dt.date.today() - dt.timedelta(days=days_ago),
            dt.date.today() + dt.timedelta(days=30),
        )
        versions = {}
        for role in ROLES:
            current = shipped_catalogue().current(role)
            assert current is not None
            versions[role] = (current.id, current.version)
        queries.open_cycle(db.session, cycle, versions)
        db.session.commit()


def shipped_catalogue() -> Catalogue:
    """The shipped questionnaire files, loaded once per session through the app's cache."""
    root = ROOT / "questionnaires"
    return _load_cached(str(root), _signature(root))


def complete_answers(role: str, form: Questionnaire | None = None) -> dict[str, object]:
    """A valid answer to every item of ``form``, by default the form a first cycle pins for
    the role."""
    questionnaire = form or shipped_catalogue().current_form(role)
    assert questionnaire is not None
    answers: dict[str, object] = {}
    for item in questionnaire.items:
        if item.is_sure_tap:
            answers[item.id] = 5
        elif item.on_scale:  # Likert, confidence, climate pulse
            answers[item.id] = 4
        elif item.type == "comment":
            answers[item.id] = "Thank you"
        else:
            answers[item.id] = item.correct_choice or item.choices[0].id
    return answers


def submit_answers(
    app: Flask, email: str, answers: dict[str, object], cycle_id: str = "2026-Q4"
) -> None:
    """Store and submit a complete response for the person, as the form would."""
    with app.app_context():
        person = queries.find_person_by_email(db.session, email)
        cycle = queries.get_cycle(db.session, cycle_id)
        assert person is not None and cycle is not None
        response = queries.start_response(db.session, person, cycle)
        queries.save_answers(db.session, response, answers)
        assert queries.submit_response(db.session, response, "1")
        db.session.commit()


@pytest.fixture
def in_cycle(app: Flask) -> Iterator[tuple[Cycle, Person]]:
    """Inside an app context: the open cycle and its CEO, not yet answering."""
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, "2026-Q4")
    with app.app_context():
        cycle = queries.get_cycle(db.session, "2026-Q4")
        person = queries.find_person_by_email(db.session, "ceo@example.com")
        assert cycle is not None and person is not None
        yield cycle, person
