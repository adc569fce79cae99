import os
import stat
from pathlib import Path

import pytest

from assessment import create_app, normalise_database_url


@pytest.fixture
def instance(tmp_path, monkeypatch):
    path = tmp_path / "instance"
    monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(path))
    for name in ("DATABASE_URL", "SECRET_KEY", "BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    return path


def test_factory_defaults_to_sqlite_in_instance_folder(instance):
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'assessment.db'}"
    assert not app.testing


def test_factory_reads_database_url_from_environment(instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.internal:5432/assessment")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u:p@db.internal:5432/assessment"
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://h/db", "postgresql+psycopg://h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:////tmp/x.db", "sqlite:////tmp/x.db"),
    ],
    ids=["plain-postgresql", "already-psycopg", "sqlite-untouched"],
)
def test_normalise_database_url_picks_psycopg(given, expected):
    assert normalise_database_url(given) == expected


def test_secret_key_generated_once_and_kept_private(instance):
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second
    assert len(first) == 64
    key_file = instance / "secret_key"
    assert key_file.read_text() == first
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600


def test_secret_key_differs_between_installations(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    keys = set()
    for name in ("a", "b"):
        monkeypatch.setenv("ASSESSMENT_INSTANCE_PATH", str(tmp_path / name))
        keys.add(create_app().config["SECRET_KEY"])
    assert len(keys) == 2


def test_secret_key_from_environment_wins(instance, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    assert create_app().config["SECRET_KEY"] == "from-the-environment"
    assert not Path(instance / "secret_key").exists()


def test_prefixed_environment_variables_are_parsed(instance, monkeypatch):
    monkeypatch.setenv("ASSESSMENT_SESSION_COOKIE_SECURE", "true")
    monkeypatch.setenv("ASSESSMENT_PROXY_FIX_HOPS", "1")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PROXY_FIX_HOPS"] == 1


def test_session_cookie_is_httponly_and_lax_by_default(instance):
    app = create_app()
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_test_config_overrides_defaults(instance):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.testing
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


def test_sqlite_files_use_write_ahead_logging_and_full_sync(instance):
    from sqlalchemy import text

    from assessment.extensions import db

    app = create_app()
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
    assert "pool_pre_ping" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]


def test_server_databases_keep_pinging_pooled_connections(instance, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@127.0.0.1:1/x")
    assert create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]["pool_pre_ping"] is True
