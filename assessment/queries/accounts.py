"""People and accounts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import selectinload

from assessment.models import (
    Account,
    AccountPermission,
    Cycle,
    CycleStatus,
    Person,
    Response,
)
from assessment.queries.session import AnySession
from assessment.services.content.definitions import ROLE_LABELS, ROLES
from assessment.tenancy import across_organisations


def normalise_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def find_account_by_email(session: AnySession, email: str) -> Account | None:
    """The account of the person with this e-mail address, if any."""
    if "\x00" in email:  # PostgreSQL refuses NUL in a parameter; no address holds one
        return None
    return session.scalar(
        select(Account).join(Account.person).where(Person.email == normalise_email(email))
    )


@dataclass(frozen=True)
class SessionAccount:
    """What every signed-in request needs to know about its account."""

    account_id: int
    person_id: int
    email: str
    name: str
    role: str | None
    permissions: frozenset[str]
    # The account's session generation: a session cookie that carries another value was
    # ended on the server (log-out, password change) and is refused by the user loader.
    session_version: int = 0
    organisation_id: int = 0


# Built once: every signed-in request runs it, and a prebuilt statement skips rebuilding and
# re-keying the query each time (the compiled form is cached by SQLAlchemy either way).
_SESSION_ACCOUNT = (
    select(
        Account.id,
        Account.person_id,
        Person.email,
        Person.name,
        Person.role,
        Account.session_version,
        Account.organisation_id,
        AccountPermission.permission,
    )
    .join(Person, Person.id == Account.person_id)
    .outerjoin(AccountPermission, AccountPermission.account_id == Account.id)
    .where(Account.id == bindparam("account_id"), Account.active.is_(True))
)


def session_account(session: AnySession, account_id: int) -> SessionAccount | None:
    """The active account with this id, its person and permissions, in one query."""
    rows = session.connection().execute(_SESSION_ACCOUNT, {"account_id": account_id}).all()
    if not rows:
        return None
    first = rows[0]
    return SessionAccount(
        first.id,
        first.person_id,
        first.email,
        first.name,
        first.role,
        frozenset(row.permission for row in rows if row.permission),
        first.session_version,
        first.organisation_id,
    )


def accounts_of_email(session: AnySession, email: str) -> list[Account]:
    """Every account under this e-mail address, in every organisation (a consultant's
    memberships), most recently used first. Read across organisations on purpose: the
    log-in page and the organisation switcher need them all."""
    if "\x00" in email:
        return []
    with across_organisations():
        found = session.scalars(
            select(Account)
            .join(Account.person)
            .where(Person.email == normalise_email(email))
            .options(selectinload(Account.person))
        ).all()
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(
        found,
        key=lambda a: (_aware(a.last_login_at) if a.last_login_at else never, -a.id),
        reverse=True,
    )


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def set_password(session: AnySession, email: str, password_hash: str) -> list[Account]:
    """Give every account under this e-mail address the same password hash: one person, one
    password, whichever organisations they belong to. Returns the accounts changed."""
    accounts = accounts_of_email(session, email)
    with across_organisations():
        for account in accounts:
            account.password_hash = password_hash
        session.flush()
    return accounts


def shared_password_hash(session: AnySession, email: str) -> str | None:
    """The password hash this address already signs in with elsewhere, if any: a new
    membership of a consultant takes it over instead of starting with a second password."""
    for account in accounts_of_email(session, email):
        if not account.password_hash.startswith("!"):
            return account.password_hash
    return None


def find_person_by_email(session: AnySession, email: str) -> Person | None:
    """The person with this e-mail address, if any."""
    if "\x00" in email:  # PostgreSQL refuses NUL in a parameter; no address holds one
        return None
    return session.scalar(select(Person).where(Person.email == normalise_email(email)))


def count_accounts(session: AnySession) -> int:
    """How many accounts exist (an empty database gets a first administrator)."""
    return session.scalar(select(func.count()).select_from(Account)) or 0


def create_person_with_account(
    session: AnySession,
    *,
    email: str,
    name: str,
    password_hash: str,
    role: str | None = None,
    permissions: tuple[str, ...] = (),
) -> Person:
    """Add a person and their account with the given permissions."""
    person = Person(email=normalise_email(email), name=name.strip(), role=role)
    # Someone who already signs in elsewhere (a consultant) keeps their one password.
    shared = shared_password_hash(session, email)
    account = Account(person=person, password_hash=shared or password_hash, active=True)
    account.permission_rows = [AccountPermission(permission=p) for p in sorted(set(permissions))]
    session.add_all([person, account])
    session.flush()
    return person


def record_login(session: AnySession, account: Account, *, new_hash: str | None = None) -> None:
    """Stamp the log-in time and, when the hasher's parameters changed, store the new hash."""
    account.last_login_at = dt.datetime.now(dt.UTC)
    if new_hash:
        account.password_hash = new_hash
    session.flush()


