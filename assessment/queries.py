"""Persistence helpers: functions of a session that flush but never commit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, TypeAlias

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, scoped_session

from .models import (
    Account,
    AccountPermission,
    Answer,
    AnswerStash,
    Cycle,
    CycleQuestionnaire,
    Invitation,
    InvitationToken,
    Mail,
    Person,
    Response,
)
from .services.definitions import ROLES

# Views pass Flask-SQLAlchemy's scoped session; scripts and tests may pass a plain Session.
AnySession: TypeAlias = Session | scoped_session[Any]


def normalise_email(email: str) -> str:
    """E-mail addresses are compared case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def find_account_by_email(session: AnySession, email: str) -> Account | None:
    """The account of the person with this e-mail address, if any."""
    return session.scalar(
        select(Account).join(Account.person).where(Person.email == normalise_email(email))
    )


def find_person_by_email(session: AnySession, email: str) -> Person | None:
    """The person with this e-mail address, if any."""
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
    account = Account(person=person, password_hash=password_hash, active=True)
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
    return list(session.scalars(select(Person).order_by(Person.name, Person.email)))


# --- cycles -----------------------------------------------------------------------------


def get_cycle(session: AnySession, cycle_id: str) -> Cycle | None:
    """The cycle with this id, if any."""
    return session.get(Cycle, cycle_id)


def list_cycles(session: AnySession) -> list[Cycle]:
    """All cycles, newest first."""
    return list(session.scalars(select(Cycle).order_by(Cycle.opens.desc(), Cycle.id.desc())))


def open_cycles(session: AnySession) -> list[Cycle]:
    """Cycles currently taking answers, newest first."""
    return [c for c in list_cycles(session) if c.status == "open"]


def create_cycle(session: AnySession, cycle_id: str, opens: dt.date, closes: dt.date) -> Cycle:
    """Add a cycle in draft status."""
    cycle = Cycle(id=cycle_id, opens=opens, closes=closes, status="draft")
    session.add(cycle)
    session.flush()
    return cycle


def open_cycle(session: AnySession, cycle: Cycle, versions: dict[str, tuple[str, str]]) -> None:
    """Pin each role's questionnaire (role → (id, version)) and start taking answers."""
    pinned = {p.role for p in cycle.pinned}
    for role, (questionnaire_id, version) in versions.items():
        if role not in pinned:
            cycle.pinned.append(
                CycleQuestionnaire(role=role, questionnaire_id=questionnaire_id, version=version)
            )
    cycle.status = "open"
    session.flush()


# --- responses and answers ---------------------------------------------------------------


def get_response(session: AnySession, person_id: int, cycle_id: str) -> Response | None:
    """The person's response in the cycle, if they started one."""
    return session.scalar(
        select(Response).where(Response.person_id == person_id, Response.cycle_id == cycle_id)
    )


def start_response(session: AnySession, person: Person, cycle: Cycle) -> Response:
    """The person's draft for the cycle, created on first use (safe against double starts)."""
    existing = get_response(session, person.id, cycle.id)
    if existing:
        return existing
    pinned = cycle.pinned_for(person.role or "")
    assert pinned is not None, "only people whose role has a pinned questionnaire can start"
    response = Response(
        person_id=person.id,
        cycle_id=cycle.id,
        status="draft",
        questionnaire_id=pinned.questionnaire_id,
        questionnaire_version=pinned.version,
    )
    try:
        with session.begin_nested():
            session.add(response)
    except IntegrityError:  # a second tab or a double click created it a moment ago
        found = get_response(session, person.id, cycle.id)
        assert found is not None
        return found
    return response


@dataclass(frozen=True)
class SaveOutcome:
    saved: dict[str, int]  # item id → new version
    conflicts: dict[str, object]  # item id → the newer value kept on the server


def save_answers(
    session: AnySession,
    response: Response,
    values: dict[str, object],
    seen_versions: dict[str, int] | None = None,
) -> SaveOutcome:
    """Store answers in place. An answer changed elsewhere since ``seen_versions`` is not
    overwritten but reported as a conflict, so no update is lost silently."""
    seen_versions = seen_versions or {}
    existing = {a.item_id: a for a in response.answers}
    saved: dict[str, int] = {}
    conflicts: dict[str, object] = {}
    for item_id, value in values.items():
        answer = existing.get(item_id)
        if answer is None:
            answer = Answer(item_id=item_id, value=value)
            response.answers.append(answer)
        elif answer.value == value:
            saved[item_id] = answer.version
            continue
        elif item_id in seen_versions and seen_versions[item_id] != answer.version:
            conflicts[item_id] = answer.value
            continue
        else:
            answer.value = value
        session.flush()
        saved[item_id] = answer.version
    return SaveOutcome(saved, conflicts)


