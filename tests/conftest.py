"""Shared fixtures: an app with a fresh database per test, a client and a CLI runner.

The suite runs on in-memory SQLite by default and on PostgreSQL when DATABASE_URL points at
one (CI runs it both ways). A PostgreSQL that cannot be reached is an error, never a skip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import text

from assessment import create_app, queries
from assessment.extensions import db
from assessment.passwords import hash_password

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
