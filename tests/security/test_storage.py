"""F-14: the database, its WAL, the instance folder and backups are readable by the owner only.

These tests use a SQLite file of their own whichever database the suite runs on, so they
run on the PostgreSQL pass too; the backup test then writes a pg_dump file instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assessment.extensions import db
from tests.conftest import DATABASE_URL, add_user, using_postgres


@pytest.fixture(autouse=True)
def usual_umask():
    """The umask most servers run with (0022), which made every file world-readable: the
    protection must not depend on the environment being stricter than that."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777


def test_factory_creates_the_instance_folder_owner_only(app):
    """F-14 (HD-09): the folder holding the database, the key and the audit anchor is 0700."""
    assert mode(Path(app.instance_path)) == 0o700


def test_factory_tightens_an_existing_world_readable_instance_folder(app_factory, tmp_path):
    """F-14: an instance folder created by an older version (0755) is made owner-only."""
    instance = tmp_path / "instance"
    instance.mkdir()
    instance.chmod(0o755)
    app_factory()
    assert mode(instance) == 0o700


def test_sqlite_database_and_its_wal_files_are_owner_only(app_factory, tmp_path):
    """F-14 (HD-09): a new SQLite database, its -wal and -shm files are 0600, not 0644."""
    database = tmp_path / "instance" / "assessment.db"
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    add_user(app, "ceo@example.com", role="ceo")  # a write: the WAL now holds answers' kin
    files = [database, Path(f"{database}-wal"), Path(f"{database}-shm")]
    assert [(f.name, f.exists() and mode(f)) for f in files] == [(f.name, 0o600) for f in files]


def test_sqlite_relative_database_path_is_created_owner_only(app_factory, tmp_path):
    """F-14: a relative SQLite path lives in the instance folder and is created 0600 there."""
    app = app_factory(SQLALCHEMY_DATABASE_URI="sqlite:///relative.db")
    add_user(app, "ceo@example.com", role="ceo")
    assert mode(tmp_path / "instance" / "relative.db") == 0o600


def test_sqlite_database_left_world_readable_by_an_older_version_is_tightened(
    app_factory, tmp_path
):
    """F-14: an existing 0644 database (and its WAL) is made 0600 when the app connects."""
    database = tmp_path / "old.db"
    database.touch(mode=0o644)
    database.chmod(0o644)
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{database}")
    add_user(app, "ceo@example.com", role="ceo")
    assert mode(database) == 0o600 and mode(Path(f"{database}-wal")) == 0o600


def test_backup_and_its_anchor_copy_are_owner_only(app_factory, tmp_path):
    """F-14 (HD-09): `assessment backup` output and the audit anchor next to it are 0600, also
    when an older world-readable file of the same name is overwritten."""
    url = DATABASE_URL if using_postgres() else f"sqlite:///{tmp_path / 'live.db'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "a@example.com", "--name", "A"]).exit_code == 0
    fresh, overwritten = tmp_path / "fresh.bak", tmp_path / "old.bak"
    overwritten.write_bytes(b"")
    overwritten.chmod(0o644)
    for target in (fresh, overwritten):
        result = runner.invoke(args=["backup", "-o", str(target)])
        assert result.exit_code == 0, result.output
        assert mode(target) == 0o600, target
        assert mode(Path(f"{target}.anchor.jsonl")) == 0o600, target


def test_restore_creates_a_missing_sqlite_database_owner_only(app_factory, tmp_path):
    """F-14: restoring into a SQLite file that does not exist yet creates it 0600."""
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    add_user(app, "ceo@example.com", role="ceo")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", "-o", str(tmp_path / "b.db")]).exit_code == 0
    target = tmp_path / "elsewhere.db"
    other = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{target}")
    with other.app_context():
        db.engine.dispose()  # SQLite removes the -wal and -shm files with the last connection
    target.unlink()
    restored = other.test_cli_runner().invoke(args=["restore", str(tmp_path / "b.db"), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert mode(target) == 0o600
