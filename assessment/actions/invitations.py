"""Invitation links: signed, expiring, tied to one person and cycle; only hashes are stored."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from assessment import queries, tenancy
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict
from assessment.actions.mail import send_mail
from assessment.extensions import db
from assessment.models import Account, Cycle, Invitation, Person
from assessment.services.security.tokens import token_hash

SALT = "invitation-link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def public_url(path: str) -> str:
    """An absolute link from the configured BASE_URL; never from the request's Host header."""
    base: str = current_app.config["BASE_URL"]
    return base.rstrip("/") + path


def issue_link(invitation: Invitation) -> str:
    """A new link for the invitation; earlier links stay valid until they expire."""
    token = _serializer().dumps({"i": invitation.id, "n": secrets.token_hex(8)})
    queries.add_invitation_token(db.session, invitation, token_hash(token))
    return public_url(url_for("respond.invitation", token=token))


@dataclass(frozen=True)
class LinkCheck:
    invitation: Invitation | None
    # None when the link may be used; "expired", "invalid" or "inactive" (the person was
    # deactivated), all three without an invitation; "closed" (the cycle takes no answers),
    # "submitted" (the person has submitted: the link signs no one in)
    problem: str | None


def check_link(token: str) -> LinkCheck:
    """Verify signature, age, stored hash, that the cycle is still open and that the person
    has not submitted yet."""
    max_age = int(current_app.config["INVITATION_MAX_AGE_DAYS"]) * 86400
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return LinkCheck(None, "expired")
    except BadSignature:
        return LinkCheck(None, "invalid")
    # The link is the only thing an anonymous browser brings: it names the organisation.
    with tenancy.across_organisations():
        invitation = queries.find_invitation_by_token_hash(db.session, token_hash(token))
    if invitation is None or not isinstance(payload, dict) or payload.get("i") != invitation.id:
        return LinkCheck(None, "invalid")
    tenancy.enter(invitation.organisation_id)
    with tenancy.acting_for(invitation.organisation_id):
        return _check(invitation)


def _check(invitation: Invitation) -> LinkCheck:
    account = invitation.person.account
    if account is not None and not account.active:
        return LinkCheck(None, "inactive")  # deactivated: the link signs no one in
    if not invitation.cycle.takes_answers:
        return LinkCheck(invitation, "closed")
    if _submitted(invitation):
        # The link's only purpose is over. Signing in with it would hand the person's results
        # and private comment to whoever holds the mail: a forwarded message, an assistant,
        # an archive (F-04). A password sign-in still shows them.
        return LinkCheck(invitation, "submitted")
    return LinkCheck(invitation, None)


def _submitted(invitation: Invitation) -> bool:
    if invitation.completed_at is not None:
        return True
    response = queries.get_response(db.session, invitation.person_id, invitation.cycle_id)
    return response is not None and response.is_submitted


def open_link(invitation: Invitation) -> Account:
    """Record that the invited person opened their link; returns the account it signs in
    (people invited without an account get one that only links open)."""
    invitation.opened_at = invitation.opened_at or dt.datetime.now(dt.UTC)
    account = queries.ensure_account(db.session, invitation.person)
    audit.record(Actor.of_account(account), "invitation_opened", invitation.cycle_id)
    return account


def refuse_link(actor: Actor, invitation: Invitation) -> None:
    """Record that a browser signed in as ``actor`` opened another person's link, which was
    refused. The audit names who really held the link (an administrator reading the outbox,
    a colleague it was forwarded to), not the person it was meant for (F-05)."""
    # In the link's organisation: whoever opened it is signed in elsewhere, perhaps in
    # another organisation, whose log must not learn who this link was for.
    with tenancy.acting_for(invitation.organisation_id):
        audit.record(
            actor,
            "invitation_refused_signed_in",
            invitation.cycle_id,
            invited=invitation.person.email,
        )


def send_invitations(actor: Actor, cycle: Cycle, *, reminder: bool) -> tuple[int, int]:
    """Mail each executive of the cycle a personal link: first invitations go to those not
    invited yet, reminders to those invited who have not submitted.

    Returns (sent, skipped because already submitted).
    """
    if not cycle.takes_answers:
        raise Conflict("Invitations can only be sent while the cycle is open.")
    invited = {i.person_id for i in queries.invitations_in_cycle(db.session, cycle.id) if i.sent_at}
    people = [
        p
        for p in queries.executives(db.session)
        if cycle.pinned_for(p.role or "") and (p.id in invited) == reminder
    ]
    sent, skipped = _send(cycle, people, reminder=reminder)
    action = "reminders_sent" if reminder else "invitations_sent"
    audit.record(actor, action, cycle.id, sent=sent, skipped=skipped)
    return sent, skipped


def _send(cycle: Cycle, people: list[Person], *, reminder: bool) -> tuple[int, int]:
    sent = skipped = 0
    now = dt.datetime.now(dt.UTC)
    for person in people:
        response = queries.get_response(db.session, person.id, cycle.id)
        if response is not None and response.is_submitted:
            skipped += 1
            continue
        invitation = queries.get_or_create_invitation(db.session, person, cycle)
        link = issue_link(invitation)
        subject, body = _compose(person, cycle, link, reminder=reminder)
        send_mail(person.email, subject, body)
        if reminder:
            invitation.reminded_at, invitation.reminders = now, invitation.reminders + 1
        invitation.sent_at = invitation.sent_at or now
        sent += 1
    db.session.flush()
    return sent, skipped


def _compose(person: Person, cycle: Cycle, link: str, *, reminder: bool) -> tuple[str, str]:
    subject = (
        f"Reminder: your {cycle.id} security leadership check-in"
        if reminder
        else f"Your {cycle.id} security leadership check-in"
    )
    opening = (
        "A friendly reminder: your check-in for this quarter is still open."
        if reminder
        else "This quarter's security leadership check-in is open."
    )
    body = (
        f"Dear {person.name},\n\n{opening}\n\n"
        "It takes about 15 to 20 minutes. You can stop at any time and continue later: every "
        "answer is saved as you give it.\n\n"
        f"Your personal link (valid until the cycle closes on {cycle.closes.isoformat()}):\n"
        f"{link}\n\n"
        "Your answers are attributed to you and shared with the security steering committee; "
        "HR sees only training needs. Please do not forward this link.\n"
    )
    return subject, body
