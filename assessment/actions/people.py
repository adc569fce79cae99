"""People administration: changing a person's details, role and permissions, deactivating and
reactivating accounts, sending sign-in links, and importing the leadership roster."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from assessment import queries
from assessment.actions import accounts, audit, password_reset, sso
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, Forbidden, Invalid, NotFound
from assessment.extensions import db
from assessment.models import PERMISSIONS, ROLES, Account, Person
from assessment.services.people.fields import check_email, name_problem
from assessment.services.people.roster import (
    Outcome,
    PlannedRow,
    Roster,
    Stored,
    counts,
    fingerprint,
    parse_roster,
    plan_import,
    role_locked,
)
from assessment.services.text import clean_text

ADMIN = "admin"
ROSTER_SALT = "roster-import"
# A preview confirmed later than this is refused: what it showed may be out of date.
ROSTER_PREVIEW_MAX_AGE = 3600


@dataclass(frozen=True)
class Details:
    """A person's fields as the administrator sets them, checked and cleaned."""

    email: str
    name: str
    role: str | None
    permissions: tuple[str, ...]


def check_details(
    *, email: str, name: str, role: str | None, permissions: Iterable[str], person_id: int | None
) -> Details:
    """The cleaned fields, or ``Invalid`` naming every field at fault. ``person_id``: the
    person being edited (whose own address is not a clash), None for a new person."""
    errors: dict[str, str] = {}
    normalised, problem = check_email(email)
    if problem:
        errors["email"] = problem
    elif (other := queries.find_person_by_email(db.session, normalised)) and other.id != person_id:
        errors["email"] = "Another person already has this e-mail address."
    if problem := name_problem(name):
        errors["name"] = problem
    role = role or None
    if role is not None and role not in ROLES:
        errors["role"] = "Choose one of the listed roles, or none."
    granted = tuple(sorted(set(permissions)))
    if any(p not in PERMISSIONS for p in granted):
        errors["permissions"] = "Choose only the listed permissions."
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    return Details(normalised, clean_text(name), role, granted)


def add_person(
    actor: Actor, *, email: str, name: str, role: str | None, permissions: Iterable[str]
) -> Person:
    """Add a person with an account whose generated password nobody sees: they sign in by
    invitation link, or after setting a password through the link they are sent."""
    details = check_details(
        email=email, name=name, role=role, permissions=permissions, person_id=None
    )
    return accounts.create_person(
        actor,
        email=details.email,
        name=details.name,
        role=details.role,
        permissions=details.permissions,
    ).person


def update_person(
    actor: Actor,
    person_id: int,
    *,
    email: str,
    name: str,
    role: str | None,
    permissions: Iterable[str],
) -> list[str]:
    """Change a person's details; returns the fields changed (none: nothing is written)."""
    person = _person(person_id)
    details = check_details(
        email=email, name=name, role=role, permissions=permissions, person_id=person.id
    )
    return _apply(actor, person, details)


def _apply(actor: Actor, person: Person, details: Details, **context: object) -> list[str]:
    account = person.account
    before = Details(
        person.email,
        person.name,
        person.role,
        tuple(sorted(account.permissions if account else ())),
    )
    changed = {
        field: [getattr(before, field), getattr(details, field)]
        for field in ("email", "name", "role", "permissions")
        if getattr(before, field) != getattr(details, field)
    }
    if not changed:
        return []
    if ADMIN in before.permissions and ADMIN not in details.permissions:
        _keep_an_administrator(actor, person, deactivating=False)
    if "role" in changed and (cycle_id := queries.answering_cycles(db.session).get(person.id)):
        raise Invalid(role_locked(cycle_id), {"role": role_locked(cycle_id)})
    person.email, person.name, person.role = details.email, details.name, details.role
    if "email" in changed:
        _forget_links_to_the_old_address(person)
    if "permissions" in changed:
        queries.set_permissions(
            db.session, queries.ensure_account(db.session, person), details.permissions
        )
    db.session.flush()
    audit.record(
        actor,
        "person_updated",
        person.email,
        changes={f: [_plain(v) for v in pair] for f, pair in changed.items()},
        **context,
    )
    return list(changed)


def _forget_links_to_the_old_address(person: Person) -> None:
    """A corrected address often means the old one belonged to someone else (a typo, a
    former employer): the links mailed there must stop signing anyone in. Password links
    carry the address in their fingerprint; invitation links are forgotten here and the
    person's sessions end (a reminder sends a new link to the new address)."""
    queries.revoke_invitation_links(db.session, person)
    if person.account is not None:
        person.account.session_version = (person.account.session_version or 0) + 1