def submit_response(session: AnySession, response: Response, scoring_version: str) -> bool:
    """Mark the draft submitted; False when it already was (a double click, a second tab)."""
    result = session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == "draft")
        .values(
            status="submitted",
            submitted_at=dt.datetime.now(dt.UTC),
            scoring_version=scoring_version,
        )
        .execution_options(synchronize_session=False)
    )
    session.refresh(response)
    return bool(getattr(result, "rowcount", 0))


def responses_in_cycle(session: AnySession, cycle_id: str) -> list[Response]:
    """Every response of the cycle."""
    return list(session.scalars(select(Response).where(Response.cycle_id == cycle_id)))


# --- invitations and stashes --------------------------------------------------------------


def get_or_create_invitation(session: AnySession, person: Person, cycle: Cycle) -> Invitation:
    """The person's invitation record for the cycle."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.person_id == person.id, Invitation.cycle_id == cycle.id)
    )
    if invitation is None:
        invitation = Invitation(person_id=person.id, cycle_id=cycle.id, reminders=0)
        session.add(invitation)
        session.flush()
    return invitation


def add_invitation_token(session: AnySession, invitation: Invitation, token_hash: str) -> None:
    """Remember the hash of a link just sent."""
    session.add(InvitationToken(invitation_id=invitation.id, token_hash=token_hash))
    session.flush()


def find_invitation_by_token_hash(session: AnySession, token_hash: str) -> Invitation | None:
    """The invitation a link belongs to, if the link was ever sent."""
    return session.scalar(
        select(Invitation).join(InvitationToken).where(InvitationToken.token_hash == token_hash)
    )


def executives(session: AnySession) -> list[Person]:
    """People with an executive role, by role order then name."""
    people = session.scalars(select(Person).where(Person.role.is_not(None))).all()
    return sorted(people, key=lambda p: (ROLES.index(p.role or "ceo"), p.name))


def stash_answers(session: AnySession, key: str, cycle_id: str, answers: dict[str, object]) -> None:
    """Keep answers that arrived with an expired session until their owner confirms them."""
    session.merge(AnswerStash(key=key, cycle_id=cycle_id, answers=answers))
    session.flush()


def take_stash(session: AnySession, key: str) -> AnswerStash | None:
    """The stash under ``key``, if any."""
    return session.get(AnswerStash, key)


def list_mail(session: AnySession, limit: int = 200) -> list[Mail]:
    """The newest messages first."""
    return list(session.scalars(select(Mail).order_by(Mail.id.desc()).limit(limit)))


def drop_stash(session: AnySession, key: str) -> None:
    """Forget a stash once applied or discarded."""
    stash = session.get(AnswerStash, key)
    if stash is not None:
        session.delete(stash)
        session.flush()


def ensure_account(session: AnySession, person: Person) -> Account:
    """The person's account; people invited without one get an account that only links open."""
    if person.account is None:
        person.account = Account(password_hash="!link-only", active=True)
        session.flush()
    return person.account


def mark_invitation_completed(session: AnySession, person_id: int, cycle_id: str) -> None:
    """Stamp the invitation (if any) as completed."""
    invitation = session.scalar(
        select(Invitation).where(Invitation.person_id == person_id, Invitation.cycle_id == cycle_id)
    )
    if invitation is not None and invitation.completed_at is None:
        invitation.completed_at = dt.datetime.now(dt.UTC)
        session.flush()


def fact_categories(session: AnySession, cycle_id: str) -> dict[str, str]:
    """Reported category of each fact in the cycle (none until fact reports exist)."""
    return {}


def invitations_in_cycle(session: AnySession, cycle_id: str) -> list[Invitation]:
    """Every invitation record of the cycle."""
    return list(session.scalars(select(Invitation).where(Invitation.cycle_id == cycle_id)))
