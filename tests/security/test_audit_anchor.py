"""F-06: the audit log cannot be cut short or wiped quietly.

Each attack is done the way the review did it: SQL behind the application's back, by someone
who holds the database (and, where said, the instance folder) but not the secret key.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import pytest
from sqlalchemy import select, text

from assessment.actions import SYSTEM, audit
from assessment.extensions import db
from assessment.models import AuditEntry, AuditHead
from tests.conftest import DATABASE_URL, using_postgres

ACCOUNTS = 4
TOKENS = 22
ENTRIES = ACCOUNTS + TOKENS  # each account creation and each token is one audited commit


@pytest.fixture
def logged(app, runner):
    """A log of 26 entries written through the command line, one commit (checkpoint) each."""
    for n in range(ACCOUNTS):
        created = runner.invoke(
            args=["users", "create", f"user{n}@example.com", "--name", f"User {n}"]
        )
        assert created.exit_code == 0, created.output
    for n in range(TOKENS):
        issued = runner.invoke(args=["tokens", "create", f"user{n % ACCOUNTS}@example.com"])
        assert issued.exit_code == 0, issued.output
    return app


def anchor(app) -> Path:
    return Path(app.instance_path) / "audit-anchor.jsonl"


def checkpoints(app) -> list[dict[str, object]]:
    return [json.loads(line) for line in anchor(app).read_text().splitlines()]


def sql(app, *statements: str) -> None:
    with app.app_context():
        for statement in statements:
            db.session.execute(text(statement))
        db.session.commit()


def roll_back_tail(app, removed: int) -> None:
    """AU-05: delete the newest entries and set the head to the newest survivor, copying its
    stored hash; without the key the head's MAC cannot be recomputed, so it is left alone."""
    sql(
        app,
        f"DELETE FROM audit_entry WHERE id > (SELECT MAX(id) - {removed} FROM audit_entry)",
        "UPDATE audit_head SET count = (SELECT MAX(id) FROM audit_entry),"
        " last_hash = (SELECT hash FROM audit_entry"
        "  WHERE id = (SELECT MAX(id) FROM audit_entry))",
    )


def verify(runner) -> tuple[int, str]:
    result = runner.invoke(args=["audit", "verify"])
    return result.exit_code, result.output.strip()


def test_audit_verify_is_intact_after_ordinary_use(logged, runner):
    """F-06: the new checks raise no false alarm on an untouched log, and every commit that
    appended an entry left one signed checkpoint outside the database."""
    assert verify(runner) == (0, "audit log intact")
    assert [c["count"] for c in checkpoints(logged)] == list(range(1, ENTRIES + 1))
    with logged.app_context():
        head = db.session.get(AuditHead, 1)
        assert checkpoints(logged)[-1]["hash"] == head.last_hash and head.mac


def test_audit_verify_catches_the_newest_twenty_removed_and_the_head_rolled_back(logged, runner):
    """F-06 (AU-05): the review's truncation, which used to print "audit log intact"."""
    roll_back_tail(logged, 20)
    code, output = verify(runner)
    assert code == 1
    assert output == (
        f"audit log broken: the anchor file records {ENTRIES} entries but the log ends after "
        f"{ENTRIES - 20}: entries were removed from the end and the head rolled back"
    )


def test_audit_verify_catches_a_rolled_back_head_by_its_mac_without_the_anchor(logged, runner):
    """F-06 (AU-05): with the anchor file deleted as well, the head's MAC still gives the
    rollback away, since it was computed for the newest entry and the key is needed for another."""
    anchor(logged).unlink()
    roll_back_tail(logged, 20)
    code, output = verify(runner)
    assert code == 1
    assert output == (
        f"audit log broken: the audit head (entry {ENTRIES - 20}) carries no valid MAC: "
        "it was rolled back or edited without the key"
    )


def test_audit_verify_refuses_a_head_whose_mac_was_cleared_to_look_legacy(logged, runner):
    """F-06 (AU-05): clearing the MAC (as if written before MACs) and cutting the anchor's
    newest lines does not pass: once checkpoints exist, every head carries a MAC."""
    roll_back_tail(logged, 20)
    sql(logged, "UPDATE audit_head SET mac = NULL")
    kept = anchor(logged).read_text().splitlines()[: ENTRIES - 20]
    anchor(logged).write_text("\n".join(kept) + "\n")
    code, output = verify(runner)
    assert code == 1
    assert output == "audit log broken: the audit head has no MAC although checkpoints were written"


def test_audit_verify_catches_a_wiped_log(logged, runner):
    """F-06 (AU-06): every entry and the head deleted, which used to print "audit log intact"."""
    sql(logged, "DELETE FROM audit_entry", "DELETE FROM audit_head")
    code, output = verify(runner)
    assert code == 1
    assert output == (
        f"audit log broken: the anchor file records {ENTRIES} entries but the log is empty: "
        "the audit log was wiped"
    )


