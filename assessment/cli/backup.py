"""Consistent backups while the app runs: SQLite's online backup, pg_dump for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from assessment.extensions import db


class BackupError(RuntimeError):
    """A backup or restore could not be made; the message says why."""


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """postgresql+psycopg://... as libpq expects it, with the password in the environment
    rather than on the command line (where `ps` would show it)."""
    parsed = make_url(url).set(drivername="postgresql")
    env = {**os.environ}
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    return parsed.set(password=None).render_as_string(hide_password=False), env


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not installed; install the PostgreSQL client tools")
    return found


def backup(url: str, target: Path) -> None:
    """Write a consistent copy of the database at ``url`` to ``target``."""
    backend = make_url(url).get_backend_name()
    if backend == "sqlite":
        # The online backup API copies a consistent snapshot even while others write.
        source, copy = sqlite3.connect(_sqlite_path(url)), sqlite3.connect(target)
        try:
            source.backup(copy)
        finally:
            copy.close()
            source.close()
    elif backend == "postgresql":
        _run(
            [
                _tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                f"--file={target}",
                f"--dbname={_libpq(url)[0]}",
            ],
            url,
        )
    else:
        raise BackupError(f"backups of {backend} databases are not supported")


def restore(url: str, source: Path) -> None:
    """Replace the database at ``url`` with the backup in ``source``."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    backend = make_url(url).get_backend_name()
    db.engine.dispose()  # no pooled connection may hold the old database open
    if backend == "sqlite":
        copy = sqlite3.connect(source)
        try:
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not an intact SQLite backup")
            target = sqlite3.connect(_sqlite_path(url))
            try:
                copy.backup(target)
            finally:
                target.close()
        except sqlite3.DatabaseError as error:
            raise BackupError(f"{source} is not a SQLite backup: {error}") from error
        finally:
            copy.close()
    elif backend == "postgresql":
        _run(
            [
                _tool("pg_restore"),
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={_libpq(url)[0]}",
                str(source),
            ],
            url,
        )
    else:
        raise BackupError(f"restores of {backend} databases are not supported")


def _run(command: list[str], url: str) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, env=_libpq(url)[1]
    )
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} failed")
