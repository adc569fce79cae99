"""Organisations: adding one to the installation, and changing its name, industry, size and
whether it takes part in anonymous peer benchmarks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from assessment import queries, sso, tenancy
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, Invalid
from assessment.extensions import db
from assessment.models import Organisation
from assessment.queries.organisations import SLUG
from assessment.services.text import clean_text, text_problem

# The column widths of ``Organisation``: longer text is refused, never cut.
MAX_LENGTH: Final = {"name": 200, "industry": 80, "size": 40}
SLUG_RULE: Final = (
    "use lower-case letters, digits and hyphens (at most 63, not starting or ending with a "
    "hyphen), such as acme-bank"
)


class _Unchanged:
    def __repr__(self) -> str:
        return "UNCHANGED"


# A field of ``OrganisationChange`` left as it is (None means "clear it" for industry and size).
UNCHANGED: Final = _Unchanged()


@dataclass(frozen=True)
class OrganisationChange:
    """The fields to change; a field left at ``UNCHANGED`` keeps its value."""

    name: str | _Unchanged = UNCHANGED
    industry: str | None | _Unchanged = UNCHANGED
    size: str | None | _Unchanged = UNCHANGED
    benchmark_opt_in: bool | _Unchanged = UNCHANGED

    def given(self) -> dict[str, object]:
        """The fields to change, by name."""
        return {k: v for k, v in vars(self).items() if v is not UNCHANGED}


def create_organisation(
    actor: Actor,
    slug: str,
    name: str,
    *,
    industry: str | None = None,
    size: str | None = None,
) -> Organisation:
    """Add an organisation. Its audit log starts with its own creation."""
    errors: dict[str, str] = {}
    if not SLUG.fullmatch(slug):
        errors["slug"] = SLUG_RULE
    values = _texts(errors, name=name, industry=industry, size=size)
    if errors:
        first = next(iter(errors))
        raise Invalid(f"{first}: {errors[first]}", errors)
    if queries.find_organisation(db.session, slug) is not None:
        raise Conflict(f"The organisation {slug} exists already.", {"slug": "taken"})
    if slug == sso.INSTALLATION:
        # The key of the installation's own sign-in provider (/auth/oidc/start/installation).
        raise Invalid(f"slug: {slug} is reserved; choose another", {"slug": "reserved"})
    organisation = queries.create_organisation(
        db.session,
        slug,
        str(values["name"]),
        industry=values["industry"],
        size=values["size"],
    )
    with tenancy.acting_for(organisation.id):
        audit.record(actor, "organisation_created", slug, **_described(organisation))
    return organisation


def update_organisation(
    actor: Actor, organisation: Organisation, change: OrganisationChange
) -> Organisation:
    """Change the fields ``change`` names (the others keep their values). An empty name is
    refused; an empty industry or size clears it. The audit entry lists what changed, before
    and after: opting in or out and a change of industry change who sees what."""
    given = change.given()
    opt_in = given.pop("benchmark_opt_in", UNCHANGED)
    errors: dict[str, str] = {}
    values: dict[str, Any] = _texts(errors, **given)
    if opt_in is not UNCHANGED and not isinstance(opt_in, bool):
        errors["benchmark_opt_in"] = "must be true or false"
    if errors:
        first = next(iter(errors))
        raise Invalid(f"{first}: {errors[first]}", errors)
    if opt_in is not UNCHANGED:
        values["benchmark_opt_in"] = opt_in
    changed: dict[str, list[Any]] = {}
    for key, value in values.items():
        before = getattr(organisation, key)
        if before != value:
            changed[key] = [before, value]
            setattr(organisation, key, value)
    db.session.flush()
    with tenancy.acting_for(organisation.id):
        audit.record(actor, "organisation_updated", organisation.slug, changed=changed)
    return organisation


def _texts(errors: dict[str, str], **given: Any) -> dict[str, str | None]:
    """The given text fields as stored; a problem with one is added to ``errors``. ``name``
    must not be empty; the others may be (stored as none)."""
    values: dict[str, str | None] = {}
    for key, value in given.items():
        if value is None and key != "name":
            values[key] = None
            continue
        if not isinstance(value, str):
            errors[key] = "must be text"
            continue
        if problem := text_problem(value):
            errors[key] = problem
            continue
        cleaned = clean_text(value)
        if not cleaned and key == "name":
            errors[key] = "must not be empty"
        elif len(cleaned) > MAX_LENGTH[key]:
            errors[key] = f"must be at most {MAX_LENGTH[key]} characters"
        else:
            values[key] = cleaned or None
    return values


def _described(organisation: Organisation) -> dict[str, Any]:
    return {
        "name": organisation.name,
        "industry": organisation.industry,
        "size": organisation.size,
        "benchmark_opt_in": organisation.benchmark_opt_in,
    }