def test_audit_verify_catches_a_wiped_log_without_the_anchor_while_accounts_exist(logged, runner):
    """F-06 (AU-06): with the anchor gone too, an empty log while accounts exist is a wipe,
    since every account's creation is audited."""
    sql(logged, "DELETE FROM audit_entry", "DELETE FROM audit_head")
    anchor(logged).unlink()
    code, output = verify(runner)
    assert code == 1
    assert output == (
        f"audit log broken: the audit log is empty although {ACCOUNTS} accounts exist: "
        "the log was wiped"
    )


def test_audit_verify_catches_a_rollback_that_the_app_then_wrote_past(logged, runner):
    """F-06: after a rollback the app keeps appending (and re-MACs the head); once the log is
    longer than before, only the old checkpoints show that entries were replaced."""
    roll_back_tail(logged, 3)
    for _ in range(5):
        assert runner.invoke(args=["tokens", "create", "user0@example.com"]).exit_code == 0
    code, output = verify(runner)
    assert code == 1
    assert output == (
        f"audit log broken: entry {ENTRIES - 2} differs from its anchor checkpoint: "
        "the log was rolled back and written again"
    )


def test_audit_verify_refuses_a_checkpoint_forged_without_the_key(logged, runner):
    """F-06: a line added to the anchor by someone without the key is reported, not trusted."""
    with anchor(logged).open("a") as handle:
        handle.write(json.dumps({"count": 1000, "hash": "0" * 64, "mac": "f" * 64}) + "\n")
    code, output = verify(runner)
    assert code == 1
    assert output == (
        f"audit log broken: anchor line {ENTRIES + 1} is not a checkpoint signed with this key"
    )


def test_audit_verify_ignores_a_checkpoint_still_being_written(logged, runner):
    """F-06: a last line without its newline is a worker's write in progress, not tampering."""
    with anchor(logged).open("a") as handle:
        handle.write('{"count": 27, "hash": "ab')
    assert verify(runner) == (0, "audit log intact")


def test_audit_verify_accepts_a_legacy_head_and_the_next_append_signs_it(app, runner):
    """F-06: a head written before MACs existed (mac NULL, no anchor) is fine while the chain
    checks out; the next entry gives it a MAC and starts the anchor."""
    assert (
        runner.invoke(args=["users", "create", "old@example.com", "--name", "Old"]).exit_code == 0
    )
    anchor(app).unlink()
    sql(app, "UPDATE audit_head SET mac = NULL")
    assert verify(runner) == (0, "audit log intact")
    assert runner.invoke(args=["tokens", "create", "old@example.com"]).exit_code == 0
    with app.app_context():
        assert db.session.get(AuditHead, 1).mac is not None
    assert [c["count"] for c in checkpoints(app)] == [2]
    assert verify(runner) == (0, "audit log intact")


def test_audit_anchor_holds_only_committed_heads_and_is_logged(app, caplog):
    """F-06: an entry rolled back (or abandoned) leaves no checkpoint; a committed one leaves
    exactly one, in a file only the owner can read, and in the application log."""
    caplog.set_level(logging.INFO, logger=app.logger.name)
    with app.app_context():
        audit.record(SYSTEM, "rolled_back")
        db.session.rollback()
        audit.record(SYSTEM, "abandoned")
        db.session.close()
        assert not anchor(app).exists()
        audit.record(SYSTEM, "kept", "a")
        audit.record(SYSTEM, "kept", "b")
        db.session.commit()
        db.session.commit()  # a commit that appended nothing writes nothing
        head = db.session.get(AuditHead, 1)
        assert db.session.scalars(select(AuditEntry.target)).all() == ["a", "b"]
        assert [(c["count"], c["hash"]) for c in checkpoints(app)] == [(2, head.last_hash)]
        assert audit.verify() is None
    assert os.stat(anchor(app)).st_mode & 0o777 == 0o600
    logged_lines = [r.getMessage() for r in caplog.records if "audit checkpoint" in r.getMessage()]
    assert logged_lines == [f"audit checkpoint {anchor(app).read_text().strip()}"]


def test_backup_carries_the_anchor_and_restore_puts_it_back(app_factory, tmp_path):
    """F-06: a restore rolls the log back on purpose; the backup's anchor copy comes back with
    it (so verify stays intact) and the replaced anchor is kept aside as evidence."""
    url = DATABASE_URL if using_postgres() else f"sqlite:///{tmp_path / 'live.db'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=url)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["users", "create", "a@example.com", "--name", "A"]).exit_code == 0
    backup_file = tmp_path / "backup.bin"
    made = runner.invoke(args=["backup", "-o", str(backup_file)])
    assert made.exit_code == 0, made.output
    copy = tmp_path / "backup.bin.anchor.jsonl"
    assert copy.read_text() == anchor(app).read_text()
    assert f"Audit anchor copied to {copy}" in made.output
    assert runner.invoke(args=["tokens", "create", "a@example.com"]).exit_code == 0
    newer = anchor(app).read_text()

    restored = runner.invoke(args=["restore", str(backup_file), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert anchor(app).read_text() == copy.read_text()
    aside = [p for p in anchor(app).parent.iterdir() if ".before-restore-" in p.name]
    assert len(aside) == 1 and aside[0].read_text() == newer
    assert verify(runner) == (0, "audit log intact")
