"""What a person's name, e-mail address, role and permissions accept, shared by the web form,
the roster import and the write layer so that each says the same thing."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Final

from email_validator import EmailNotValidError, validate_email

from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.text import clean_text, text_problem

NAME_MAX: Final = 200  # the column's length
EMAIL_MAX: Final = 254  # RFC 5321's limit, and the column's
# A cell starting with one of these is run as a formula by spreadsheets: a name such as
# =HYPERLINK(...) would turn every export of the people list into a trap. No real name needs
# one; tab and carriage return are control characters, refused anyway.
FORMULA_START: Final = ("=", "+", "-", "@")

# What each permission lets a person do, in words an administrator reads on the form.
PERMISSION_HELP: Final[dict[str, tuple[str, str]]] = {
    "admin": (
        "Administrator",
        "Manages people, cycles, invitations, API tokens and reads the audit log.",
    ),
    "committee": (
        "Committee member",
        "Sees the committee view, gap reports, fact reports and item analysis.",
    ),
    "hr_coordinator": (
        "HR coordinator",
        "Sees training needs and schedules training sessions.",
    ),
    "fact_owner": (
        "Fact owner",
        "Reports the facts (such as patch times) that beliefs are compared with.",
    ),
}

# Longer names people write in a roster for the roles whose label is an abbreviation.
ROLE_ALIASES: Final[dict[str, str]] = {
    "chief executive officer": "ceo",
    "chief information officer": "cio",
    "head of it": "it_manager",
    "human resources": "hr",
    "general counsel": "legal",
}


def name_problem(value: str) -> str | None:
    """Why ``value`` cannot be a person's name, as a sentence; None when it can."""
    if problem := text_problem(value):
        return f"The name {problem}."
    cleaned = clean_text(value)
    if not cleaned:
        return "Enter the person's name."
    if len(cleaned) > NAME_MAX:
        return f"The name is too long: at most {NAME_MAX} characters."
    if cleaned.startswith(FORMULA_START):
        return "A name cannot start with =, +, - or @ (spreadsheets would run it as a formula)."
    return None


def check_email(value: str) -> tuple[str, str | None]:
    """The address as stored (normalised, lower case) and why it is refused, or None."""
    text = value.strip()
    if not text:
        return "", "Enter the e-mail address."
    if len(text) > EMAIL_MAX:
        return text, f"The e-mail address is too long: at most {EMAIL_MAX} characters."
    try:
        normalised = validate_email(text, check_deliverability=False).normalized
    except EmailNotValidError as error:
        return text, f"{error}".rstrip(".") + "."
    return normalised.lower(), None


def _key(text: str) -> str:
    return re.sub(r"[\s_-]+", " ", unicodedata.normalize("NFKC", text)).strip().casefold()


def role_from(text: str, labels: Mapping[str, str] = ROLE_LABELS) -> tuple[str | None, str | None]:
    """The role id for a roster cell (blank: none; an id such as ``ceo``, its label "CEO" or a
    long form "Chief Executive Officer") and why it is refused, or None."""
    wanted = _key(text)
    if not wanted:
        return None, None
    known = {_key(role): role for role in labels}
    known.update({_key(label): role for role, label in labels.items()})
    known.update({alias: role for alias, role in ROLE_ALIASES.items() if role in labels})
    if wanted in known:
        return known[wanted], None
    choices = ", ".join(f"{role} ({label})" for role, label in labels.items())
    return None, f"Unknown role “{shown(text)}”: leave it blank or use one of {choices}."


def permissions_from(text: str, allowed: Iterable[str]) -> tuple[tuple[str, ...], str | None]:
    """The permissions in a roster cell (separated by spaces, commas, ``;`` or ``|``), sorted,
    and why it is refused, or None."""
    allowed = tuple(allowed)
    wanted = {_key(p).replace(" ", "_") for p in re.split(r"[\s,;|]+", text) if p.strip()}
    unknown = sorted(wanted - set(allowed))
    if unknown:
        listed = ", ".join(f"“{shown(p)}”" for p in unknown)
        return (), f"Unknown permission {listed}: use {', '.join(allowed)}."
    return tuple(sorted(wanted)), None


def shown(value: str, limit: int = 60) -> str:
    """A value quoted back in a message: invisible and control characters made visible as
    U+FFFD, and cut short."""
    visible = "".join(
        "\ufffd" if unicodedata.category(c) in ("Cc", "Cf") else c for c in value.strip()
    )
    return visible if len(visible) <= limit else visible[: limit - 1] + "…"
