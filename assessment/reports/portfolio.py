"""A consultant's portfolio: each organisation they belong to, where its newest cycle stands
and, where they may see gap reports, the headline of the newest closed one.

Each organisation is read while acting for it, one at a time: the figures of one client are
computed inside that client's scope, exactly as its own gap report page would compute them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from assessment import queries, tenancy
from assessment.extensions import db
from assessment.models import Account, Cycle, CycleStatus
from assessment.organisations import shown_name
from assessment.reports.gaps import gap_report_of
from assessment.services.content.definitions import ROLE_LABELS
from assessment.services.people.fields import PERMISSION_HELP

# The permissions whose holders see gap reports (as the committee and gap pages allow).
SEES_GAPS: Final = frozenset({"admin", "committee"})
REPORTED: Final = (CycleStatus.CLOSED, CycleStatus.FROZEN)


@dataclass(frozen=True)
class GapHeadline:
    """The newest closed or frozen cycle's gaps in three numbers."""

    cycle_id: str
    status: str
    blind_spots: int  # facts two or more roles get wrong, or nobody knows
    optimistic: int  # beliefs better than the reported fact
    compared: int  # beliefs compared with a reported fact (don't-knows left out)

    @property
    def blind_spots_text(self) -> str:
        return _count(self.blind_spots, "blind spot", "blind spots")

    @property
    def optimistic_text(self) -> str:
        beliefs = _count(self.compared, "compared belief", "compared beliefs")
        return f"{self.optimistic} of {beliefs} optimistic"


@dataclass(frozen=True)
class PortfolioEntry:
    organisation_id: int
    name: str
    access: str  # the person's permissions (or executive role) there, in words
    current: bool  # the organisation this session works in
    newest_cycle: str | None
    newest_status: str | None
    sees_gaps: bool
    gaps: GapHeadline | None  # None: not theirs to see, or no closed cycle yet


def portfolio(memberships: Sequence[Account], current_organisation_id: int) -> list[PortfolioEntry]:
    """One entry per membership: the current organisation first, then the others by name."""
    entries = [_entry(account, current_organisation_id) for account in memberships]
    return sorted(entries, key=lambda e: (not e.current, e.name.casefold(), e.organisation_id))


def _entry(account: Account, current_organisation_id: int) -> PortfolioEntry:
    organisation = queries.get_organisation(db.session, account.organisation_id)
    assert organisation is not None, "an account's organisation is never deleted"
    sees_gaps = bool(account.permissions & SEES_GAPS)
    with tenancy.acting_for(organisation.id):
        cycles = queries.list_cycles(db.session)
        reported = next((c for c in cycles if c.status in REPORTED), None)
        gaps = _headline(reported) if sees_gaps and reported is not None else None
    newest = cycles[0] if cycles else None
    return PortfolioEntry(
        organisation_id=organisation.id,
        name=shown_name(organisation),
        access=_access(account),
        current=organisation.id == current_organisation_id,
        newest_cycle=newest.id if newest else None,
        newest_status=newest.status if newest else None,
        sees_gaps=sees_gaps,
        gaps=gaps,
    )


def _headline(cycle: Cycle) -> GapHeadline:
    report = gap_report_of(cycle)
    return GapHeadline(
        cycle_id=cycle.id,
        status=cycle.status,
        blind_spots=len(report.blind_spots),
        optimistic=report.overall.counts.get("optimistic", 0),
        compared=report.overall.answered,
    )


def _access(account: Account) -> str:
    labels = [PERMISSION_HELP[p][0] for p in sorted(account.permissions) if p in PERMISSION_HELP]
    role = ROLE_LABELS.get(account.person.role or "")
    if role:
        labels.append(f"answers as {role}")
    return ", ".join(labels) or "Member"


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
