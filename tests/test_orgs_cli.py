"""``assessment orgs create|list`` and ``--org`` on ``users create`` and ``tokens create``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from assessment import queries, tenancy
from assessment.extensions import db
from assessment.models import AuditEntry, Organisation, Person
from tests.conftest import PASSWORD, add_user, log_in


def _org(app: Any, slug: str) -> Organisation | None:
    with app.app_context():
        found = db.session.scalar(select(Organisation).where(Organisation.slug == slug))
        if found is not None:
            db.session.expunge(found)
        return found


def _people(app: Any, organisation_id: int) -> list[str]:
    with app.app_context(), tenancy.acting_for(organisation_id):
        return list(db.session.scalars(select(Person.email).order_by(Person.email)))


def test_orgs_create_adds_an_organisation_with_its_own_audit_log(app, runner):
    result = runner.invoke(
        args=["orgs", "create", "acme-bank", "--name", "Acme Bank"]
        + ["--industry", "Finance", "--size", "250-999"]
    )
    assert result.exit_code == 0, result.output
    assert "Created organisation acme-bank (Acme Bank)" in result.output
    assert "--org acme-bank" in result.output  # the next step, ready to copy
    created = _org(app, "acme-bank")
    assert created is not None
    assert (created.name, created.industry, created.size, created.benchmark_opt_in) == (
        "Acme Bank",
        "Finance",
        "250-999",
        False,
    )
    with app.app_context(), tenancy.acting_for(created.id):
        entries = db.session.scalars(select(AuditEntry)).all()
        assert [(e.action, e.target, e.actor) for e in entries] == [
            ("organisation_created", "acme-bank", "system")
        ]
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0


@pytest.mark.parametrize(
    "slug",
    ["Acme", "acme_bank", "-acme", "acme-", "acme bank", "acmé", "a" * 64, ""],
    ids=[
        "upper",
        "underscore",
        "leading-hyphen",
        "trailing-hyphen",
        "space",
        "accent",
        "long",
        "empty",
    ],
)
def test_orgs_create_refuses_a_bad_slug_with_exit_1(app, runner, slug):
    # After "--", a slug starting with a hyphen is not read as an option.
    result = runner.invoke(args=["orgs", "create", "--name", "Acme", "--", slug])
    assert result.exit_code == 1
    assert "lower-case letters, digits and hyphens" in result.output
    with app.app_context():
        assert len(queries.list_organisations(db.session)) == 1


def test_orgs_create_refuses_a_taken_slug_with_exit_1(app, runner):
    result = runner.invoke(args=["orgs", "create", "default", "--name", "Again"])
    assert result.exit_code == 1
    assert "'default' is already taken" in result.output
    assert _org(app, "default").name == "Our organisation"


@pytest.mark.parametrize("name", ["", "   ", "Evil\u202eCorp"], ids=["empty", "blank", "bidi"])
def test_orgs_create_refuses_a_bad_name_with_exit_1(app, runner, name):
    result = runner.invoke(args=["orgs", "create", "acme", "--name", name])
    assert result.exit_code == 1
    assert "--name" in result.output
    assert _org(app, "acme") is None


def test_orgs_list_shows_every_organisation_and_the_default(app, runner):
    runner.invoke(args=["orgs", "create", "beta", "--name", "Beta Ltd", "--industry", "Retail"])
    lines = runner.invoke(args=["orgs", "list"]).output.splitlines()
    assert lines[0].split() == ["SLUG", "NAME", "INDUSTRY", "SIZE", "BENCHMARKS"]
    assert lines[1].startswith("default") and "(default for --org)" in lines[1]
    assert lines[2].split() == ["beta", "Beta", "Ltd", "Retail", "-", "no"]


def test_users_create_with_org_creates_the_account_there(app, runner):
    runner.invoke(args=["orgs", "create", "beta", "--name", "Beta"])
    beta = _org(app, "beta")
    result = runner.invoke(
        args=["users", "create", "Ann@Beta.example", "--name", "Ann", "--org", "beta"]
    )
    assert result.exit_code == 0, result.output
    assert "Created ann@beta.example in beta" in result.output
    assert _people(app, beta.id) == ["ann@beta.example"]
    assert _people(app, 1) == []
    # Without --org: the installation's first organisation.
    assert (
        runner.invoke(args=["users", "create", "bob@example.com", "--name", "Bob"]).exit_code == 0
    )
    assert _people(app, 1) == ["bob@example.com"]


def test_users_and_tokens_create_refuse_an_unknown_org_with_exit_1(app, runner):
    add_user(app, "admin@example.com", permissions=("admin",))
    for args in (
        ["users", "create", "ann@example.com", "--name", "Ann", "--org", "nope"],
        ["tokens", "create", "admin@example.com", "--org", "nope"],
    ):
        result = runner.invoke(args=args)
        assert result.exit_code == 1, args
        assert "there is no organisation 'nope'" in result.output
        assert "orgs list" in result.output
    assert _people(app, 1) == ["admin@example.com"]


def test_users_create_in_a_second_org_shares_the_existing_password(app, runner):
    add_user(app, "consultant@example.com", permissions=("admin",))
    runner.invoke(args=["orgs", "create", "client-a", "--name", "Client A"])
    result = runner.invoke(
        args=["users", "create", "consultant@example.com", "--name", "Con Sultant"]
        + ["--permission", "committee", "--org", "client-a"]
    )
    assert result.exit_code == 0, result.output
    assert "consultant@example.com already signs in to default" in result.output
    assert "shares that password" in result.output
    assert "Password:" not in result.output  # a generated one would not work
    with app.app_context():
        accounts = queries.accounts_of_email(db.session, "consultant@example.com")
        assert len(accounts) == 2
        assert len({a.password_hash for a in accounts}) == 1
    assert log_in(app.test_client(), "consultant@example.com", PASSWORD).status_code == 302


def test_users_create_twice_in_one_org_is_refused_naming_it(app, runner):
    runner.invoke(args=["orgs", "create", "beta", "--name", "Beta"])
    args = ["users", "create", "ann@example.com", "--name", "Ann", "--org", "beta"]
    assert runner.invoke(args=args).exit_code == 0
    again = runner.invoke(args=args)
    assert again.exit_code == 1
    assert "already exists in beta" in again.output


def test_tokens_create_with_org_acts_in_that_organisation(app, runner):
    runner.invoke(args=["orgs", "create", "beta", "--name", "Beta"])
    runner.invoke(
        args=["users", "create", "ann@example.com", "--name", "Ann", "--permission", "admin"]
        + ["--org", "beta"]
    )
    # Ann has no account in the default organisation.
    assert runner.invoke(args=["tokens", "create", "ann@example.com"]).exit_code == 1
    result = runner.invoke(args=["tokens", "create", "ann@example.com", "--org", "beta"])
    assert result.exit_code == 0, result.output
    assert "Token for ann@example.com in beta" in result.output
    token = result.output.strip().splitlines()[-1]
    answer = app.test_client().get(
        "/api/v1/organisation", headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.get_json()["slug"] == "beta"
    with app.app_context(), tenancy.acting_for(_org(app, "beta").id):
        actions = db.session.scalars(select(AuditEntry.action)).all()
        assert "token_created" in actions
