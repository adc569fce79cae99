"""An organisation's settings page: its description (through ``actions.organisations``), the
installation settings it overrides, and its logo. Every change is audited in its own log.

Nothing is written unless everything given is valid: the overrides and the logo are checked
first, the description is checked (and written) by ``update_organisation``, and only then are
the overrides and the logo written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final
from zoneinfo import available_timezones

from assessment import tenancy
from assessment.actions import audit, evidence_files
from assessment.actions.actor import Actor
from assessment.actions.errors import Invalid
from assessment.actions.organisations import OrganisationChange, update_organisation
from assessment.extensions import db
from assessment.models import Organisation
from assessment.services.branding import CheckedLogo, check_logo
from assessment.services.text import clean_text, text_problem

LOGO_MAX_BYTES: Final = 500 * 1024
MARKING_MAX: Final = 300
# Form field → the setting it overrides (see ``assessment.organisations``).
OVERRIDES: Final = {
    "pack_marking": "PACK_MARKING",
    "training_timezone": "TRAINING_DEFAULT_TIMEZONE",
}


@dataclass(frozen=True)
class Overrides:
    """The installation settings the organisation overrides; empty: use the installation's."""

    pack_marking: str = ""
    training_timezone: str = ""


@dataclass(frozen=True)
class Logo:
    """What to do with the logo: a new image's bytes (at most the limit plus one byte, enough
    to refuse it), or removing the current one."""

    data: bytes | None = None
    remove: bool = False


def save_settings(
    actor: Actor,
    organisation: Organisation,
    description: OrganisationChange,
    overrides: Overrides,
    logo: Logo | None = None,
) -> list[str]:
    """Apply what changed; returns the names of the parts that changed (for the message).
    ``Invalid`` names every field at fault, and then nothing is written."""
    errors: dict[str, str] = {}
    settings = _checked_overrides(overrides, errors)
    checked = _checked_logo(logo, errors)
    if errors:
        first = next(iter(errors))
        raise Invalid(errors[first], errors)
    changed: list[str] = []
    differing = _differing(organisation, description)
    if differing:
        update_organisation(actor, organisation, OrganisationChange(**differing))
        changed.append("details")
    with tenancy.acting_for(organisation.id):
        if _save_overrides(actor, organisation, settings):
            changed.append("settings")
        if _save_logo(actor, organisation, logo or Logo(), checked):
            changed.append("logo")
    db.session.flush()
    return changed


def _checked_overrides(overrides: Overrides, errors: dict[str, str]) -> dict[str, str]:
    marking = overrides.pack_marking
    if problem := text_problem(marking):
        errors["pack_marking"] = f"The marking {problem}."
    elif len(clean_text(marking)) > MARKING_MAX:
        errors["pack_marking"] = f"The marking is too long: at most {MARKING_MAX} characters."
    zone = overrides.training_timezone.strip()
    if zone and zone not in available_timezones():
        errors["training_timezone"] = "Choose a time zone from the list."
    return {"pack_marking": clean_text(marking), "training_timezone": zone}


def _checked_logo(logo: Logo | None, errors: dict[str, str]) -> CheckedLogo | None:
    if logo is None or logo.data is None:
        return None
    found = check_logo(logo.data, LOGO_MAX_BYTES)
    if isinstance(found, str):
        errors["logo"] = found
        return None
    return found


def _differing(organisation: Organisation, description: OrganisationChange) -> dict[str, Any]:
    """The description's fields whose value differs from the stored one once cleaned (a
    resubmitted page changes nothing, and so records nothing)."""
    differing: dict[str, Any] = {}
    for key, value in description.given().items():
        stored = clean_text(value) or None if isinstance(value, str) else value
        if stored != getattr(organisation, key):
            differing[key] = value
    return differing


def _save_overrides(actor: Actor, organisation: Organisation, given: dict[str, str]) -> bool:
    before = dict(organisation.settings or {})
    after = dict(before)
    for field, name in OVERRIDES.items():
        if given[field]:
            after[name] = given[field]
        else:
            after.pop(name, None)
    if after == before:
        return False
    organisation.settings = after  # a new dict: the JSON column sees the change
    changed = {
        name: [before.get(name), after.get(name)]
        for name in OVERRIDES.values()
        if before.get(name) != after.get(name)
    }
    audit.record(actor, "organisation_settings_changed", organisation.slug, changed=changed)
    return True


def _save_logo(
    actor: Actor, organisation: Organisation, logo: Logo, checked: CheckedLogo | None
) -> bool:
    if checked is not None and logo.data is not None:
        if checked.sha256 == organisation.logo_sha256:
            return False
        # The file is kept by its content's hash, like evidence: never under a given name.
        evidence_files.store(checked.sha256, logo.data)
        before = organisation.logo_sha256
        organisation.logo_sha256, organisation.logo_type = checked.sha256, checked.mime
        audit.record(
            actor,
            "organisation_logo_changed",
            organisation.slug,
            before=before,
            after=checked.sha256,
            size=checked.size,
        )
        return True
    if logo.remove and organisation.logo_sha256:
        before = organisation.logo_sha256
        organisation.logo_sha256 = organisation.logo_type = None
        audit.record(actor, "organisation_logo_removed", organisation.slug, before=before)
        return True
    return False
