"""``assessment orgs``: the organisations of the installation, and ``--org`` for the commands
that act inside one."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click
from flask.cli import with_appcontext

from assessment import queries, tenancy
from assessment.actions import SYSTEM, ActionError
from assessment.actions.organisations import create_organisation
from assessment.extensions import db
from assessment.models import Organisation

F = TypeVar("F", bound=Callable[..., Any])


def org_option(command: F) -> F:
    """``--org SLUG``: the organisation a command acts in (default: the installation's first)."""
    return click.option(
        "--org",
        "org_slug",
        metavar="SLUG",
        help="The organisation to act in (default: the installation's first; see "
        "`assessment orgs list`).",
    )(command)


def organisation_named(slug: str | None) -> Organisation:
    """The organisation ``--org`` names, or the installation's first; a clear error (exit 1)
    for a slug no organisation has."""
    if slug is None:
        found = queries.get_organisation(db.session, tenancy.first_organisation_id(db.session()))
    else:
        found = queries.find_organisation(db.session, slug)
    if found is None:
        raise click.ClickException(
            f"there is no organisation {slug!r}; `assessment orgs list` shows them"
        )
    return found


@click.group("orgs")
def orgs() -> None:
    """The organisations on this installation (each sees only its own people and data)."""


@orgs.command("create")
@click.argument("slug")
@click.option("--name", required=True, help="The name shown on pages and in the pack.")
@click.option("--industry", help="For peer benchmarks within an industry, such as Finance.")
@click.option("--size", help="Such as 50-249 employees.")
@with_appcontext
def create(slug: str, name: str, industry: str | None, size: str | None) -> None:
    """Add an organisation. SLUG: lower-case letters, digits and hyphens, such as acme-bank."""
    try:
        organisation = create_organisation(SYSTEM, slug, name, industry=industry, size=size)
    except ActionError as refused:
        field, message = next(iter(refused.errors.items()), ("", refused.message))
        raise click.ClickException(
            f"{slug!r} is already taken by another organisation"
            if field == "slug" and message == "taken"
            else f"{_OPTION_OF.get(field, field)}: {message}"
        ) from refused
    db.session.commit()
    click.echo(f"Created organisation {organisation.slug} ({organisation.name}).")
    click.echo(
        "Add its first administrator with: assessment users create EMAIL --name NAME "
        f"--permission admin --org {organisation.slug}"
    )


# Which argument each refused field names.
_OPTION_OF = {"slug": "SLUG", "name": "--name", "industry": "--industry", "size": "--size"}


@orgs.command("list")
@with_appcontext
def list_command() -> None:
    """Every organisation: slug, name, industry, size and whether it takes part in peer
    benchmarks. The first is the one commands act in without --org."""
    found = queries.list_organisations(db.session)
    rows = [("SLUG", "NAME", "INDUSTRY", "SIZE", "BENCHMARKS")] + [
        (
            o.slug,
            o.name,
            o.industry or "-",
            o.size or "-",
            "opted in" if o.benchmark_opt_in else "no",
        )
        for o in found
    ]
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    for index, row in enumerate(rows):
        line = "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo(line.rstrip() + ("  (default for --org)" if index == 1 else ""))
