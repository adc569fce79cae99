"""Backup while running, then restore into a fresh database: every table comes back equal."""

from __future__ import annotations

from sqlalchemy import create_engine, inspect, select, text

from assessment.extensions import db
from tests.conftest import (
    DATABASE_URL,
    add_user,
    complete_answers,
    open_test_cycle,
    submit_answers,
    using_postgres,
)


def table_rows(url: str) -> dict[str, list[tuple]]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            names = sorted(inspect(connection).get_table_names())
            return {
                name: sorted(
                    tuple(map(str, row))
                    for row in connection.execute(text(f'SELECT * FROM "{name}"'))
                )
                for name in names
            }
    finally:
        engine.dispose()


def fill(app) -> None:
    add_user(app, "ceo@example.com", role="ceo", name="Casey «Chief» 🔐")
    add_user(app, "admin@example.com", permissions=("admin",))
    open_test_cycle(app)
    submit_answers(app, "ceo@example.com", complete_answers("ceo"))
    with app.app_context():
        from assessment.actions import SYSTEM, audit

        audit.record(SYSTEM, "backup_test", "before")
        db.session.commit()


def fresh_postgres_database(name: str) -> str:
    admin = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return DATABASE_URL.rsplit("/", 1)[0] + f"/{name}"


def test_backup_and_restore_into_a_fresh_database(app_factory, tmp_path):
    if using_postgres():
        source_url = DATABASE_URL
        target_url = fresh_postgres_database("assessment_restore_test")
    else:
        source_url = f"sqlite:///{tmp_path / 'live.db'}"
        target_url = f"sqlite:///{tmp_path / 'fresh.db'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=source_url)
    fill(app)
    backup_file = tmp_path / "backup.bin"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 0

    fresh = app_factory(SQLALCHEMY_DATABASE_URI=target_url)
    with fresh.app_context():
        db.drop_all()  # a brand-new, empty database
    restored = fresh.test_cli_runner().invoke(args=["restore", str(backup_file), "--yes"])
    assert restored.exit_code == 0, restored.output
    original, copy = table_rows(source_url), table_rows(target_url)
    assert original.keys() == copy.keys() and "answer" in copy and "audit_entry" in copy
    for table in original:
        assert copy[table] == original[table], table
    with fresh.app_context():
        from assessment.actions import audit
        from assessment.models import Person

        assert audit.verify() is None  # the restored audit chain is intact
        assert db.session.scalar(select(Person.name).where(Person.role == "ceo")) == (
            "Casey «Chief» 🔐"
        )


def test_restore_refuses_a_missing_or_broken_file(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    runner = app.test_cli_runner()
    missing = runner.invoke(args=["restore", str(tmp_path / "nope.db"), "--yes"])
    assert missing.exit_code == 1 and "does not exist" in missing.output
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    broken = runner.invoke(args=["restore", str(junk), "--yes"])
    assert broken.exit_code == 1 and "is not a SQLite backup" in broken.output


def test_restore_asks_before_replacing_at_a_terminal(app_factory, tmp_path, monkeypatch):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    monkeypatch.setattr("assessment.cli.commands._interactive", lambda: True)
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "x.db")], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    monkeypatch.setattr("assessment.cli.commands._interactive", lambda: False)
    scripted = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "x.db")])
    assert "does not exist" in scripted.output  # no question without a terminal
