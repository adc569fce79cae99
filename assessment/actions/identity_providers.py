"""An organisation's single sign-on provider: saved or removed by its administrators.

The client secret is stored only encrypted (``assessment.sso``); an edit that leaves it empty
keeps the stored one. Every change is audited in the organisation's log without the secret:
the entry says only whether a new one was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from assessment import queries, sso, tenancy
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Forbidden, Invalid
from assessment.extensions import db
from assessment.models import IdentityProvider, Organisation, utcnow
from assessment.services.security.identity_providers import (
    LABEL_MAX,
    client_id_problem,
    client_secret_problem,
    issuer_problem,
)
from assessment.services.text import clean_text, text_problem

# The settings an audit entry may show, before and after (never the secret).
SHOWN: Final = ("issuer", "client_id", "label", "sso_only", "create_unknown")
SECRET_NEEDED: Final = "Enter the client secret your identity provider gives."
SECRET_UNREADABLE: Final = (
    "The stored client secret cannot be read with this installation's key (SECRET_KEY "
    "changed): enter the secret again."
)


@dataclass(frozen=True)
class ProviderChange:
    """What the administrator gave. An empty ``client_secret`` keeps the stored one."""

    issuer: str
    client_id: str
    client_secret: str = ""
    label: str = ""
    sso_only: bool = False
    create_unknown: bool = False


def save_provider(actor: Actor, organisation: Organisation, given: ProviderChange) -> bool:
    """Set the organisation's provider; False when nothing changed. ``Invalid`` names every
    field at fault, and then nothing is written."""
    _check_admin(actor)
    with tenancy.acting_for(organisation.id):
        row = queries.get_identity_provider(db.session, organisation.id)
        values, secret = _checked(given, row)
        before = _shown(row) if row is not None else None
        if row is None:
            row = IdentityProvider(organisation_id=organisation.id, **values)
            row.client_secret_encrypted = sso.encrypt_client_secret(secret or "")
            db.session.add(row)
        else:
            if _shown(row) == values and not secret:
                return False
            for name, value in values.items():
                setattr(row, name, value)
            if secret:
                row.client_secret_encrypted = sso.encrypt_client_secret(secret)
            row.updated_at = utcnow()
        db.session.flush()
        after = _shown(row)
        changed = {
            name: [before.get(name) if before else None, after[name]]
            for name in SHOWN
            if before is None or before[name] != after[name]
        }
        audit.record(
            actor,
            "identity_provider_saved",
            organisation.slug,
            changed=changed,
            new_secret=bool(secret),
        )
    return True


def clear_provider(actor: Actor, organisation: Organisation) -> bool:
    """Remove the organisation's provider (its people sign in with passwords again); False
    when it had none."""
    _check_admin(actor)
    with tenancy.acting_for(organisation.id):
        row = queries.get_identity_provider(db.session, organisation.id)
        if row is None:
            return False
        removed = _shown(row)
        queries.delete_identity_provider(db.session, row)
        audit.record(actor, "identity_provider_removed", organisation.slug, removed=removed)
    return True


def secret_readable(row: IdentityProvider) -> bool:
    """Whether the stored secret opens with this installation's keys (for the page's notice)."""
    return _stored_secret(row) is not None


def _check_admin(actor: Actor) -> None:
    if not actor.has_permission("admin"):
        raise Forbidden("Only an administrator may change how people sign in.")


def _checked(given: ProviderChange, row: IdentityProvider | None) -> tuple[dict[str, object], str]:
    """The values to store and the new secret ('' to keep the stored one), or ``Invalid``."""
    errors: dict[str, str] = {}
    issuer = given.issuer.strip()
    if problem := issuer_problem(issuer, allow_insecure_localhost=sso.allow_insecure_localhost()):
        errors["issuer"] = problem
    client_id = given.client_id.strip()
    if problem := client_id_problem(client_id):
        errors["client_id"] = problem
    secret = given.client_secret.strip()
    stored = _stored_secret(row)
    if secret:
        if problem := client_secret_problem(secret):
            errors["client_secret"] = problem
        elif secret == stored:
            secret = ""  # typed again unchanged: nothing new to store or record
    elif row is None:
        errors["client_secret"] = SECRET_NEEDED
    elif stored is None:
        errors["client_secret"] = SECRET_UNREADABLE
    label = clean_text(given.label)
    if problem := text_problem(given.label):
        errors["label"] = f"The label {problem}."
    elif len(label) > LABEL_MAX:
        errors["label"] = f"The label is too long: at most {LABEL_MAX} characters."
    if errors:
        raise Invalid(next(iter(errors.values())), errors)
    values: dict[str, object] = {
        "issuer": issuer,
        "client_id": client_id,
        "label": label,
        "sso_only": given.sso_only,
        "create_unknown": given.create_unknown,
    }
    return values, secret


def _shown(row: IdentityProvider) -> dict[str, object]:
    return {name: getattr(row, name) for name in SHOWN}


def _stored_secret(row: IdentityProvider | None) -> str | None:
    """The stored secret, or None when there is none or it cannot be read."""
    if row is None:
        return None
    try:
        return sso.decrypt_client_secret(row.client_secret_encrypted)
    except sso.SecretUnreadable:
        return None
