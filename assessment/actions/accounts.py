"""People and accounts: creating them, signing in and out, changing a password."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from zxcvbn import zxcvbn
from zxcvbn.frequency_lists import FREQUENCY_LISTS

from assessment import queries, tenancy
from assessment.actions import audit, sso
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
from assessment.services.text import clean_text, text_problem

# One message for every failure, so that the form never tells which e-mails have accounts.
LOGIN_FAILED = "That e-mail and password do not match an active account."

# The 30,000 most common passwords of zxcvbn's breach corpus (F-11): the first ones an attacker
# tries, online or against a stolen hash. Lower-case, as the list is.
COMMON_PASSWORDS = frozenset(FREQUENCY_LISTS["passwords"])
# zxcvbn refuses longer input (its matching is quadratic); a prefix this long decides anyway.
ESTIMATE_LENGTH = 72
# zxcvbn's scale: 3 means about 10^10 guesses, out of reach online and costly against Argon2.
MIN_STRENGTH = 3


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
    # Control and invisible format characters make one person's name read as another's
    # (bidi overrides) or break PostgreSQL (NUL); see F-15.
    if problem := text_problem(name):
        errors["name"] = problem
    elif not clean_text(name):
        errors["name"] = "must not be empty"
    name = clean_text(name)
    if role is not None and role not in ROLES:
        errors["role"] = f"must be one of {', '.join(ROLES)}"
    if unknown := [p for p in granted if p not in PERMISSIONS]:
        errors["permissions"] = f"unknown: {', '.join(unknown)}"
    if password is not None and (problem := password_problem(password, email=email, name=name)):
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


def password_problem(password: str, *, email: str = "", name: str = "") -> str | None:
    """Why a new password is refused, or None when the policy accepts it (ASVS V2.1, F-11):
    long enough, not one repeated character, not built on the person's e-mail address or
    name, not a common password, and not easy to guess by zxcvbn's estimate."""
    minimum = int(current_app.config["MIN_PASSWORD_LENGTH"])
    if len(password) < minimum:
        return f"the password must have at least {minimum} characters"
    if len(set(password)) == 1:
        return "the password must not be one character repeated"
    local_part = email.partition("@")[0]
    if len(local_part) >= 3 and _built_on(password, local_part, minimum):
        return "the password must not be built on your e-mail address"
    if any(len(word) >= 3 and _built_on(password, word, minimum) for word in name.split()):
        return "the password must not be built on your name"
    if password.lower() in COMMON_PASSWORDS:
        return "this is one of the most common passwords; choose another"
    user_inputs = [email, local_part, name, *name.split()]
    if _strength(password, user_inputs) < MIN_STRENGTH:
        return "this password is too easy to guess; a few unrelated words work well"
    return None


def _strength(password: str, user_inputs: list[str]) -> int:
    """zxcvbn's score, 0 (guessed at once) to 4, counting the person's own details as words
    an attacker tries first."""
    score: int = zxcvbn(password[:ESTIMATE_LENGTH], user_inputs=[u for u in user_inputs if u])[
        "score"
    ]
    return score


def _built_on(password: str, fragment: str, minimum: int) -> bool:
    """Whether ``fragment`` (case-insensitively) carries the password: what is left without
    it is short or guessable. A random generated password may contain three letters of an
    address by chance (about once in 2,000 for ``ceo@``) and must still pass; ``p-ceo@...``
    or ``Casey-Chief-2026`` must not."""
    if fragment.lower() not in password.lower():
        return False
    rest = re.sub(re.escape(fragment), "", password, flags=re.IGNORECASE)
    return len(rest) < minimum or _strength(rest, []) < 4


def sign_in(email: str, password: str) -> Account:
    """The active account with this e-mail and password, or ``Invalid`` with one message
    whatever was wrong. Both outcomes are audited; the password hash is upgraded when the
    hasher's parameters changed.

    A consultant has an account in several organisations under one address and one password;
    they land in the one they used last and switch from there."""
    candidates = queries.accounts_of_email(db.session, email)
    active = [account for account in candidates if account.active]
    stored = active[0].password_hash if active else None
    password_ok = verify_password(stored, password)  # always spends the time
    if not active or not password_ok:
        attempted = queries.normalise_email(email)[:254]
        # Recorded where the address belongs; an unknown address in the first organisation.
        where = (
            candidates[0].organisation_id
            if candidates
            else tenancy.first_organisation_id(db.session())
        )
        with tenancy.acting_for(where):
            audit.record(ANONYMOUS, "login_failed", attempted)
        raise Invalid(LOGIN_FAILED, {"password": LOGIN_FAILED})
    # Executives of an organisation whose provider is "SSO only" never use a password; a
    # consultant may still use it for their other memberships. Told only to whoever knows
    # the password, so that the answer reveals nothing about an address to anyone else.
    allowed = [account for account in active if sso.password_barred(account) is None]
    if not allowed:
        provider = sso.password_barred(active[0])
        assert provider is not None
        with tenancy.acting_for(active[0].organisation_id):
            audit.record(ANONYMOUS, "login_failed", active[0].person.email, reason="sso_only")
        message = sso_only_message(provider.label)
        raise Invalid(message, {"password": message, "sso": provider.key})
    account = allowed[0]
    tenancy.enter(account.organisation_id)  # the rest of the request acts there
    with tenancy.acting_for(account.organisation_id):
        if stored and needs_rehash(stored):
            queries.set_password(db.session, account.person.email, hash_password(password))
        queries.record_login(db.session, account)
        audit.record(Actor.of_account(account), "login", account.person.email)
    return account


def sso_only_message(label: str) -> str:
    """What an executive who must use single sign-on is told when they try a password."""
    return (
        f"Your organisation signs you in with {label}, not with a password. "
        f'Use "Sign in with {label}" on this page.'
    )


def sign_out(actor: Actor, account: Account) -> None:
    """End every session of the account and record it.

    Session cookies live in the browser, so deleting one ends nothing: a copy taken before
    (shared computer, proxy log) would keep working. Raising the account's session version
    makes the user loader refuse every cookie issued before (F-03)."""
    _end_sessions(account)
    audit.record(actor, "logout", actor.email)


def change_password(actor: Actor, account: Account, current: str, new: str) -> int:
    """Replace the account's password after checking the current one, and end the account's
    sessions: whoever learnt the old password may hold one (F-03). Returns the new session
    version, which the door stores in the session that made the change so that it stays."""
    if not verify_password(account.password_hash, current):
        raise Invalid("That is not your current password.", {"current": "not your password"})
    if problem := password_problem(new, email=account.person.email, name=account.person.name):
        raise Invalid(problem, {"new": problem})
    # One person, one password: every organisation they belong to takes the new one, and
    # every session of theirs ends.
    for same in queries.set_password(db.session, account.person.email, hash_password(new)):
        _end_sessions(same)
    audit.record(actor, "password_changed", account.person.email)
    return account.session_version


def _end_sessions(account: Account) -> None:
    account.session_version = (account.session_version or 0) + 1
    db.session.flush()
