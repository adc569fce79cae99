"""Invitation links: signed, expiring, tied to one person and cycle; only hashes are stored."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from . import queries
from .extensions import db
from .mail import send_mail
from .models import Cycle, Invitation, Person

SALT = "invitation-link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def public_url(path: str) -> str:
    """An absolute link from the configured BASE_URL; never from the request's Host header."""
    return current_app.config["BASE_URL"].rstrip("/") + path


def issue_link(invitation: Invitation) -> str:
    """A new link for the invitation; earlier links stay valid until they expire."""
    token = _serializer().dumps({"i": invitation.id, "n": secrets.token_hex(8)})
    queries.add_invitation_token(db.session, invitation, token_hash(token))
    return public_url(url_for("respond.invitation", token=token))


@dataclass(frozen=True)
class LinkCheck:
    invitation: Invitation | None
    problem: str | None  # None when the link may be used


def check_link(token: str) -> LinkCheck:
    """Verify signature, age, stored hash and that the cycle is still open."""
    max_age = int(current_app.config["INVITATION_MAX_AGE_DAYS"]) * 86400
    try:
        payload = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return LinkCheck(None, "expired")
    except BadSignature:
        return LinkCheck(None, "invalid")
    invitation = queries.find_invitation_by_token_hash(db.session, token_hash(token))
    if invitation is None or not isinstance(payload, dict) or payload.get("i") != invitation.id:
        return LinkCheck(None, "invalid")
    if invitation.cycle.status != "open":
        return LinkCheck(invitation, "closed")
    return LinkCheck(invitation, None)


def send_invitations(cycle: Cycle, people: list[Person], *, reminder: bool) -> tuple[int, int]:
    """Mail a personal link to each person; reminders skip people who already submitted.

    Returns (sent, skipped). The caller commits.
    """
    sent = skipped = 0
    now = dt.datetime.now(dt.UTC)
    for person in people:
        response = queries.get_response(db.session, person.id, cycle.id)
        if response is not None and response.status == "submitted":
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
