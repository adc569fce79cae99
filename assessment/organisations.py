"""Per-organisation settings, with the installation's configuration as the fallback.

An organisation may override a few of the installation's settings (its pack marking, the time
zone new training sessions start in); everything not overridden reads the configuration as
before. The organisation is read from the database on every call, by the id being acted for:
several app processes share one database, so nothing here is cached across requests.
"""

from __future__ import annotations

from typing import Final

from flask import current_app

from assessment import tenancy
from assessment.extensions import db
from assessment.models import Organisation
from assessment.queries.organisations import DEFAULT_NAME

# The settings an organisation may override, stored under these names in its ``settings``.
OVERRIDABLE: Final = ("PACK_MARKING", "TRAINING_DEFAULT_TIMEZONE")
# The name the migration gave the organisation existing data moved into: until an
# administrator renames it, the installation's ASSESSMENT_ORGANISATION_NAME still names it.
PLACEHOLDER_NAME: Final = DEFAULT_NAME

__all__ = [
    "OVERRIDABLE",
    "PLACEHOLDER_NAME",
    "current_organisation",
    "display_name",
    "setting",
    "shown_name",
]


def current_organisation() -> Organisation:
    """The organisation being acted for (the signed-in membership's, ``acting_for``'s, …)."""
    organisation_id = tenancy.current_organisation_id(db.session())
    if organisation_id is tenancy.ALL:
        raise tenancy.NoOrganisation("a setting belongs to one organisation, not all of them")
    found = db.session.get(Organisation, organisation_id)
    assert found is not None, "an organisation acted for is never deleted"
    return found


def display_name(organisation: Organisation) -> str:
    """What reports print as the organisation's name: its own, unless it still carries the
    migration's placeholder, in which case the configured name (possibly none)."""
    if organisation.name == PLACEHOLDER_NAME:
        return str(current_app.config.get("ORGANISATION_NAME") or "")
    return organisation.name


def shown_name(organisation: Organisation) -> str:
    """What pages call the organisation: as reports do, else its name even if a placeholder
    (a page must always say which organisation it shows)."""
    return display_name(organisation) or organisation.name


def setting(name: str) -> str:
    """The current organisation's value of a setting, else the installation's.
    ``ORGANISATION_NAME`` is the organisation's name (see ``display_name``)."""
    organisation = current_organisation()
    if name == "ORGANISATION_NAME":
        return display_name(organisation)
    if name not in OVERRIDABLE:
        raise KeyError(f"{name} is not a per-organisation setting")
    own = (organisation.settings or {}).get(name)
    if isinstance(own, str) and own:
        return own
    return str(current_app.config[name])
