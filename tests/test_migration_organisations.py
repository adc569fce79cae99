"""Migration 0011 moves a single-organisation database into organisation 1 without losing a
row, builds exactly the schema ``db.create_all()`` builds, and can be reverted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import Connection, Engine, MetaData, inspect, select, text

from assessment import queries, tenancy
from assessment.actions import audit
from assessment.actions.actor import SYSTEM
from assessment.extensions import db
from assessment.services.security.audit_chain import GENESIS, entry_hash, head_mac
from tests.conftest import reset_database

BEFORE = "0010"
CYCLE = "2026-Q3"
NOW = dt.datetime(2026, 9, 1, 8, 30, tzinfo=dt.UTC)
# Tables that refer to a cycle: after 0011 by (organisation_id, cycle_id).
CYCLE_REFERRERS = (
    "cycle_questionnaire",
    "response",
    "invitation",
    "fact_value",
    "fact_attestation",
    "report_snapshot",
)


def _add(connection: Connection, tables: MetaData, table: str, /, **values: Any) -> Any:
    """Insert one row as the pre-0011 application would; returns its (first) key value."""
    result = connection.execute(tables.tables[table].insert().values(**values))
    key = result.inserted_primary_key
    return key[0] if key else None


def _audit_rows(key: bytes) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Two chained entries and their signed head, as the single-organisation log wrote them."""
    entries, previous = [], GENESIS
    for number, action in ((1, "account.create"), (2, "cycle.open")):
        at = NOW + dt.timedelta(minutes=number)
        fields = {
            "id": number,
            "at": at.isoformat(timespec="microseconds"),
            "actor": "admin@example.com",
            "action": action,
            "target": CYCLE,
            "details": {"n": number},
            "address": "127.0.0.1",
        }
        digest = entry_hash(key, previous, fields)
        entries.append(
            {**fields, "at": at, "prev_hash": previous, "hash": digest}  # id given: a chain
        )
        previous = digest
    head = {"id": 1, "count": 2, "last_hash": previous, "mac": head_mac(key, 2, previous)}
    return entries, head


def _fill_version_0010(app: Flask) -> None:
    """One row or more in every table of a database at revision 0010."""
    tables = MetaData()
    with db.engine.begin() as connection:
        tables.reflect(connection)
        ceo = _add(connection, tables, "person", email="ceo@example.com", name="C. Eo", role="ceo")
        admin = _add(connection, tables, "person", email="admin@example.com", name="A. Dmin")
        account = _add(
            connection, tables, "account", person_id=admin, password_hash="hash", active=True
        )
        _add(connection, tables, "account", person_id=ceo, password_hash="hash2", active=True)
        for permission in ("admin", "committee"):
            _add(
                connection,
                tables,
                "account_permission",
                account_id=account,
                permission=permission,
            )
        _add(
            connection,
            tables,
            "cycle",
            id=CYCLE,
            opens=dt.date(2026, 7, 1),
            closes=dt.date(2026, 9, 30),
            status="open",
            regimes=["nis2"],
        )
        _add(
            connection,
            tables,
            "cycle_questionnaire",
            cycle_id=CYCLE,
            role="ceo",
            questionnaire_id="ceo-core",
            version="1.0",
        )
        response = _add(
            connection,
            tables,
            "response",
            person_id=ceo,
            cycle_id=CYCLE,
            questionnaire_id="ceo-core",
            questionnaire_version="1.0",
            status="draft",
            started_at=NOW,
            last_page=2,
        )
        for item, value in (("q1", 4), ("q2", "Thank you"), ("q3", ["a", "b"])):
            _add(
                connection,
                tables,
                "answer",
                response_id=response,
                item_id=item,
                value=value,
                version=1,
                updated_at=NOW,
            )
        invitation = _add(
            connection,
            tables,
            "invitation",
            person_id=ceo,
            cycle_id=CYCLE,
            sent_at=NOW,
            reminders=1,
        )
        _add(
            connection,
            tables,
            "invitation_token",
            invitation_id=invitation,
            token_hash="a" * 64,
            created_at=NOW,
        )
        values = []
        for revision, value in ((1, 10), (2, 12)):
            values.append(
                _add(
                    connection,
                    tables,
                    "fact_value",
                    cycle_id=CYCLE,
                    fact_id="staff_count",
                    revision=revision,
                    value=value,
                    category="small",
                    as_of=dt.date(2026, 8, 1),
                    evidence="HR report",
                    note="",
                    reason="" if revision == 1 else "recount",
                    entered_by_id=admin,
                    entered_at=NOW,
                    evidence_url="https://example.com/hr",
                )
            )
        _add(
            connection,
            tables,
            "fact_attestation",
            cycle_id=CYCLE,
            last_value_id=values[-1],
            attested_by_id=admin,
            attested_at=NOW,
        )
        _add(connection, tables, "fact_delegation", fact_id="staff_count", person_id=ceo)
        _add(
            connection,
            tables,
            "report_snapshot",
            cycle_id=CYCLE,
            version=1,
            scoring_version="1",
            payload={"scores": {"ceo": 3.5}},
            created_by_id=admin,
            created_at=NOW,
        )
        session = _add(
            connection,
            tables,
            "training_session",
            uid="training-1@assessment.test",
            module_id="phishing",
            starts_at=NOW,
            timezone="Europe/Berlin",
            duration_minutes=60,
            location="Room 1",
            capacity=10,
            facilitator="F. Acilitator",
            status="scheduled",
            sequence=0,
            created_at=NOW,
        )
        _add(
            connection,
            tables,
            "session_attendee",
            session_id=session,
            person_id=ceo,
            invited_at=NOW,
            attended=True,
            completed=True,
            marked_at=NOW,
        )
        _add(connection, tables, "regime_setting", regime_id="nis2", applies=True, changed_at=NOW)
        _add(connection, tables, "regime_setting", regime_id="dora", applies=False, changed_at=NOW)
        _add(
            connection,
            tables,
            "api_token",
            account_id=account,
            token_hash="b" * 64,
            created_at=NOW,
            expires_at=NOW + dt.timedelta(days=90),
        )
        entries, head = _audit_rows(str(app.config["SECRET_KEY"]).encode())
        for entry in entries:
            _add(connection, tables, "audit_entry", **entry)
        _add(connection, tables, "audit_head", **head)
        _add(
            connection,
            tables,
            "mail",
            recipient="ceo@example.com",
            subject="Your questionnaire",
            body="Hello",
            status="outbox",
            created_at=NOW,
        )
        _add(
            connection,
            tables,
            "answer_stash",
            key="c" * 64,
            cycle_id=CYCLE,
            account_id=account,
            answers={"q1": 5},
            created_at=NOW,
        )
    assert all(_rows(db.engine).values()), "every table has a row to carry over"