def list_people(session: AnySession) -> list[Person]:
    """Everyone, by name, with accounts and permissions loaded for display."""
    return list(
        session.scalars(
            select(Person).options(selectinload(Person.account)).order_by(Person.name, Person.email)
        )
    )


def names_by_email(session: AnySession, emails: set[str]) -> dict[str, str]:
    """Display names of the people with these e-mail addresses."""
    if not emails:
        return {}
    query = select(Person.email, Person.name)
    if len(emails) <= 500:  # beyond that, one full read beats an enormous IN list
        query = query.where(Person.email.in_(emails))
    return {email: name for email, name in session.execute(query) if email in emails}


def executives(session: AnySession) -> list[Person]:
    """Active people with an executive role, by role order then name. A deactivated person
    is not invited, reminded or counted as not having answered; their past answers stay."""
    people = session.scalars(
        select(Person)
        .outerjoin(Account, Account.person_id == Person.id)
        .where(Person.role.is_not(None), or_(Account.id.is_(None), Account.active.is_(True)))
    ).all()
    return sorted(people, key=lambda p: (ROLES.index(p.role or "ceo"), p.name))


def ensure_account(session: AnySession, person: Person) -> Account:
    """The person's account; people invited without one get an account that only links open."""
    if person.account is None:
        shared = shared_password_hash(session, person.email)
        person.account = Account(password_hash=shared or "!link-only", active=True)
        session.flush()
    return person.account


def get_person(session: AnySession, person_id: int) -> Person | None:
    """The person with this id, if any."""
    return session.get(Person, person_id)


# The list's status filter: people who can sign in and be invited, those who cannot, everyone.
STATUSES = ("active", "deactivated", "all")


def search_people(session: AnySession, *, text: str = "", status: str = "active") -> list[Person]:
    """People whose name, e-mail address or role label contains ``text`` (case-insensitive),
    with the given status (see ``STATUSES``), by name; accounts loaded for display."""
    query = (
        select(Person)
        .outerjoin(Account, Account.person_id == Person.id)
        .options(selectinload(Person.account))
        .order_by(Person.name, Person.email)
    )
    active = or_(Account.id.is_(None), Account.active.is_(True))
    if status == "active":
        query = query.where(active)
    elif status == "deactivated":
        query = query.where(Account.active.is_(False))
    wanted = " ".join(text.replace("\x00", "").split()).lower()  # PostgreSQL refuses NUL
    if wanted:
        pattern = "%" + wanted.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        roles = [role for role, label in ROLE_LABELS.items() if wanted in label.lower()]
        query = query.where(
            or_(
                func.lower(Person.name).like(pattern, escape="\\"),
                Person.email.like(pattern, escape="\\"),
                Person.role.in_(roles),
            )
        )
    return list(session.scalars(query))


def active_administrators(session: AnySession) -> list[int]:
    """The person ids of the active accounts holding the admin permission."""
    return list(
        session.scalars(
            select(Account.person_id)
            .join(AccountPermission, AccountPermission.account_id == Account.id)
            .where(Account.active.is_(True), AccountPermission.permission == "admin")
        )
    )


def set_permissions(session: AnySession, account: Account, permissions: tuple[str, ...]) -> None:
    """Grant exactly ``permissions``: rows kept when unchanged, added or removed otherwise."""
    wanted = set(permissions)
    account.permission_rows = [r for r in account.permission_rows if r.permission in wanted]
    have = {r.permission for r in account.permission_rows}
    account.permission_rows.extend(AccountPermission(permission=p) for p in sorted(wanted - have))
    session.flush()


def answering_cycles(session: AnySession) -> dict[int, str]:
    """Person id → a cycle, not yet frozen, in which they have answers (started or
    submitted). Their questionnaire and their place in that cycle's reports follow their
    role, so the role must not change until the cycle is frozen."""
    rows = session.execute(
        select(Response.person_id, Response.cycle_id)
        .join(Cycle, Cycle.id == Response.cycle_id)
        .where(Cycle.status.in_((CycleStatus.OPEN, CycleStatus.CLOSED)))
        .order_by(Cycle.opens)
    )
    return {person_id: cycle_id for person_id, cycle_id in rows}
