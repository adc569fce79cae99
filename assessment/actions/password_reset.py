"""Password reset and welcome links sent by e-mail: signed, expiring and single-use.

A link carries, signed with the app's key, the account id, its purpose (``reset`` or
``welcome``, each with its own lifetime) and a fingerprint of the account's password hash and
session version. Nothing is stored: once the password changes (through the link or any other
way) or the account's sessions are ended, the fingerprint no longer matches and every link sent
before stops working. Sending a further link changes nothing, so earlier links keep working
until one of them is used or they expire.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from assessment import queries, tenancy
from assessment.actions import accounts, audit, sso
from assessment.actions.actor import ANONYMOUS, Actor
from assessment.actions.errors import Invalid
from assessment.actions.invitations import public_url
from assessment.actions.mail import send_mail
from assessment.extensions import db
from assessment.models import Account
from assessment.services.security.passwords import hash_password

SALT = "password-reset-link"
RESET, WELCOME = "reset", "welcome"
# Why a link cannot be used: a broken or foreign signature (or no such account), too old,
# already used or overtaken by a password change, or the account was deactivated.
INVALID, EXPIRED, USED, INACTIVE = "invalid", "expired", "used", "inactive"


@dataclass(frozen=True)
class Message:
    """A composed message, delivered later by :func:`deliver`."""

    recipient: str
    subject: str
    body: str
    organisation_id: int  # whose mail log records it, whichever thread sends it


@dataclass(frozen=True)
class LinkCheck:
    account: Account | None  # None when the link cannot be used
    kind: str  # RESET or WELCOME ("" for a link that is not ours)
    problem: str | None  # None, INVALID, EXPIRED, USED or INACTIVE


def max_age_seconds(kind: str) -> int:
    """How long a link of this kind works."""
    config = current_app.config
    if kind == WELCOME:
        return int(config["WELCOME_LINK_MAX_AGE_HOURS"]) * 3600
    return int(config["PASSWORD_RESET_MAX_AGE_MINUTES"]) * 60


def lifetime_text(kind: str) -> str:
    """The lifetime in words, as pages and e-mails say it."""
    config = current_app.config
    if kind == WELCOME:
        hours = int(config["WELCOME_LINK_MAX_AGE_HOURS"])
        return f"{hours} hour" if hours == 1 else f"{hours} hours"
    minutes = int(config["PASSWORD_RESET_MAX_AGE_MINUTES"])
    return f"{minutes} minute" if minutes == 1 else f"{minutes} minutes"


def send_link(actor: Actor, account: Account, *, welcome: bool = False) -> None:
    """Mail the person a link to set a new password (``welcome``: their first one).

    Raises ``Invalid`` for a deactivated account: its links would not work anyway."""
    if not account.active:
        raise Invalid(
            f"The account of {account.person.email} is deactivated; reactivate it first.",
            {"account": "inactive"},
        )
    kind = WELCOME if welcome else RESET
    message = _compose(account, kind)
    send_mail(message.recipient, message.subject, message.body)
    audit.record(actor, "password_reset_link_sent", account.person.email, kind=kind)


def request_link(email: str) -> Message | None:
    """For "Forgot your password?": the reset message for the active account with this
    address, for the door to send (:func:`deliver`) without keeping the answer waiting; or None.

    Whoever asks learns nothing: the page says the same for every address, and the door sends
    the message without waiting for the mail server, so the answers differ in time only by a
    lookup and a signature (milliseconds). Both outcomes are audited."""
    # One password per address, whatever organisations it belongs to: the link goes to the
    # address and resets them all (see ``reset_password``).
    candidates = queries.accounts_of_email(db.session, email)
    active = [a for a in candidates if a.active]
    # An executive of an organisation whose provider is "SSO only" has no password to reset
    # (a consultant still resets the one of their other memberships).
    allowed = [a for a in active if sso.password_barred(a) is None]
    if not allowed:
        asked = queries.normalise_email(email)[:254]
        reason = "no account" if not candidates else "sso_only" if active else "deactivated"
        where = (
            candidates[0].organisation_id
            if candidates
            else tenancy.first_organisation_id(db.session())
        )
        with tenancy.acting_for(where):
            audit.record(ANONYMOUS, "password_reset_requested", asked, sent=False, reason=reason)
        return None
    account = allowed[0]
    with tenancy.acting_for(account.organisation_id):
        message = _compose(account, RESET)
        audit.record(
            ANONYMOUS, "password_reset_link_sent", account.person.email, kind=RESET, requested=True
        )
    return message


def deliver(message: Message) -> None:
    """Send a message composed by :func:`request_link`; the caller commits its record."""
    send_mail(message.recipient, message.subject, message.body)


def check_link(token: str) -> LinkCheck:
    """Whether the link may be used, and for which account."""
    serializer = _serializer()
    try:
        payload = serializer.loads(token)
    except BadSignature:
        return LinkCheck(None, "", INVALID)
    if (
        not isinstance(payload, dict)
        or payload.get("p") not in (RESET, WELCOME)
        or not isinstance(payload.get("a"), int)
        or not isinstance(payload.get("f"), str)
    ):
        return LinkCheck(None, "", INVALID)
    kind = str(payload["p"])
    try:
        serializer.loads(token, max_age=max_age_seconds(kind))
    except SignatureExpired:
        return LinkCheck(None, kind, EXPIRED)
    with tenancy.across_organisations():  # the link names its account; nothing else is known
        account = db.session.get(Account, payload["a"])
        if account is not None:
            account.person  # noqa: B018  # loaded here, whichever organisation it is in
    if account is None:
        return LinkCheck(None, kind, INVALID)
    tenancy.enter(account.organisation_id)
    if not account.active:
        return LinkCheck(None, kind, INACTIVE)
    if not hmac.compare_digest(payload["f"], _fingerprint(account)):
        return LinkCheck(None, kind, USED)
    return LinkCheck(account, kind, None)


def reset_password(link: LinkCheck, new: str) -> Account:
    """Set the password a usable link was sent for, and end every session of the account:
    whoever knew the old password may hold one. The link (and every other one sent before)
    stops working, since the fingerprint it carries changes with the password."""
    account = link.account
    if account is None:
        raise Invalid("This link cannot be used.", {"token": link.problem or INVALID})
    if problem := accounts.password_problem(
        new, email=account.person.email, name=account.person.name
    ):
        raise Invalid(problem, {"new": problem})
    # The link proves control of the address, which every membership under it shares.
    for same in queries.set_password(db.session, account.person.email, hash_password(new)):
        accounts._end_sessions(same)  # the same session version the log-out raises
    with tenancy.acting_for(account.organisation_id):
        audit.record(
            Actor.of_account(account), "password_reset", account.person.email, kind=link.kind
        )
    return account


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(account: Account) -> str:
    """Changes whenever the password, the session version or the e-mail address does (a
    link mailed to a mistyped address must die when the address is corrected). Keyed, so
    that the token (readable by whoever holds it) tells nothing about the password hash."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    material = (
        f"{account.id}:{account.session_version or 0}:{account.password_hash}:"
        f"{account.person.email}"
    )
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()[:32]


