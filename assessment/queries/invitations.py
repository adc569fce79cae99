"""Invitations, kept answers and mail records."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from ..models import (
    Account,
    AnswerStash,
    Cycle,
    Invitation,
    InvitationToken,
    Mail,
    Person,
)
from ..services.definitions import ROLES
from .session import AnySession


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


def invitations_in_cycle(session: AnySession, cycle_id: str) -> list[Invitation]:
    """Every invitation record of the cycle."""
    return list(session.scalars(select(Invitation).where(Invitation.cycle_id == cycle_id)))
