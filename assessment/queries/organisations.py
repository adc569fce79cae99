"""Organisations: the installation's tenants. Not owned by any organisation themselves."""

from __future__ import annotations

import re
from typing import Final

from sqlalchemy import select

from assessment.models import Organisation
from assessment.queries.session import AnySession

SLUG: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
DEFAULT_SLUG: Final = "default"
DEFAULT_NAME: Final = "Our organisation"


def get_organisation(session: AnySession, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def find_organisation(session: AnySession, slug: str) -> Organisation | None:
    """The organisation with this slug (slugs are compared in lower case)."""
    if "\x00" in slug:
        return None
    return session.scalar(select(Organisation).where(Organisation.slug == slug.strip().lower()))


def list_organisations(session: AnySession) -> list[Organisation]:
    return list(session.scalars(select(Organisation).order_by(Organisation.id)))


def create_organisation(
    session: AnySession,
    slug: str,
    name: str,
    *,
    industry: str | None = None,
    size: str | None = None,
    benchmark_opt_in: bool = False,
) -> Organisation:
    organisation = Organisation(
        slug=slug,
        name=name,
        industry=industry or None,
        size=size or None,
        benchmark_opt_in=benchmark_opt_in,
        settings={},
    )
    session.add(organisation)
    session.flush()
    return organisation


def ensure_default_organisation(session: AnySession, name: str | None = None) -> Organisation:
    """The installation's first organisation, created when there is none (a new database)."""
    first = session.scalar(select(Organisation).order_by(Organisation.id).limit(1))
    if first is not None:
        return first
    return create_organisation(session, DEFAULT_SLUG, name or DEFAULT_NAME)