def _link(account: Account, kind: str) -> str:
    token = _serializer().dumps({"a": account.id, "p": kind, "f": _fingerprint(account)})
    # Built from BASE_URL, never from the request's Host header; a plain path, so that the
    # command line (no request) can send links too.
    return public_url(f"/reset/{token}")


def _compose(account: Account, kind: str) -> Message:
    person = account.person
    link = _link(account, kind)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=max_age_seconds(kind))
    expiry = (
        f"The link works once and expires after {lifetime_text(kind)}, "
        f"at {until:%H:%M} UTC on {until:%d %B %Y}."
    )
    if kind == WELCOME:
        subject = "Set your password to sign in"
        opening = (
            "An account has been created for you in the security leadership assessment. "
            "Open this link to choose your password; you then sign in with your e-mail "
            f"address ({person.email}) and that password:"
        )
        closing = (
            'If the link has expired, use "Forgot your password?" on the sign-in page to get '
            "a new one. If you did not expect this, ignore this e-mail; no password is set "
            "until the link is used."
        )
    else:
        subject = "Reset your password"
        opening = (
            "Someone, we hope you, asked to reset the password of your account "
            f"({person.email}) in the security leadership assessment. "
            "Open this link to choose a new password:"
        )
        closing = "If you did not ask for this, ignore this e-mail; your password stays as it is."
    body = f"Dear {person.name},\n\n{opening}\n\n{link}\n\n{expiry}\n\n{closing}\n"
    return Message(person.email, subject, body, account.organisation_id)
