"""The leadership roster: a CSV file read into checked rows, then compared with the people
already stored, so that the administrator sees what an import would do before it does it.

The file has a header row naming the columns ``email``, ``name``, ``role`` and
``permissions`` (in any order; other columns are ignored and listed). It may be UTF-8 with or
without a byte-order mark, with commas or semicolons between values (spreadsheets in many
European locales write semicolons). A row that has any problem is never applied.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from enum import StrEnum
from typing import TYPE_CHECKING, Final

from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.people.fields import (
    check_email,
    name_problem,
    permissions_from,
    role_from,
    shown,
)
from assessment.services.text import clean_text

if TYPE_CHECKING:
    from _csv import Reader

MAX_BYTES: Final = 200_000
MAX_ROWS: Final = 2_000
COLUMNS: Final = ("email", "name", "role", "permissions")
# Header spellings people use for the same column.
HEADER_ALIASES: Final = {"e-mail": "email", "e mail": "email", "email address": "email"}


@dataclass(frozen=True)
class RosterRow:
    """One person's row: the values as read (cleaned) and every problem found with them."""

    line: int  # the file's line on which the row starts (the header is line 1)
    email: str
    name: str
    role: str | None
    permissions: tuple[str, ...]
    errors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Roster:
    """A read file: its rows, or the problem that stops the whole file being read."""

    rows: tuple[RosterRow, ...] = ()
    problem: str | None = None
    ignored_columns: tuple[str, ...] = ()


def decode(data: bytes, max_bytes: int = MAX_BYTES) -> tuple[str, str | None]:
    """The file's text (UTF-8, a byte-order mark dropped) and why it is refused, or None."""
    if len(data) > max_bytes:
        return "", f"The file is larger than {max_bytes // 1000} kB; split it into smaller files."
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        return "", "The file is not UTF-8 text: save it as “CSV UTF-8” and upload it again."


def parse_roster(
    text: str,
    *,
    permissions: Iterable[str],
    roles: Mapping[str, str] = ROLE_LABELS,
    max_rows: int = MAX_ROWS,
) -> Roster:
    """Read and check every row of the roster ``text`` (see the module's description)."""
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return Roster(problem="The file is empty: the first row must name the columns.")
    first_line = text.lstrip().splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _read(reader, tuple(permissions), roles, max_rows)
    except csv.Error as error:
        return Roster(problem=f"Line {reader.line_num}: the file cannot be read as CSV ({error}).")


def _read(
    reader: Reader, allowed: tuple[str, ...], roles: Mapping[str, str], max_rows: int
) -> Roster:
    header = [_column(cell) for cell in _first_nonblank(reader)]
    if twice := sorted({c for c in header if c and header.count(c) > 1}):
        return Roster(problem=f"The header row names the column “{twice[0]}” twice.")
    if missing := [c for c in COLUMNS if c not in header]:
        return Roster(
            problem=f"The header row lacks the column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}. The first row must name the columns "
            f"{', '.join(COLUMNS)}."
        )
    rows: list[RosterRow] = []
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) == max_rows:
            return Roster(
                problem=f"The file has more than {max_rows:,} people; split it into smaller files."
            )
        rows.append(_row(start, header, cells, allowed, roles))
    if not rows:
        return Roster(problem="The file has a header row but no people.")
    ignored = tuple(c for c in header if c not in COLUMNS)
    return Roster(_mark_duplicates(rows), None, ignored)


def _first_nonblank(reader: Reader) -> list[str]:
    for cells in reader:
        if any(cell.strip() for cell in cells):
            return cells
    return []


def _column(cell: str) -> str:
    key = " ".join(cell.strip().casefold().split())
    return HEADER_ALIASES.get(key, key)


def _row(
    line: int,
    header: list[str],
    cells: list[str],
    allowed: tuple[str, ...],
    roles: Mapping[str, str],
) -> RosterRow:
    while len(cells) > len(header) and not cells[-1].strip():
        cells = cells[:-1]  # trailing separators some spreadsheets write
    if len(cells) != len(header):
        return RosterRow(
            line,
            shown(cells[0]) if cells else "",
            "",
            None,
            (),
            (
                f"This row has {len(cells)} value{'' if len(cells) == 1 else 's'}; "
                f"the header row has {len(header)} columns.",
            ),
        )
    value = dict(zip(header, cells, strict=True))
    email, email_problem = check_email(value["email"])
    role, role_problem = role_from(value["role"], roles)
    granted, permission_problem = permissions_from(value["permissions"], allowed)
    problems = (
        f"E-mail: {email_problem}" if email_problem else None,
        name_problem(value["name"]),
        role_problem,
        permission_problem,
    )
    return RosterRow(
        line,
        email if not email_problem else shown(email),
        clean_text(value["name"]) if not problems[1] else shown(value["name"]),
        role,
        granted,
        tuple(p for p in problems if p),
    )


