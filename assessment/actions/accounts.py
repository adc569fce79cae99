"""People and accounts: creating them, signing in and out, changing a password."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from assessment import queries
from assessment.actions import audit
from assessment.actions.actor import ANONYMOUS, Actor
from assessment.actions.errors import Conflict, Invalid
from assessment.extensions import db
from assessment.models import PERMISSIONS, Account, Person
from assessment.services.content.definitions import ROLES
from assessment.services.security.passwords import (
    generate_password,
    hash_password,
    needs_rehash,
    verify_password,
)

# One message for every failure, so that the form never tells which e-mails have accounts.
LOGIN_FAILED = "That e-mail and password do not match an active account."


@dataclass(frozen=True)
class CreatedPerson:
    person: Person
    password: str  # generated unless the caller chose it; shown once, never stored


def create_person(
    actor: Actor,
    *,
    email: str,
    name: str,
    role: str | None = None,
    permissions: Iterable[str] = (),
    password: str | None = None,
) -> CreatedPerson:
    """Add a person with an account. Without a password one is generated (people invited by
    link never need it)."""
    granted = tuple(sorted(set(permissions)))
    errors = {}
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        errors["email"] = str(error)
    if not name.strip():
        errors["name"] = "must not be empty"
    if role is not None and role not in ROLES:
        errors["role"] = f"must be one of {', '.join(ROLES)}"
    if unknown := [p for p in granted if p not in PERMISSIONS]:
        errors["permissions"] = f"unknown: {', '.join(unknown)}"
    if password is not None and (problem := password_problem(password)):
        errors["password"] = problem
    if errors:
        first = next(iter(errors))
        raise Invalid(f"{first}: {errors[first]}", errors)
    if queries.find_person_by_email(db.session, email):
        raise Conflict(f"{email} already exists; nothing was changed.", {"email": "exists"})
    chosen = password if password is not None else generate_password()
    person = queries.create_person_with_account(
        db.session,
        email=email,
        name=name,
        role=role,
        permissions=granted,
        password_hash=hash_password(chosen),
    )
    audit.record(actor, "account_created", person.email, role=role, permissions=list(granted))
    return CreatedPerson(person, chosen)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None when the policy accepts it."""
    minimum = int(current_app.config["MIN_PASSWORD_LENGTH"])
    if len(password) < minimum:
        return f"the password must have at least {minimum} characters"
    return None


def sign_in(email: str, password: str) -> Account:
    """The active account with this e-mail and password, or ``Invalid`` with one message
    whatever was wrong. Both outcomes are audited; the password hash is upgraded when the
    hasher's parameters changed."""
    account = queries.find_account_by_email(db.session, email)
    stored = account.password_hash if account else None
    password_ok = verify_password(stored, password)  # always spends the time
    if account is None or not account.active or not password_ok:
        attempted = queries.normalise_email(email)[:254]
        audit.record(ANONYMOUS, "login_failed", attempted)
        raise Invalid(LOGIN_FAILED, {"password": LOGIN_FAILED})
    rehash = hash_password(password) if needs_rehash(stored or "") else None
    queries.record_login(db.session, account, new_hash=rehash)
    audit.record(Actor.of_account(account), "login", account.person.email)
    return account


def sign_out(actor: Actor) -> None:
    """Record that the actor signed out (the door ends its own session)."""
    audit.record(actor, "logout", actor.email)


def change_password(actor: Actor, account: Account, current: str, new: str) -> None:
    """Replace the account's password after checking the current one."""
    if not verify_password(account.password_hash, current):
        raise Invalid("That is not your current password.", {"current": "not your password"})
    if problem := password_problem(new):
        raise Invalid(problem, {"new": problem})
    account.password_hash = hash_password(new)
    db.session.flush()
    audit.record(actor, "password_changed", account.person.email)
