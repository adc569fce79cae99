from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Person
from tests.conftest import log_in


def test_users_create_prints_a_password_that_works(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "Legal@Example.com",
            "--name",
            "Lee Gal",
            "--role",
            "legal",
            "--permission",
            "fact_owner",
            "--permission",
            "committee",
        ]
    )
    assert result.exit_code == 0, result.output
    password = result.output.strip().splitlines()[-1].removeprefix("Password: ")
    assert len(password) >= 12
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.email == "legal@example.com"))
        assert person.role == "legal"
        assert person.account.permissions == {"fact_owner", "committee"}
    assert log_in(app.test_client(), "legal@example.com", password).status_code == 302


def test_users_create_without_role_for_hr_coordinator(app, runner):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "coord@example.com",
            "--name",
            "Coordinator",
            "--permission",
            "hr_coordinator",
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.scalar(select(Person.role)) is None


def test_users_create_reads_password_from_stdin(app, runner):
    result = runner.invoke(
        args=["users", "create", "ceo@example.com", "--name", "Casey", "--password-stdin"],
        input="a long enough passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Password:" not in result.output
    assert (
        log_in(app.test_client(), "ceo@example.com", "a long enough passphrase").status_code == 302
    )


def test_users_create_refuses_short_password(app, runner):
    result = runner.invoke(
        args=["users", "create", "ceo@example.com", "--name", "Casey", "--password-stdin"],
        input="short\n",
    )
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output


def test_users_create_refuses_duplicate_and_invalid_email(app, runner):
    assert runner.invoke(args=["users", "create", "a@example.com", "--name", "A"]).exit_code == 0
    duplicate = runner.invoke(args=["users", "create", "A@example.com", "--name", "A"])
    assert duplicate.exit_code == 1
    assert "already exists" in duplicate.output
    invalid = runner.invoke(args=["users", "create", "not-an-email", "--name", "B"])
    assert invalid.exit_code == 2
    assert "EMAIL" in invalid.output


def test_users_create_refuses_unknown_role(app, runner):
    result = runner.invoke(
        args=["users", "create", "a@example.com", "--name", "A", "--role", "cfo"]
    )
    assert result.exit_code == 2
    assert "cfo" in result.output


def test_setup_migrates_and_prints_working_log_ins_once(app, runner):
    from tests.conftest import reset_database

    with app.app_context():
        reset_database()
    first = runner.invoke(args=["setup"])
    assert first.exit_code == 0, first.output
    line = next(li for li in first.output.splitlines() if "admin@example.com" in li)
    email, password, who = line.split(maxsplit=2)  # e-mail, password, then who it is
    assert email == "admin@example.com" and who.startswith("Administrator")
    assert log_in(app.test_client(), "admin@example.com", password).status_code == 302
    second = runner.invoke(args=["setup"])
    assert second.exit_code == 0
    assert line in second.output  # the same log-ins are shown again
    with app.app_context():
        assert len(db.session.scalars(select(Person)).all()) == 7
