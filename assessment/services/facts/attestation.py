"""Who attests facts they report (or check) themselves: made visible, never blocked.

A committee member can also be a fact owner (Legal, HR): attesting the report then signs off
their own figures. The committee may accept that, but it should see it, before and after.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from assessment.services.content.definitions import Fact


@dataclass(frozen=True)
class OwnFacts:
    """The reported facts of a report that one person reports, and those they check."""

    reports: tuple[str, ...]  # titles
    checks: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.reports or self.checks)


def own_facts(
    facts: Mapping[str, Fact],
    reported: Collection[str],
    role: str | None,
    delegated: Collection[str] = (),
) -> OwnFacts:
    """Among the ``reported`` fact ids: those the role owns or were delegated to the person,
    and those the role checks as second attester (and does not report itself)."""
    shown = [facts[f] for f in facts if f in reported]
    reports = tuple(f.title for f in shown if f.owner == role or f.id in delegated)
    checks = tuple(
        f.title for f in shown if role is not None and f.attester == role and f.title not in reports
    )
    return OwnFacts(reports, checks)


def before_attesting(own: OwnFacts) -> str:
    """What the attest button's page tells a member about their own facts ("" when none)."""
    parts = []
    if own.reports:
        parts.append(f"You report {_count(own.reports)} yourself: {', '.join(own.reports)}.")
    if own.checks:
        parts.append(f"You are the second check on {_count(own.checks)}: {', '.join(own.checks)}.")
    if not parts:
        return ""
    return " ".join(parts) + " Consider asking another member to attest."


def attested_by(name: str, role_label: str, own: OwnFacts) -> str:
    """E.g. 'Dana Cruz (Legal), who reports 4 of these facts' (the name alone when none)."""
    who = f"{name} ({role_label})" if role_label else name
    roles = []
    if own.reports:
        roles.append(f"reports {_count(own.reports)}")
    if own.checks:
        roles.append(f"checks {_count(own.checks)}")
    return f"{who}, who {' and '.join(roles)}" if roles else who


def _count(titles: tuple[str, ...]) -> str:
    return "1 of these facts" if len(titles) == 1 else f"{len(titles)} of these facts"