def _mark_duplicates(rows: list[RosterRow]) -> tuple[RosterRow, ...]:
    """Every row of an address listed more than once is refused: which one was meant?"""
    lines: dict[str, list[int]] = defaultdict(list)
    for row in rows:
        if row.email:
            lines[row.email].append(row.line)
    marked = []
    for row in rows:
        where = lines.get(row.email, [])
        if len(where) > 1:
            listed = ", ".join(str(n) for n in where[:-1]) + f" and {where[-1]}"
            problem = f"This e-mail address is on lines {listed}: keep one row per person."
            row = replace(row, errors=(*row.errors, problem))
        marked.append(row)
    return tuple(marked)


# --- comparing with the people stored -------------------------------------------------------


class Outcome(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    ERROR = "error"


@dataclass(frozen=True)
class Stored:
    """A person as stored now, as far as a roster can change them."""

    name: str
    role: str | None
    permissions: tuple[str, ...]
    active: bool = True
    # The open cycle in which they have started answering, if any: their questionnaire
    # follows their role, so the role cannot change until they submit or the cycle closes.
    answering: str | None = None


@dataclass(frozen=True)
class FieldChange:
    field: str  # "name", "role" or "permissions"
    before: str  # as the administrator reads it: role labels, "none"
    after: str


@dataclass(frozen=True)
class PlannedRow:
    """What importing one row would do."""

    row: RosterRow
    outcome: Outcome
    changes: tuple[FieldChange, ...] = ()

    @property
    def errors(self) -> tuple[str, ...]:
        return self.row.errors


def plan_import(
    roster: Roster,
    stored: Mapping[str, Stored],
    *,
    actor_email: str,
    roles: Mapping[str, str] = ROLE_LABELS,
) -> tuple[PlannedRow, ...]:
    """Each row as new, changed (with the fields), unchanged or refused.

    Besides the row's own problems, a change is refused for a deactivated person (reactivate
    them first), when it takes the administrator permission away from the person importing,
    and when it would leave no active administrator at all.
    """
    planned = [_plan_row(row, stored.get(row.email), roles) for row in roster.rows]
    planned = [_refuse_self_demotion(p, stored, actor_email) for p in planned]
    admins = {e for e, s in stored.items() if s.active and "admin" in s.permissions}
    losing = {p.row.email for p in planned if p.outcome == Outcome.CHANGED and _drops_admin(p)}
    if admins and admins <= losing:
        planned = [
            _refused(p, "No active administrator would be left: keep “admin” for someone.")
            if p.row.email in losing
            else p
            for p in planned
        ]
    return tuple(planned)


def _plan_row(row: RosterRow, now: Stored | None, roles: Mapping[str, str]) -> PlannedRow:
    if row.errors:
        return PlannedRow(row, Outcome.ERROR)
    if now is None:
        return PlannedRow(row, Outcome.NEW)
    changes = tuple(
        FieldChange(field, before, after)
        for field, before, after in (
            ("name", now.name, row.name),
            ("role", _role(now.role, roles), _role(row.role, roles)),
            ("permissions", _listed(now.permissions), _listed(row.permissions)),
        )
        if before != after
    )
    if not changes:
        return PlannedRow(row, Outcome.UNCHANGED)
    planned = PlannedRow(row, Outcome.CHANGED, changes)
    if not now.active:
        return _refused(
            planned, "This person is deactivated: reactivate them first, or leave the row out."
        )
    if now.answering and any(c.field == "role" for c in changes):
        return _refused(planned, role_locked(now.answering))
    return planned


def role_locked(cycle_id: str) -> str:
    """Why a person's role cannot change while they answer ``cycle_id``."""
    return (
        f"This person's answers in cycle {cycle_id} are asked and reported under their "
        f"current role: change the role once {cycle_id} is frozen."
    )


def _refuse_self_demotion(
    planned: PlannedRow, stored: Mapping[str, Stored], actor_email: str
) -> PlannedRow:
    if planned.row.email == actor_email and _drops_admin(planned):
        return _refused(
            planned,
            "This row takes away your own “admin” permission; another administrator must do that.",
        )
    return planned


def _drops_admin(planned: PlannedRow) -> bool:
    change = next((c for c in planned.changes if c.field == "permissions"), None)
    return (
        change is not None
        and "admin" in change.before.split(", ")
        and ("admin" not in change.after.split(", "))
    )


def _refused(planned: PlannedRow, problem: str) -> PlannedRow:
    row = replace(planned.row, errors=(*planned.row.errors, problem))
    return PlannedRow(row, Outcome.ERROR, planned.changes)


def _role(role: str | None, roles: Mapping[str, str]) -> str:
    return roles.get(role, role) if role else "none"


def _listed(permissions: Iterable[str]) -> str:
    return ", ".join(sorted(permissions)) or "none"


def counts(planned: Iterable[PlannedRow]) -> dict[Outcome, int]:
    """How many rows have each outcome (every outcome listed, zero included)."""
    found = dict.fromkeys(Outcome, 0)
    for p in planned:
        found[p.outcome] += 1
    return found


def fingerprint(text: str, planned: Iterable[PlannedRow]) -> str:
    """A digest of the file and of what importing it would do: an import confirmed from a
    preview is refused when either differs (the file was altered, people changed meanwhile)."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass"))
    for p in planned:
        digest.update(
            json.dumps([asdict(p.row), p.outcome, [asdict(c) for c in p.changes]]).encode(
                "utf-8", "surrogatepass"
            )
        )
    return digest.hexdigest()
