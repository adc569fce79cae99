"""The ``assessment`` command line: a Flask CLI group with the project's own commands."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from assessment import actions, queries, tenancy
from assessment.actions import SYSTEM, ActionError, Invalid
from assessment.cli import demo_logins
from assessment.cli.backup import (
    BackupError,
    backup,
    backup_evidence,
    backup_organisation_anchors,
    restore,
    restore_evidence,
    restore_organisation_anchors,
)
from assessment.cli.demo_org import seed_demo
from assessment.cli.orgs import org_option, organisation_named, orgs
from assessment.cli.synthetic_org import synthesise
from assessment.cli.synthetic_organisations import synthesise_organisations
from assessment.config import ROOT
from assessment.extensions import db
from assessment.models import PERMISSIONS
from assessment.reports.committee_pack import build_pack
from assessment.services.content import questionnaire_files
from assessment.services.content.content_stats import all_form_stats, markdown
from assessment.services.content.cueing import CUE_LIMITS, cueing
from assessment.services.content.definitions import ROLES

# Which command-line argument each field of a refused person names.
OPTION_OF = {"email": "EMAIL", "name": "--name", "role": "--role", "permissions": "--permission"}


def init_app(app: Flask) -> None:
    """Attach the project's commands to ``app.cli`` (so ``flask --app wsgi`` has them too)."""
    app.cli.add_command(users)
    app.cli.add_command(setup)
    app.cli.add_command(demo)
    app.cli.add_command(synth)
    app.cli.add_command(questionnaires)
    app.cli.add_command(report)
    app.cli.add_command(audit_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(tokens)
    app.cli.add_command(restore_command)
    app.cli.add_command(orgs)


@click.command("backup")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup_command(output: Path) -> None:
    """Write a consistent backup while the app keeps running."""
    try:
        others = backup_organisation_anchors(Path(current_app.instance_path), output)
        anchor = backup(
            current_app.config["SQLALCHEMY_DATABASE_URI"], output, actions.audit.anchor_path()
        )
        evidence = backup_evidence(actions.evidence_files.evidence_dir(), output)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written to {output}")
    if anchor is not None:
        click.echo(f"Audit anchor copied to {anchor} (restore puts it back)")
    if others:
        click.echo(f"Audit anchors of {others} more organisations copied beside it")
    if evidence is not None:
        click.echo(f"Evidence files copied to {evidence[0]} ({evidence[1]} files)")
    else:
        click.echo("No evidence files attached to facts yet: nothing else to copy")


def _interactive() -> bool:
    return sys.stdin.isatty()


@click.command("restore")
@click.argument("source", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(source: Path, yes: bool) -> None:
    """Replace the database with a backup (everything since the backup is lost)."""
    if not yes and _interactive():  # scripts and CI have no one to ask
        click.confirm("This replaces the whole database with the backup. Continue?", abort=True)
    try:
        notes = restore(
            current_app.config["SQLALCHEMY_DATABASE_URI"], source, actions.audit.anchor_path()
        )
        notes += restore_organisation_anchors(source, Path(current_app.instance_path))
        notes += restore_evidence(source, actions.evidence_files.evidence_dir())
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {source}")
    click.echo("Restart the app servers now: they may hold figures of rows the restore removed.")
    for note in notes:
        click.echo(note)


@click.group("audit")
def audit_group() -> None:
    """The append-only audit log."""


@audit_group.command("verify")
@with_appcontext
def audit_verify() -> None:
    """Exit 0 when the audit chain is intact, 1 naming the first problem: an edited or missing
    entry, a head without a valid MAC, or a log shorter than the anchor file records."""
    broken = False
    organisations = queries.list_organisations(db.session)
    for organisation in organisations:
        # Each organisation's log is its own chain with its own anchor file.
        with tenancy.acting_for(organisation.id):
            problem = actions.audit.verify()
        name = f" of {organisation.slug}" if len(organisations) > 1 else ""
        if problem is not None:
            click.echo(f"audit log{name} broken: {problem.message}")
            broken = True
        else:
            click.echo(f"audit log{name} intact")
    if broken:
        sys.exit(1)


@click.group()
def report() -> None:
    """Reports."""


@report.command("pack")
@click.option("--cycle", "cycle_id", required=True, help="Cycle id, such as 2026-Q4.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def report_pack(cycle_id: str, output: Path) -> None:
    """Write the quarterly committee pack (PDF)."""

    cycle = queries.get_cycle(db.session, cycle_id)
    if cycle is None:
        raise click.ClickException(f"no cycle {cycle_id!r}")
    output.write_bytes(build_pack(cycle))
    click.echo(f"Wrote {output} ({cycle.status} cycle {cycle_id})")


@click.group()
def questionnaires() -> None:
    """Questionnaire data files."""


@questionnaires.command("check")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
def check_questionnaires(path: Path | None) -> None:
    """Validate the data files; print every problem as file:line: message."""
    root = _questionnaire_root(path)
    try:
        loaded = questionnaire_files.load_catalogue(root)
    except questionnaire_files.CatalogueError as error:
        for problem in error.problems:
            click.echo(str(problem))
        click.echo(f"{len(error.problems)} problem(s) in {root}", err=True)
        sys.exit(1)
    click.echo(f"{root}: all questionnaire files are valid")
    low, high = CUE_LIMITS
    click.echo(
        f"Cueing (key is the longest option; chance about 25 %, allowed {low:.0%}-{high:.0%}):"
    )
    for q in questionnaire_files.newest_versions(loaded.questionnaires.values()):
        for letter in q.forms or (None,):
            form = q.cut_form(letter, None)
            stats = cueing(form)
            click.echo(
                f"  {form.id} {q.version}: longest {stats.key_longest}/{stats.items} "
                f"({stats.longest_share:.0%}), shortest {stats.key_shortest}/{stats.items} "
                f"({stats.shortest_share:.0%})"
            )


def _questionnaire_root(path: Path | None) -> Path:
    default = ROOT / "questionnaires"
    return path or Path(os.environ.get("ASSESSMENT_QUESTIONNAIRES_PATH", default))


GENERATED_START = "<!-- generated by: assessment questionnaires stats --write docs/content.md -->"
GENERATED_END = "<!-- end of generated part -->"


@questionnaires.command("stats")
@click.option(
    "--write",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Replace the generated part of this Markdown file instead of printing.",
)
def questionnaire_stats(target: Path | None) -> None:
    """Items per domain, reading level and cueing of the newest version of every role's forms."""
    loaded = questionnaire_files.load_catalogue(_questionnaire_root(None))
    text = markdown(
        all_form_stats(questionnaire_files.newest_versions(loaded.questionnaires.values())),
        loaded.rubric,
    )
    if target is None:
        click.echo(text, nl=False)
        return
    document = target.read_text()
    if GENERATED_START not in document or GENERATED_END not in document:
        raise click.ClickException(f"{target} has no generated part between the markers")
    head, rest = document.split(GENERATED_START, 1)
    tail = rest.split(GENERATED_END, 1)[1]
    target.write_text(f"{head}{GENERATED_START}\n{text}{GENERATED_END}{tail}")
    click.echo(f"Updated {target}")


@click.group()
def users() -> None:
    """Manage people and their accounts."""


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="Full name shown in reports.")
@click.option("--role", type=click.Choice(ROLES), help="Executive role, if any.")
@click.option(
    "--permission",
    "permissions",
    multiple=True,
    type=click.Choice(PERMISSIONS),
    help="Grant a permission; repeat for several.",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@org_option
@with_appcontext
def create_user(
    email: str,
    name: str,
    role: str | None,
    permissions: tuple[str, ...],
    password_stdin: bool,
    org_slug: str | None,
) -> None:
    """Create a person with an account and print the generated password. Someone who already
    has an account in another organisation keeps their one password."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    organisation = organisation_named(org_slug)
    # A consultant: one person, one password, whichever organisations they belong to.
    elsewhere = (
        [
            a.organisation_id
            for a in queries.accounts_of_email(db.session, email)
            if a.organisation_id != organisation.id
        ]
        if queries.shared_password_hash(db.session, email) is not None
        else []
    )
    with tenancy.acting_for(organisation.id):
        created = _create_person(organisation.slug, email, name, role, permissions, password)
        db.session.commit()
        email = created.person.email
    granted = f" ({', '.join(permissions)})" if permissions else ""
    click.echo(f"Created {email} in {organisation.slug}{granted}")
    if elsewhere:
        others = ", ".join(_slugs(elsewhere))
        click.echo(
            f"{email} already signs in to {others}: the new account shares that password"
            + (" (the one read from standard input was not used)." if password else ".")
        )
    elif password is None:
        click.echo(f"Password: {created.password}")


def _create_person(
    slug: str,
    email: str,
    name: str,
    role: str | None,
    permissions: tuple[str, ...],
    password: str | None,
) -> actions.accounts.CreatedPerson:
    """The action, its refusals as the command line's errors."""
    try:
        return actions.accounts.create_person(
            SYSTEM, email=email, name=name, role=role, permissions=permissions, password=password
        )
    except Invalid as refused:
        field, message = next(iter(refused.errors.items()))
        if field == "password":
            raise click.ClickException(message) from refused
        raise click.BadParameter(message, param_hint=OPTION_OF[field]) from refused
    except ActionError as refused:
        if refused.errors.get("email") == "exists":
            raise click.ClickException(
                f"{refused.message.removesuffix('; nothing was changed.')} in {slug}; "
                "nothing was changed."
            ) from refused
        raise click.ClickException(refused.message) from refused


def _slugs(organisation_ids: list[int]) -> list[str]:
    found = (queries.get_organisation(db.session, i) for i in sorted(set(organisation_ids)))
    return [o.slug for o in found if o is not None]


@click.command("setup")
@with_appcontext
def setup() -> None:
    """Migrate the database and, when it is empty, add the demo organisation."""

    upgrade()
    path = Path(current_app.instance_path) / demo_logins.LOGINS_FILE
    if queries.count_accounts(db.session) == 0:
        click.echo("Empty database: adding the demo organisation...")
        logins = demo_logins.fresh(seed_demo())
        db.session.commit()
        demo_logins.write(path, logins)
        _show_logins(path, logins)
    elif path.exists():
        kept = demo_logins.read(path)
        logins = demo_logins.recheck(kept)
        if [login.password for login in logins] != [login.password for login in kept]:
            demo_logins.write(path, logins)  # changed passwords are taken out
        _show_logins(path, logins)


@click.command("demo")
@with_appcontext
def demo() -> None:
    """Add the demo organisation (does nothing when it is already there)."""

    pairs = seed_demo()
    db.session.commit()
    if not pairs:
        click.echo("The demo organisation is already there.")
        return
    path = Path(current_app.instance_path) / demo_logins.LOGINS_FILE
    logins = demo_logins.fresh(pairs)
    demo_logins.write(path, logins)
    click.echo("Demo organisation added.")
    _show_logins(path, logins)


def _show_logins(path: Path, logins: list[demo_logins.Login]) -> None:
    """Who to sign in as, and where; or, once every demo password has changed, that the file
    is of no more use."""
    base = str(current_app.config["BASE_URL"]).rstrip("/")
    usable = [login for login in logins if login.password and login.active]
    if usable:
        click.echo(f"Demo log-ins (kept in {path} until you delete it).")
        click.echo(f"Sign in at {base}/ as:")
    else:
        click.echo(f"None of the demo log-ins kept in {path} works any more:")
    click.echo("")
    for line in demo_logins.table(logins):
        click.echo(f"  {line}")
    click.echo("")
    if not usable:
        click.echo(f"Delete the file to stop this message: rm {path}")


@click.group()
def tokens() -> None:
    """API tokens."""


@tokens.command("create")
@click.argument("email")
@click.option("--expires-days", default=90, show_default=True, type=click.IntRange(1, 3650))
@org_option
@with_appcontext
def create_token(email: str, expires_days: int, org_slug: str | None) -> None:
    """Print a new API token for the account, alone on the last line. The token acts in the
    account's organisation only."""
    organisation = organisation_named(org_slug)
    with tenancy.acting_for(organisation.id):
        try:
            issued = actions.tokens.issue_token(SYSTEM, email, expires_days)
        except ActionError as refused:
            raise click.ClickException(
                f"no account for {email} in {organisation.slug}"
            ) from refused
        db.session.commit()
        click.echo(
            f"Token for {issued.account.person.email} in {organisation.slug}, valid "
            f"{expires_days} days (shown only once):"
        )
    click.echo(issued.token)


@click.command("synth")
@click.option("--people", default=1000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--cycles", default=4, show_default=True, type=click.IntRange(1, 200))
@click.option("--seed", default=1, show_default=True, type=int)
@click.option(
    "--organisations",
    type=click.IntRange(1, 100_000),
    help="Add this many organisations of five executives (one per role) instead.",
)
@click.pass_context
@with_appcontext
def synth(
    ctx: click.Context, people: int, cycles: int, seed: int, organisations: int | None
) -> None:
    """Add a large synthetic organisation (people x cycles submitted responses), or many
    small ones (--organisations N: N x 5 executives x cycles quarters)."""
    if organisations is not None:
        if ctx.get_parameter_source("people") is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError(
                "--people sizes one organisation; leave it out with --organisations"
            )
        total = organisations * len(ROLES) * cycles
        with click.progressbar(length=total, label="Responses", show_pos=True) as bar:
            added = synthesise_organisations(organisations, cycles, seed, progress=bar.update)
        db.session.commit()
        click.echo(
            f"Added {organisations} organisations ({added.slugs[0]} to {added.slugs[-1]}), "
            f"{added.people} executives and {added.responses} responses in cycles "
            f"{added.cycle_ids[0]} to {added.cycle_ids[-1]}."
        )
        return
    with click.progressbar(length=people * cycles, label="Responses", show_pos=True) as bar:
        ids = synthesise(people, cycles, seed, progress=bar.update)
    db.session.commit()
    click.echo(
        f"Added {people} people and {people * cycles} responses in cycles {ids[0]} to {ids[-1]}."
    )