def _rows(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table, in a stable order (by the 0010 primary keys)."""
    tables = MetaData()
    order = {"audit_head": ["count"]}  # its id column is dropped by 0011
    with engine.connect() as connection:
        tables.reflect(connection)
        found = {}
        for name, table in tables.tables.items():
            if name in {"alembic_version", "organisation"}:
                continue
            keys = order.get(name) or [c.name for c in table.primary_key.columns]
            # Ordered by the key columns the row had before 0011, whatever the key is now.
            keys = [k for k in keys if k != "organisation_id"]
            query = select(table).order_by(*(table.c[k] for k in keys))
            found[name] = [dict(row._mapping) for row in connection.execute(query)]
    return found


def _schema(engine: Engine) -> dict[str, Any]:
    """What the database says about its tables, in comparable form (column order aside)."""
    inspector = inspect(engine)
    described = {}
    for name in sorted(inspector.get_table_names()):
        if name == "alembic_version":
            continue
        described[name] = {
            "columns": {
                c["name"]: (repr(c["type"]), c["nullable"], c.get("default"))
                for c in inspector.get_columns(name)
            },
            "checks": sorted(
                (ck["name"], ck["sqltext"]) for ck in inspector.get_check_constraints(name)
            ),
            "primary_key": inspector.get_pk_constraint(name),
            "foreign_keys": sorted(
                (
                    fk["name"],
                    tuple(fk["constrained_columns"]),
                    fk["referred_table"],
                    tuple(fk["referred_columns"]),
                )
                for fk in inspector.get_foreign_keys(name)
            ),
            "unique": sorted(
                (u["name"], tuple(u["column_names"]))
                for u in inspector.get_unique_constraints(name)
            ),
            "indexes": sorted(
                (i["name"], tuple(i["column_names"]), bool(i["unique"]))
                for i in inspector.get_indexes(name)
                if not i.get("duplicates_constraint")  # PostgreSQL's index behind a UNIQUE
            ),
        }
    return described


@pytest.fixture
def at_0010(app: Flask) -> Any:
    """Inside an app context: an empty database migrated to 0010, then filled."""
    with app.app_context():
        reset_database()
        upgrade(revision=BEFORE)
        _fill_version_0010(app)
        yield app
        db.session.remove()


def test_upgrade_puts_every_row_into_the_default_organisation(at_0010: Flask):
    before = _rows(db.engine)
    upgrade()
    after = _rows(db.engine)

    # Tables later migrations add (0013: identity_provider) start empty.
    for added in set(after) - set(before):
        assert after.pop(added) == [], added
    assert set(after) == set(before)
    for name, rows in after.items():
        assert [row.pop("organisation_id") for row in rows] == [1] * len(rows), name
    del before["audit_head"][0]["id"]  # the head is now keyed by its organisation
    assert after == before

    with db.engine.connect() as connection:
        organisations = connection.execute(
            text("SELECT id, slug, name, benchmark_opt_in, settings FROM organisation")
        ).all()
        # Responses still find their cycle through the composite key.
        linked = connection.execute(
            text(
                "SELECT r.id FROM response r JOIN cycle c "
                "ON c.organisation_id = r.organisation_id AND c.id = r.cycle_id"
            )
        ).all()
    assert [tuple(o[:4]) for o in organisations] == [(1, "default", "Our organisation", False)]
    assert organisations[0][4] in ({}, "{}")
    assert len(linked) == 1

    inspector = inspect(db.engine)
    assert inspector.get_pk_constraint("cycle")["constrained_columns"] == ["organisation_id", "id"]
    for table in CYCLE_REFERRERS:
        composite = [
            (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"])
            for fk in inspector.get_foreign_keys(table)
            if "cycle_id" in fk["constrained_columns"]
        ]
        assert composite == [(["organisation_id", "cycle_id"], "cycle", ["organisation_id", "id"])]


def test_the_app_reads_and_extends_migrated_data(at_0010: Flask):
    upgrade()
    db.session.remove()  # nothing cached from before the upgrade

    # Outside a request the app acts for the installation's first organisation: the migrated one.
    cycle = queries.get_cycle(db.session, CYCLE)
    assert cycle is not None and cycle.organisation_id == 1
    assert [(p.role, p.questionnaire_id, p.version) for p in cycle.pinned] == [
        ("ceo", "ceo-core", "1.0")
    ]
    ceo = queries.find_person_by_email(db.session, "ceo@example.com")
    assert ceo is not None
    response = queries.get_response(db.session, ceo.id, CYCLE)
    assert response is not None
    assert response.answer_values() == {"q1": 4, "q2": "Thank you", "q3": ["a", "b"]}
    assert queries.current_fact_values(db.session, CYCLE)["staff_count"].value == 12
    assert queries.regime_settings(db.session) == {"nis2": True, "dora": False}
    admin = queries.find_account_by_email(db.session, "admin@example.com")
    assert admin is not None and admin.permissions == {"admin", "committee"}
    assert audit.verify() is None  # the chain and its head survived, MACs and all

    # A second organisation gets the next id and may reuse the cycle id and the e-mail.
    other = queries.create_organisation(db.session, "acme", "Acme Ltd")
    assert other.id == 2
    with tenancy.acting_for(other.id):
        queries.create_cycle(db.session, CYCLE, dt.date(2026, 7, 1), dt.date(2026, 9, 30))
        queries.create_person_with_account(
            db.session, email="ceo@example.com", name="Other CEO", password_hash="x", role="ceo"
        )
        audit.record(SYSTEM, "organisation.test")
    audit.record(SYSTEM, "organisation.test")  # the first organisation's chain goes on
    db.session.commit()

    with db.engine.connect() as connection:
        cycles = connection.execute(text("SELECT organisation_id, id FROM cycle")).all()
        entries = connection.execute(
            text("SELECT organisation_id, id FROM audit_entry ORDER BY organisation_id, id")
        ).all()
        heads = connection.execute(
            text("SELECT organisation_id, count FROM audit_head ORDER BY organisation_id")
        ).all()
    assert sorted(map(tuple, cycles)) == [(1, CYCLE), (2, CYCLE)]
    assert list(map(tuple, entries)) == [(1, 1), (1, 2), (1, 3), (2, 1)]
    assert list(map(tuple, heads)) == [(1, 3), (2, 1)]
    assert audit.verify() is None
    with tenancy.acting_for(other.id):
        assert audit.verify() is None


def test_upgraded_schema_is_the_created_schema(app: Flask):
    """Stricter than ``compare_metadata``: primary keys, defaults and sequences count too."""
    with app.app_context():
        reset_database()
        upgrade()
        migrated = _schema(db.engine)
        reset_database()
        db.create_all()
        created = _schema(db.engine)
    assert migrated == created


def test_downgrade_restores_version_0010(at_0010: Flask):
    before_rows = _rows(db.engine)
    upgrade()
    downgrade(revision=BEFORE)
    assert _rows(db.engine) == before_rows
    restored = _schema(db.engine)

    reset_database()
    upgrade(revision=BEFORE)
    assert restored == _schema(db.engine)


def test_downgrade_refuses_to_merge_organisations(at_0010: Flask):
    upgrade()
    queries.create_organisation(db.session, "acme", "Acme Ltd")
    db.session.commit()
    db.session.remove()
    with pytest.raises(SystemExit):  # Flask-Migrate reports the error and exits
        downgrade(revision=BEFORE)
    with db.engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM organisation")).scalar_one()
        version = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
    # Still organised: PostgreSQL rolls the whole downgrade back (still at the head), SQLite
    # stops at 0011, the step that refused.
    config = current_app.extensions["migrate"].migrate.get_config()
    head = ScriptDirectory.from_config(config).get_current_head()
    assert count == 2 and version in {"0011", head}
