"""The audit log records what matters and detects any edited or removed entry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from assessment.actions import audit
from assessment.extensions import db
from assessment.models import AuditEntry
from tests.conftest import PASSWORD, add_user, log_in, open_test_cycle


@pytest.fixture
def busy(app, client):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "chair@example.com", permissions=("committee",))
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app)
    log_in(client, "nobody@example.com", "wrong")
    log_in(client, "admin@example.com")
    client.post(
        "/admin/cycles", data={"id": "2027-Q1", "opens": "2027-01-01", "closes": "2027-03-31"}
    )
    client.post("/admin/cycles/2027-Q1/status", data={"action": "open"})
    client.get("/gaps/2026-Q4/export.csv")
    client.post("/logout")
    it = app.test_client()
    log_in(it, "it@example.com")
    it.post(
        "/facts/2026-Q4/mfa_remote_access",
        data={"category": "yes", "as_of": dt.date.today().isoformat(), "evidence": "export"},
    )
    chair = app.test_client()
    log_in(chair, "chair@example.com")
    chair.post("/facts/2026-Q4/attest")
    chair.get("/gaps/2026-Q4")
    chair.get("/committee/why?from=2026-Q4&to=2026-Q4")
    return app


def entries(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [
            (e.actor, e.action, e.target)
            for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        ]


def test_events_are_recorded(busy):
    recorded = entries(busy)
    assert ("anonymous", "login_failed", "nobody@example.com") in recorded
    assert ("admin@example.com", "login", "admin@example.com") in recorded
    assert ("admin@example.com", "cycle_created", "2027-Q1") in recorded
    assert ("admin@example.com", "cycle_open", "2027-Q1") in recorded
    assert ("admin@example.com", "export", "gap-report-2026-Q4.csv") in recorded
    assert ("it@example.com", "fact_reported", "2026-Q4/mfa_remote_access") in recorded
    assert ("chair@example.com", "facts_attested", "2026-Q4") in recorded
    assert ("chair@example.com", "viewed_gap_report", "2026-Q4") in recorded
    assert ("chair@example.com", "viewed_individual_answers", "2026-Q4->2026-Q4") in recorded
    with busy.app_context():
        assert audit.verify() is None


def test_account_creation_is_audited(app, runner):
    runner.invoke(args=["users", "create", "x@example.com", "--name", "X", "--permission", "admin"])
    assert entries(app) == [("system", "account_created", "x@example.com")]


COLUMNS = ["actor", "action", "target", "details", "address", "at", "prev_hash", "hash"]


def tamper(app, entry_id: int, column: str) -> None:
    """Change one byte of one stored field, behind the application's back."""
    with app.app_context():
        entry = db.session.get(AuditEntry, (1, entry_id))  # (organisation, number)
        if column == "details":
            value = '{"x": 1}'
        elif column == "at":
            value = entry.at.replace(second=(entry.at.second + 1) % 60)
        else:
            old = getattr(entry, column)
            value = old[:-1] + ("0" if old[-1:] != "0" else "1") if old else "x"
        db.session.execute(
            text(f"UPDATE audit_entry SET {column} = :v WHERE id = :i"), {"v": value, "i": entry_id}
        )
        db.session.commit()


@pytest.mark.parametrize("column", COLUMNS)
def test_a_single_changed_byte_in_any_field_is_caught(busy, runner, column):
    tamper(busy, 3, column)
    with busy.app_context():
        problem = audit.verify()
    assert problem is not None and problem.entry_id in (3, 4)
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 3" in result.output or "entry 4" in result.output


def test_deleted_entries_are_caught_in_the_middle_and_at_the_end(busy, runner):
    assert runner.invoke(args=["audit", "verify"]).output.strip() == "audit log intact"
    with busy.app_context():
        last = db.session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc()))
        db.session.execute(text("DELETE FROM audit_entry WHERE id = :i"), {"i": last})
        db.session.commit()
        assert "removed from the end" in audit.verify().message
        db.session.execute(text("DELETE FROM audit_entry WHERE id = 2"))
        db.session.commit()
        assert audit.verify().message == "entry 2 is missing (next is 3)"


def test_audit_page_shows_the_chain_state(busy):
    admin = busy.test_client()
    log_in(admin, "admin@example.com", PASSWORD)
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "The audit chain is intact" in page and "facts_attested" in page
    tamper(busy, 2, "action")
    assert "The audit chain is broken" in admin.get("/admin/audit").get_data(as_text=True)
