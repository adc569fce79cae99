"""Consistent backups while the app runs: SQLite's online backup, pg_dump for PostgreSQL.

A backup holds every attributed answer: it is written readable by its owner only (0600), and
so is the copy of the audit anchor written next to it, and so are the evidence files attached
to facts, copied into the folder ``FILE.evidence`` (0700) beside it.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import shutil
import sqlite3
import subprocess
import tempfile
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


def anchor_copy_of(backup_file: Path) -> Path:
    """Where the audit anchor travels with a backup: ``FILE.anchor.jsonl``."""
    return backup_file.with_name(backup_file.name + ".anchor.jsonl")


def _create_private(path: Path) -> None:
    """Create ``path`` empty with mode 0600 unless it exists: a tool writing into it later
    keeps that mode, where a file it created itself would follow the umask (often 0644)."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _make_private(path: Path) -> None:
    try:
        os.chmod(path, 0o600)
    except OSError as error:
        raise BackupError(f"{path} could not be made private (mode 0600): {error}") from error


def _private_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` (mode 0600), replacing it in one step."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(source.read_bytes())
        os.replace(name, target)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def backup(url: str, target: Path, anchor: Path | None = None) -> Path | None:
    """Write a consistent copy of the database at ``url`` to ``target``, and the audit
    ``anchor`` file (when there is one) next to it; returns where the anchor copy went."""
    copied = anchor_copy_of(target)
    try:
        if anchor is not None and anchor.exists():
            # Copied before the database: the copy may lag the database, which is harmless,
            # but never lead it, which `audit verify` would report as entries cut from the end.
            _private_copy(anchor, copied)
        else:
            copied.unlink(missing_ok=True)  # a stale copy would not match this backup
        _create_private(target)
    except OSError as error:
        raise BackupError(f"cannot write {target}: {error.strerror}") from error
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
    _make_private(target)
    return copied if copied.exists() else None


def restore(url: str, source: Path, anchor: Path | None = None) -> list[str]:
    """Replace the database at ``url`` with the backup in ``source``, and the audit ``anchor``
    with the copy next to the backup when there is one; returns notes for the operator."""
    if not source.exists():
        raise BackupError(f"{source} does not exist")
    backend = make_url(url).get_backend_name()
    db.engine.dispose()  # no pooled connection may hold the old database open
    if backend == "sqlite":
        copy = sqlite3.connect(source)
        try:
            if copy.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{source} is not an intact SQLite backup")
            _create_private(_sqlite_path(url))
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
    return _restore_anchor(anchor_copy_of(source), anchor) if anchor is not None else []


def _restore_anchor(copied: Path, anchor: Path) -> list[str]:
    """The backup's anchor replaces the current one, which is kept aside: it is the only
    record of the audit entries written after the backup."""
    if not copied.exists():
        if not anchor.exists():
            return []
        return [
            f"No {copied.name} next to the backup: {anchor} is kept. If the backup is older than "
            "the anchor's newest checkpoint, `audit verify` reports entries removed from the end."
        ]
    notes = []
    if anchor.exists():
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = anchor.with_name(f"{anchor.name}.before-restore-{stamp}")
        os.replace(anchor, aside)
        notes.append(f"The previous audit anchor is kept as {aside}")
    _private_copy(copied, anchor)
    notes.append(f"Audit anchor restored from {copied}")
    return notes


def evidence_copy_of(backup_file: Path) -> Path:
    """Where attached evidence files travel with a backup: the folder ``FILE.evidence``."""
    return backup_file.with_name(backup_file.name + ".evidence")


def backup_evidence(evidence_dir: Path, backup_file: Path) -> tuple[Path, int] | None:
    """Copy the evidence files next to a backup just written (owner-only); returns the folder
    and how many files it holds, or None when there are none. Run after the database copy:
    every file the copied rows name exists by then (files are written before their rows and
    never change, being named by their content), and a newer file more is harmless."""
    return _copy_files(evidence_dir, evidence_copy_of(backup_file))


def restore_evidence(backup_file: Path, evidence_dir: Path) -> list[str]:
    """Put back the evidence files that travelled with a backup. Files already there stay:
    a name is the content's hash, so the same name always holds the same bytes."""
    copied = _copy_files(evidence_copy_of(backup_file), evidence_dir)
    if copied is None:
        return [f"No evidence files next to the backup; {evidence_dir} is left as it is."]
    return [f"Evidence files restored into {copied[0]} ({copied[1]} files)"]


def _copy_files(source: Path, target: Path) -> tuple[Path, int] | None:
    files = [f for f in source.iterdir() if f.is_file()] if source.is_dir() else []
    if not files:
        return None
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        for file in files:
            if not (target / file.name).exists():
                _private_copy(file, target / file.name)
    except OSError as error:
        raise BackupError(f"cannot copy evidence files to {target}: {error.strerror}") from error
    return target, sum(1 for f in target.iterdir() if f.is_file() and not f.name.startswith("."))


def _run(command: list[str], url: str) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, check=False, env=_libpq(url)[1]
    )
    if result.returncode != 0:
        raise BackupError(result.stderr.strip() or f"{command[0]} failed")


# Organisations after the first keep their audit anchors in files of their own.
ORGANISATION_ANCHORS = "audit-anchor-*.jsonl"


def backup_organisation_anchors(instance: Path, target: Path) -> int:
    """Copy the other organisations' audit anchors next to a backup about to be written
    (``FILE.anchor-N.jsonl``); before the database, like the first anchor. Returns how many."""
    for stale in target.parent.glob(glob.escape(target.name) + ".anchor-*.jsonl"):
        stale.unlink()  # they would not match this backup
    copied = 0
    for anchor in sorted(instance.glob(ORGANISATION_ANCHORS)):
        suffix = anchor.name.removeprefix("audit-anchor-")
        _private_copy(anchor, target.with_name(f"{target.name}.anchor-{suffix}"))
        copied += 1
    return copied


def restore_organisation_anchors(source: Path, instance: Path) -> list[str]:
    """Put back the other organisations' anchors that travelled with a backup."""
    notes: list[str] = []
    prefix = source.name + ".anchor-"
    for copied in sorted(source.parent.glob(glob.escape(prefix) + "*.jsonl")):
        suffix = copied.name.removeprefix(prefix)
        notes += _restore_anchor(copied, instance / f"audit-anchor-{suffix}")
    return notes
