"""The demo's log-ins: kept in instance/first-login.txt and shown at each start, with who
each person is and what to look at first.

A password someone has changed since the first start is never shown again: each start checks
the kept passwords against the accounts and takes out those that no longer work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from assessment import queries
from assessment.cli.demo_org import PEOPLE
from assessment.extensions import db
from assessment.services.security.passwords import verify_password

LOGINS_FILE = "first-login.txt"
CHANGED = "password changed since the first start"
INACTIVE = "account deactivated"
HEADER = (
    "# Demo log-ins made on the first start: e-mail, password, who it is and what to look at.\n"
    "# Delete this file once everyone has their own password. A password changed since is\n"
    "# taken out at the next start.\n"
)
_CHANGED_LINE = re.compile(rf"^#\s*(\S+@\S+)\s+{CHANGED}\s*$")
GUIDES = {p.email: p.guide for p in PEOPLE}


@dataclass(frozen=True)
class Login:
    email: str
    password: str | None  # None: changed since the first start, so no longer kept
    active: bool = True

    @property
    def guide(self) -> str:
        return GUIDES.get(self.email, "")


def fresh(pairs: Iterable[tuple[str, str]]) -> list[Login]:
    """The log-ins the demo just created."""
    return [Login(email, password) for email, password in pairs]


def write(path: Path, logins: list[Login]) -> None:
    """Replace the file (mode 600): the kept passwords in aligned columns, and a comment line
    for each one changed since."""
    width = max((len(login.email) for login in logins), default=0)
    lines = []
    for login in logins:
        if login.password is None:
            lines.append(f"# {login.email:<{width}}  {CHANGED}")
        else:
            lines.append(f"{login.email:<{width}}  {login.password}  {login.guide}".rstrip())
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(HEADER + "".join(line + "\n" for line in lines))


def read(path: Path) -> list[Login]:
    """The log-ins in the file: kept ones (e-mail, password, then the guide, which is not
    read back) and changed ones; a file from before the guides (two columns) reads the same."""
    logins = []
    for line in path.read_text().splitlines():
        if changed := _CHANGED_LINE.match(line):
            logins.append(Login(changed.group(1), None))
        elif line.strip() and not line.startswith("#"):
            fields = line.split()
            if len(fields) >= 2:
                logins.append(Login(fields[0], fields[1]))
    return logins


def recheck(logins: list[Login]) -> list[Login]:
    """Each kept password checked against its account now: one that no longer verifies (or an
    account that is gone) counts as changed; a deactivated account is marked, not shown."""
    checked = []
    for login in logins:
        person = queries.find_person_by_email(db.session, login.email)
        account = person.account if person is not None else None
        if login.password is None or account is None:
            checked.append(replace(login, password=None))
        elif not verify_password(account.password_hash, login.password):
            checked.append(replace(login, password=None))
        else:
            checked.append(replace(login, active=account.active))
    return checked


def table(logins: list[Login]) -> list[str]:
    """Lines for the console: e-mail and password in columns easy to copy, then who it is;
    a changed or deactivated one by its e-mail only."""
    width = max((len(login.email) for login in logins), default=0)
    secret = max((len(login.password or "") for login in logins), default=0)
    secret = max(secret, len("password"))
    lines = [f"{'e-mail':<{width}}  {'password':<{secret}}  who, and what to look at first"]
    for login in logins:
        if login.password is None or not login.active:
            lines.append(f"{login.email:<{width}}  {INACTIVE if login.password else CHANGED}")
        else:
            lines.append(f"{login.email:<{width}}  {login.password:<{secret}}  {login.guide}")
    return [line.rstrip() for line in lines]
