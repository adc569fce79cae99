"""Which organisation the code is acting for, enforced on every ORM statement.

Isolation is by construction, not by remembering a filter in each view:

* every SELECT, UPDATE and DELETE the ORM runs gets a loader criterion limiting each
  ``OrganisationOwned`` entity (wherever it appears: joins, relationship loads, ``get``) to the
  current organisation;
* every new ``OrganisationOwned`` row is stamped with the current organisation on flush, and a
  row stamped with another one is refused.

The current organisation is, in order: the one set with ``acting_for`` (the CLI's ``--org``, a
background thread), the request's (``g.organisation_id``: the signed-in account's, or the one an
invitation link or API token belongs to), and outside any request the installation's first
organisation. Inside a request with none of these, touching owned rows is a programming error
and raises: an anonymous page must say explicitly that it looks across organisations
(``across_organisations``), as the log-in page does to find an account by e-mail.

Core statements run on the session's connection bypass the ORM and therefore this module; the
few hot paths that do so carry an explicit organisation parameter, and ``tests/test_tenancy.py``
lists them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Final

from flask import g, has_request_context
from sqlalchemy import event, select
from sqlalchemy.orm import ORMExecuteState, Session, scoped_session, with_loader_criteria
from sqlalchemy.sql.util import find_tables

from assessment.extensions import Base, db
from assessment.models import Organisation, OrganisationOwned

__all__ = [
    "ALL",
    "NoOrganisation",
    "acting_for",
    "across_organisations",
    "current_organisation_id",
    "enter",
    "first_organisation_id",
    "install",
    "organisation_parameter",
]


class _All:
    def __repr__(self) -> str:
        return "ALL"


# A deliberate look across every organisation (log-in by e-mail, peer benchmarks, portfolio).
ALL: Final = _All()

_acting_for: ContextVar[int | _All | None] = ContextVar("acting_for", default=None)
_FIRST_KEY = "first_organisation_id"


class NoOrganisation(RuntimeError):
    """Owned rows were touched where no organisation is known."""


@contextmanager
def acting_for(organisation_id: int) -> Iterator[None]:
    """Act for this organisation inside the block (CLI ``--org``, threads, tests)."""
    token = _acting_for.set(organisation_id)
    try:
        yield
    finally:
        _acting_for.reset(token)


@contextmanager
def across_organisations() -> Iterator[None]:
    """Read across every organisation inside the block; say why at the call site."""
    token = _acting_for.set(ALL)
    try:
        yield
    finally:
        _acting_for.reset(token)


def enter(organisation_id: int) -> bool:
    """Act for this organisation for the rest of the request when it acted for none yet (an
    anonymous invitation or password link, an API token). False when it already acts for
    another: the caller refuses."""
    if has_request_context() and _acting_for.get() is None:
        current = g.get("organisation_id")
        if current is None:
            g.organisation_id = organisation_id
            return True
        return int(current) == organisation_id
    current = _acting_for.get()
    if current is None:
        current = first_organisation_id(db.session())
    return current is ALL or current == organisation_id


def current_organisation_id(session: Session | None = None) -> int | _All:
    """The organisation statements are limited to now (``ALL`` inside ``across_organisations``)."""
    explicit = _acting_for.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        found = g.get("organisation_id")
        if found is None:
            raise NoOrganisation(
                "this request has no organisation: sign in, or read across organisations "
                "explicitly with tenancy.across_organisations()"
            )
        return int(found)
    if session is None:
        session = db.session()
    return first_organisation_id(session)


def organisation_parameter(session: Session | scoped_session[Session]) -> int:
    """The current organisation as a statement parameter, for the few Core statements that
    bypass the ORM (and so the loader criterion) on hot paths."""
    scope = (
        current_organisation_id(session())
        if isinstance(session, scoped_session)
        else current_organisation_id(session)
    )
    if not isinstance(scope, int):
        raise NoOrganisation("a Core statement needs one organisation, not all of them")
    return scope


def first_organisation_id(session: Session) -> int:
    """The installation's first organisation (the one existing data migrated into)."""
    cached = session.info.get(_FIRST_KEY)
    if cached is not None:
        return int(cached)
    found = session.scalar(
        select(Organisation.id).order_by(Organisation.id).limit(1),
        execution_options={"skip_tenancy": True},
    )
    if found is None:
        raise NoOrganisation(
            "the database has no organisation yet: run `assessment db upgrade` (or create one "
            "with `assessment orgs create`)"
        )
    session.info[_FIRST_KEY] = found
    return int(found)


def _limit_to_organisation(state: ORMExecuteState) -> None:
    if state.is_column_load or state.execution_options.get("skip_tenancy"):
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if not _touches_owned_tables(state.statement):
        return  # organisations themselves
    scope = current_organisation_id(state.session)
    if scope is ALL:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            OrganisationOwned,
            lambda cls: cls.organisation_id == scope,
            include_aliases=True,
        )
    )


def _owned_tables() -> frozenset[str]:
    return frozenset(
        mapper.local_table.name  # type: ignore[attr-defined]
        for mapper in Base.registry.mappers
        if issubclass(mapper.class_, OrganisationOwned)
    )


def _touches_owned_tables(statement: object) -> bool:
    global _OWNED
    if _OWNED is None:
        _OWNED = _owned_tables()
    return any(
        getattr(table, "name", None) in _OWNED
        for table in find_tables(statement, include_aliases=True, include_joins=True)  # type: ignore[arg-type]
    )


_OWNED: frozenset[str] | None = None


def _stamp_new_rows(session: Session, _context: object, _instances: object) -> None:
    new = [row for row in session.new if isinstance(row, OrganisationOwned)]
    if not new:
        return
    scope = current_organisation_id(session)
    for row in new:
        if row.organisation_id is None:
            if scope is ALL:
                raise NoOrganisation(
                    f"a new {type(row).__name__} needs an organisation: set organisation_id "
                    "when writing across organisations"
                )
            row.organisation_id = scope
        elif scope is not ALL and row.organisation_id != scope:
            raise NoOrganisation(
                f"a {type(row).__name__} of organisation {row.organisation_id} was added "
                f"while acting for organisation {scope}"
            )


def _forget_first(session: Session, *_args: object) -> None:
    session.info.pop(_FIRST_KEY, None)


_installed: list[type[Session] | Session] = []


def install(target: type[Session] | Session = Session) -> None:
    """Listen on every ORM session (idempotent)."""
    if target in _installed:
        return
    event.listen(target, "do_orm_execute", _limit_to_organisation)
    event.listen(target, "before_flush", _stamp_new_rows)
    event.listen(target, "after_rollback", _forget_first)
    _installed.append(target)


def request_organisation_id() -> int | None:
    """The organisation set for this request, if any (templates, audit)."""
    if has_request_context():
        value = g.get("organisation_id")
        return int(value) if value is not None else None
    return None
