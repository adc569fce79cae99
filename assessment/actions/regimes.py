"""The applicability profile: which laws and contracts the company is under.

Until an administrator sets it, every regime is taken to apply, so no item is left out by
default; the admin page says so. A change affects cycles opened afterwards only: a cycle's
forms are pinned when it opens.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from assessment import queries
from assessment.actions import audit
from assessment.actions.actor import Actor
from assessment.actions.errors import Invalid
from assessment.catalogue import catalogue
from assessment.extensions import db
from assessment.services.content.definitions import Regime


@dataclass(frozen=True)
class RegimeStatus:
    regime: Regime
    applies: bool


def profile() -> list[RegimeStatus]:
    """Every regime the data files know, in file order, with whether it applies."""
    settings = queries.regime_settings(db.session)
    return [
        RegimeStatus(regime, settings.get(regime.id, not settings))
        for regime in catalogue().regimes.values()
    ]


def profile_is_set() -> bool:
    return bool(queries.regime_settings(db.session))


def applicable() -> frozenset[str]:
    """The ids of the regimes that apply now."""
    return frozenset(status.regime.id for status in profile() if status.applies)


def set_applicable(actor: Actor, applies: Iterable[str]) -> list[RegimeStatus]:
    """Make exactly ``applies`` the regimes that apply; unknown ids are refused whole."""
    wanted = list(dict.fromkeys(applies))
    known = catalogue().regimes
    unknown = [regime_id for regime_id in wanted if regime_id not in known]
    if unknown:
        raise Invalid(
            f"Unknown regime(s): {', '.join(unknown)}. Known: {', '.join(known)}.",
            {"applies": f"unknown regime {unknown[0]!r}"},
        )
    queries.set_regime_settings(db.session, {r: r in wanted for r in known})
    audit.record(actor, "regimes_set", "profile", applies=sorted(wanted))
    return profile()
