"""Invitations and their link hashes; the executives an invitation goes to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from assessment.models import Cycle, Invitation, InvitationToken, Person
from assessment.queries.session import AnySession


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


def revoke_invitation_links(session: AnySession, person: Person) -> int:
    """Forget every invitation link issued to the person (links are checked against these
    hashes, so they stop working); returns how many there were."""
    tokens = session.scalars(
        select(InvitationToken)
        .join(Invitation, Invitation.id == InvitationToken.invitation_id)
        .where(Invitation.person_id == person.id)
    ).all()
    for token in tokens:
        session.delete(token)
    session.flush()
    return len(tokens)