def _plain(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


def _keep_an_administrator(actor: Actor, person: Person, *, deactivating: bool) -> None:
    """Refuse to lock everyone out: nobody removes their own administration or deactivates
    themselves, and the last active administrator stays one."""
    field = "status" if deactivating else "permissions"
    if actor.person_id == person.id:
        doing = (
            "deactivate yourself" if deactivating else "remove your own administrator permission"
        )
        message = f"You cannot {doing}: another administrator must do it."
        raise Forbidden(message, {field: message})
    if person.account and person.account.active:
        if queries.active_administrators(db.session) == [person.id]:
            message = (
                f"{person.name} is the last active administrator and must stay one: give "
                "another person the administrator permission first."
            )
            raise Conflict(message, {field: message})


def deactivate(actor: Actor, person_id: int) -> Person:
    """Stop a person signing in: every session ends at once, invitation links stop working and
    they are not invited to new cycles. Their past answers stay in past reports."""
    person = _person(person_id)
    account = queries.ensure_account(db.session, person)
    if not account.active:
        raise Conflict(f"{person.name} is already deactivated.")
    if ADMIN in account.permissions or actor.person_id == person.id:
        _keep_an_administrator(actor, person, deactivating=True)
    account.active = False
    _end_sessions(account)
    audit.record(actor, "account_deactivated", person.email)
    return person


def reactivate(actor: Actor, person_id: int) -> Person:
    """Let a deactivated person sign in and be invited again."""
    person = _person(person_id)
    account = queries.ensure_account(db.session, person)
    if account.active:
        raise Conflict(f"{person.name} is already active.")
    account.active = True
    db.session.flush()
    audit.record(actor, "account_reactivated", person.email)
    return person


def send_sign_in_link(actor: Actor, person_id: int, *, welcome: bool = False) -> Person:
    """E-mail the person a link to set a password: a welcome for someone new, otherwise a
    reset (``actions.password_reset`` signs, limits and audits it)."""
    person = _person(person_id)
    account = queries.ensure_account(db.session, person)
    if not account.active:
        raise Conflict(f"{person.name} is deactivated: reactivate them before sending a link.")
    if (provider := sso.password_barred(account)) is not None:
        # A password they set could not be used: their organisation is "SSO only".
        raise Conflict(
            f"{person.name} signs in with {provider.label} only, so no password link is sent."
        )
    password_reset.send_link(actor, account, welcome=welcome)
    return person


def signs_in_with_provider_only(person: Person) -> bool:
    """Whether the person may sign in through their organisation's provider only (no
    password link is ever sent to them)."""
    account = person.account
    return account is not None and sso.password_barred(account) is not None


def _end_sessions(account: Account) -> None:
    # The same as signing out everywhere (see ``accounts.sign_out``): the user loader refuses
    # every session cookie issued before the version moved on.
    account.session_version = (account.session_version or 0) + 1
    db.session.flush()


def _person(person_id: int) -> Person:
    person = queries.get_person(db.session, person_id)
    if person is None:
        raise NotFound("There is no such person.")
    return person


# --- the roster ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RosterPreview:
    """What importing a roster would do, and what the confirmation must post back."""

    roster: Roster
    planned: tuple[PlannedRow, ...]
    payload: str  # the file's text, base64: survives a hidden form field byte for byte
    token: str  # signs the digest of the file and of this plan

    @property
    def counts(self) -> dict[Outcome, int]:
        return counts(self.planned)

    @property
    def applicable(self) -> int:
        found = self.counts
        return found[Outcome.NEW] + found[Outcome.CHANGED]


class PreviewOutdated(Conflict):
    """The people stored (or the file) changed after the preview: nothing was imported, and
    ``preview`` shows what an import would do now."""

    def __init__(self, preview: RosterPreview) -> None:
        super().__init__(
            "People have changed since the preview, so nothing was imported: check this new "
            "preview and confirm again."
        )
        self.preview = preview


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int
    skipped: int  # rows with errors, never applied


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=ROSTER_SALT)


def preview_roster(actor: Actor, text: str) -> RosterPreview:
    """Read the roster and compare it with the people stored; writes nothing."""
    roster = parse_roster(text, permissions=PERMISSIONS)
    planned = plan_import(roster, _stored(), actor_email=actor.email) if not roster.problem else ()
    digest = fingerprint(text, planned)
    payload = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode("ascii")
    return RosterPreview(roster, planned, payload, _serializer().dumps([digest, actor.email]))


def _stored() -> dict[str, Stored]:
    drafts = queries.answering_cycles(db.session)
    return {
        p.email: Stored(
            p.name,
            p.role,
            tuple(sorted(p.account.permissions)) if p.account else (),
            p.account is None or p.account.active,
            drafts.get(p.id),
        )
        for p in queries.list_people(db.session)
    }


def import_roster(actor: Actor, payload: str, token: str) -> ImportResult:
    """Apply exactly what the preview showed: refused if the file or the people stored have
    changed since (re-read and compared again here). Rows with errors are skipped; nobody
    missing from the file is touched."""
    try:
        text = base64.b64decode(payload, validate=True).decode("utf-8", "surrogatepass")
        digest, by = _serializer().loads(token, max_age=ROSTER_PREVIEW_MAX_AGE)
    except SignatureExpired as expired:
        raise Invalid("The preview is more than an hour old: upload the file again.") from expired
    except (BadSignature, ValueError, TypeError) as bad:  # binascii and Unicode errors included
        raise Invalid("The preview was altered: upload the file again.") from bad
    preview = preview_roster(actor, text)
    if by != actor.email or preview.roster.problem:
        raise Invalid("The preview was altered: upload the file again.")
    if digest != fingerprint(text, preview.planned):
        raise PreviewOutdated(preview)
    people = {p.email: p for p in queries.list_people(db.session)}
    for planned in preview.planned:
        row = planned.row
        details = Details(row.email, row.name, row.role, row.permissions)
        if planned.outcome == Outcome.NEW:
            add_person(
                actor, email=row.email, name=row.name, role=row.role, permissions=row.permissions
            )
        elif planned.outcome == Outcome.CHANGED:
            _apply(actor, people[row.email], details, source="roster import", line=row.line)
    found = preview.counts
    result = ImportResult(
        found[Outcome.NEW], found[Outcome.CHANGED], found[Outcome.UNCHANGED], found[Outcome.ERROR]
    )
    if result.created or result.updated:
        audit.record(
            actor,
            "roster_imported",
            f"{len(preview.planned)} rows",
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            skipped=result.skipped,
        )
    return result
