"""New accounts: the password policy (F-11) on the web form and the command line, and the
names people are created with (F-15) through the API and the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Person
from tests.conftest import PASSWORD, add_user, log_in

WEAK = {
    "doubled-common": "passwordpassword",
    "digit-run": "123456789012",
    "one-character": "aaaaaaaaaaaa",
    "own-email": "ceo@example.com",
    "common": "1qaz2wsx3edc",
    "own-name": "Casey-Chief-2026",
}


def change_password(client, new: str):
    return client.post("/account/password", data={"current": PASSWORD, "new": new, "repeat": new})


def create_with_password(runner, password: str, email: str = "ceo@example.com"):
    return runner.invoke(
        args=["users", "create", email, "--name", "Casey Chief", "--password-stdin"],
        input=password + "\n",
    )


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_password_change_refuses_guessable_passwords(app, client, password):
    """F-11: common, repeated, sequential passwords and the own e-mail or name are refused on
    the change-password form, with the reason under the field, and the old one stays."""
    add_user(app, "ceo@example.com", name="Casey Chief")
    log_in(client, "ceo@example.com")
    response = change_password(client, password)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert any(
        reason in html
        for reason in ("one character repeated", "e-mail address", "your name", "common", "guess")
    )
    client.post("/logout")
    assert log_in(client, "ceo@example.com", password).status_code == 200
    assert log_in(client, "ceo@example.com").status_code == 302


@pytest.mark.parametrize("password", WEAK.values(), ids=WEAK.keys())
def test_users_create_refuses_guessable_passwords(app, runner, password):
    """F-11: the same passwords are refused by `assessment users create --password-stdin`,
    and nobody is created."""
    result = create_with_password(runner, password)
    assert result.exit_code == 1
    assert "Error:" in result.output and "password" in result.output
    with app.app_context():
        assert db.session.scalar(select(Person)) is None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("aaaaaaaaaaaa", "must not be one character repeated"),
        ("ceo@example.com", "must not be built on your e-mail address"),
        ("Casey Chief 2026", "must not be built on your name"),
        ("1qaz2wsx3edc", "one of the most common passwords"),
        ("passwordpassword", "too easy to guess"),
    ],
    ids=["repeated", "email", "name", "common", "guessable"],
)
def test_users_create_says_why_a_password_is_refused(runner, password, reason):
    """F-11: each refusal names its reason."""
    assert reason in create_with_password(runner, password).output


def test_password_policy_still_accepts_strong_passwords(app, client, runner):
    """F-11: a long passphrase passes on the form; a random password that happens to contain
    the e-mail's first letters (as a generated one may) passes on the command line."""
    add_user(app, "cio@example.com", name="Chris Info")
    log_in(client, "cio@example.com")
    assert change_password(client, "violet kettle orbit lantern").status_code == 302
    result = create_with_password(runner, "xK9ceoQ2vLp7Zt4Rw8Nb")
    assert result.exit_code == 0, result.output
    assert log_in(app.test_client(), "ceo@example.com", "xK9ceoQ2vLp7Zt4Rw8Nb").status_code == 302


def test_users_create_generated_passwords_pass_the_policy(app, runner):
    """F-11: generated passwords (people created without one) still sign in."""
    for k in range(5):
        result = runner.invoke(args=["users", "create", f"ceo{k}@example.com", "--name", "C"])
        assert result.exit_code == 0, result.output
        password = result.output.split("Password: ", 1)[1].strip()
        assert log_in(app.test_client(), f"ceo{k}@example.com", password).status_code == 302


# --- names (F-15) ---------------------------------------------------------------------------

BAD_NAMES = {
    "nul": "Nul\u0000Byte",
    "bidi-override": "Bob \u202eTXT.EXE\u202c Smith",
    "isolate": "\u2066x\u2069",
    "zero-width-joiners": "A\u200d\u200dB",
    "line-break": "Casey\nChief",
}


@pytest.fixture
def admin_headers(app, runner):
    add_user(app, "admin@example.com", permissions=("admin",))
    result = runner.invoke(args=["tokens", "create", "admin@example.com"])
    assert result.exit_code == 0, result.output
    return {"Authorization": f"Bearer {result.output.strip().splitlines()[-1]}"}


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_api_people_refuses_names_with_control_or_invisible_characters(
    app, client, admin_headers, name
):
    """F-15: POST /api/v1/people answers 422 on the field `name`, and stores nobody."""
    response = client.post(
        "/api/v1/people",
        json={"email": "new@example.com", "name": name, "role": "ceo"},
        headers=admin_headers,
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert [e["field"] for e in response.get_json()["errors"]] == ["name"]
    with app.app_context():
        assert db.session.scalar(select(Person).where(Person.email == "new@example.com")) is None


def test_api_people_stores_names_normalised(app, client, admin_headers):
    """F-15: an accepted name is stored in NFC without surrounding blanks, so the same name
    typed two ways is one name."""
    response = client.post(
        "/api/v1/people",
        json={"email": "new@example.com", "name": "  Rene\u0301 Marin ", "role": "ceo"},
        headers=admin_headers,
    )
    assert response.status_code == 201
    assert response.get_json()["name"] == "Ren\u00e9 Marin"
    with app.app_context():
        assert db.session.scalar(select(Person.name).where(Person.email == "new@example.com")) == (
            "Ren\u00e9 Marin"
        )


@pytest.mark.parametrize("name", BAD_NAMES.values(), ids=BAD_NAMES.keys())
def test_users_create_refuses_names_with_control_or_invisible_characters(app, runner, name):
    """F-15: the command line refuses the name with a clear message on --name."""
    result = runner.invoke(args=["users", "create", "new@example.com", "--name", name])
    assert result.exit_code == 2
    assert "--name" in result.output and "must not contain" in result.output
    with app.app_context():
        assert db.session.scalar(select(Person)) is None
