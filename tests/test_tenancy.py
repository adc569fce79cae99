"""Isolation by construction: every ORM statement is limited to the organisation acted for,
new rows are stamped with it, and nothing reaches past it unless it says so."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import delete, func, select, update

from assessment import ROOT, queries, tenancy
from assessment.extensions import Base, db
from assessment.models import Account, Cycle, Organisation, OrganisationOwned, Person
from assessment.services.security.passwords import hash_password

# Core statements on session.connection() bypass the ORM's organisation criterion. These are
# the only files allowed to run them; each such statement names the organisation itself
# (or, for the signed-in account's own row, is how the organisation is found).
CORE_ALLOWED = {
    "assessment/queries/accounts.py",
    "assessment/queries/respondent.py",
    "assessment/queries/responses.py",
    "assessment/cli/synthetic_org.py",
    "assessment/reports/peer_benchmark.py",
}


def two_organisations(app) -> tuple[int, int]:
    """Org 1 (the default) and org 2, each with a person and a cycle of the same id."""
    with app.app_context():
        second = queries.create_organisation(db.session, "second", "Second Ltd")
        db.session.commit()
        for organisation_id, email in ((1, "one@example.com"), (second.id, "two@example.com")):
            with tenancy.acting_for(organisation_id):
                queries.create_person_with_account(
                    db.session, email=email, name=email, password_hash=hash_password("x" * 12)
                )
                queries.create_cycle(
                    db.session, "2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 20)
                )
        db.session.commit()
        return 1, second.id


def test_every_table_but_organisation_belongs_to_one():
    for mapper in Base.registry.mappers:
        if mapper.class_ is Organisation:
            continue
        assert issubclass(mapper.class_, OrganisationOwned), mapper.class_.__name__
        assert "organisation_id" in mapper.columns, mapper.class_.__name__
        column = mapper.columns["organisation_id"]
        assert not column.nullable, mapper.class_.__name__


def test_reads_see_only_the_organisation_acted_for(app):
    first, second = two_organisations(app)
    with app.app_context():
        for organisation_id, email in ((first, "one@example.com"), (second, "two@example.com")):
            with tenancy.acting_for(organisation_id):
                assert [p.email for p in db.session.scalars(select(Person))] == [email]
                assert db.session.scalar(select(func.count()).select_from(Cycle)) == 1
                cycle = queries.get_cycle(db.session, "2026-Q4")
                assert cycle is not None and cycle.organisation_id == organisation_id
        with tenancy.acting_for(second):
            other = db.session.scalar(select(Person.id).where(Person.email == "two@example.com"))
        db.session.expunge_all()  # nothing of org 2 in the identity map
        with tenancy.acting_for(first):
            assert db.session.get(Person, other) is None
            assert queries.get_person(db.session, other) is None
            # joins and relationship loads are limited too
            joined = db.session.scalars(select(Account).join(Account.person)).all()
            assert {a.person.email for a in joined} == {"one@example.com"}
        with tenancy.across_organisations():
            assert db.session.scalar(select(func.count()).select_from(Person)) == 2


def test_bulk_updates_and_deletes_stay_inside(app):
    first, second = two_organisations(app)
    with app.app_context():
        with tenancy.acting_for(first):
            db.session.execute(update(Person).values(name="Renamed"))
            db.session.execute(delete(Cycle).where(Cycle.id == "2026-Q4"))
            db.session.commit()
        with tenancy.acting_for(second):
            assert db.session.scalar(select(Person.name)) == "two@example.com"
            assert queries.get_cycle(db.session, "2026-Q4") is not None


def test_new_rows_are_stamped_and_foreign_rows_refused(app):
    first, second = two_organisations(app)
    with app.app_context():
        with tenancy.acting_for(second):
            person = Person(email="new@example.com", name="New")
            db.session.add(person)
            db.session.flush()
            assert person.organisation_id == second
            db.session.add(Person(email="x@example.com", name="X", organisation_id=first))
            with pytest.raises(tenancy.NoOrganisation):
                db.session.flush()
        db.session.rollback()


def test_outside_a_request_the_first_organisation_is_the_default(app):
    two_organisations(app)
    with app.app_context():
        assert [p.email for p in db.session.scalars(select(Person))] == ["one@example.com"]


def test_a_request_without_an_organisation_cannot_touch_owned_rows(app):
    two_organisations(app)
    with app.test_request_context("/"):
        with pytest.raises(tenancy.NoOrganisation):
            db.session.scalars(select(Person)).all()
        # organisations themselves are not owned by any
        assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_the_same_email_may_belong_to_several_organisations(app):
    first, second = two_organisations(app)
    with app.app_context():
        with tenancy.acting_for(second):
            queries.create_person_with_account(
                db.session, email="one@example.com", name="Consultant", password_hash="!other"
            )
            db.session.commit()
        memberships = queries.accounts_of_email(db.session, "ONE@example.com")
        assert {a.organisation_id for a in memberships} == {first, second}
        # one person, one password: the new membership took over the existing one
        assert len({a.password_hash for a in memberships}) == 1


def test_core_statements_bypassing_the_criterion_are_only_where_listed():
    found = set()
    for path in (ROOT / "assessment").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        if re.search(r"\.connection\(\)", text):
            found.add(str(path.relative_to(ROOT)))
    assert found <= CORE_ALLOWED, sorted(found - CORE_ALLOWED)
