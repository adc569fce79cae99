"""One audit chain per organisation: each verified on its own, each anchored in its own file,
and every anchor travels with a backup."""

from __future__ import annotations

from sqlalchemy import update

from assessment import queries, tenancy
from assessment.actions import SYSTEM, audit
from assessment.extensions import db
from assessment.models import AuditEntry


def two_logs(app) -> int:
    with app.app_context():
        second = queries.create_organisation(db.session, "second", "Second Ltd").id
        db.session.commit()
        audit.record(SYSTEM, "first_log", "a")
        db.session.commit()
        with tenancy.acting_for(second):
            audit.record(SYSTEM, "second_log", "b")
            audit.record(SYSTEM, "second_log", "c")
            db.session.commit()
        return second


def test_each_organisation_numbers_its_own_chain_from_one(app):
    second = two_logs(app)
    with app.app_context():
        with tenancy.across_organisations():
            entries = db.session.execute(
                AuditEntry.__table__.select().order_by("organisation_id", "id")
            ).all()
        assert [(e.organisation_id, e.id, e.action) for e in entries] == [
            (1, 1, "first_log"),
            (second, 1, "second_log"),
            (second, 2, "second_log"),
        ]
        assert audit.anchor_path(1).exists() and audit.anchor_path(second).exists()
        assert audit.anchor_path(second).read_text().count("\n") == 1  # one commit, one line


def test_verify_names_the_organisation_whose_log_was_edited(app, runner):
    second = two_logs(app)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "audit log of default intact" in result.output
    assert "audit log of second intact" in result.output
    with app.app_context(), tenancy.acting_for(second):
        db.session.execute(update(AuditEntry).where(AuditEntry.id == 1).values(target="edited"))
        db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "audit log of default intact" in result.output
    assert "audit log of second broken" in result.output


def test_backup_carries_every_organisations_anchor(app_factory, tmp_path):
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    second = two_logs(app)
    backup_file = tmp_path / "backup.bin"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert "Audit anchors of 1 more organisations copied" in result.output
    copied = tmp_path / f"backup.bin.anchor-{second}.jsonl"
    with app.app_context():
        original = audit.anchor_path(second).read_text()
        assert copied.read_text() == original
        audit.anchor_path(second).unlink()
    restored = app.test_cli_runner().invoke(args=["restore", str(backup_file), "--yes"])
    assert restored.exit_code == 0, restored.output
    with app.app_context():
        assert audit.anchor_path(second).read_text() == original
    assert app.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0
