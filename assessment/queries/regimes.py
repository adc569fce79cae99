"""The applicability profile: which regimes apply to the company."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from assessment.models import RegimeSetting, utcnow
from assessment.queries.session import AnySession


def regime_settings(session: AnySession) -> dict[str, bool]:
    """Regime id → applies, for every regime anyone has set (empty: never set)."""
    return {row.regime_id: row.applies for row in session.scalars(select(RegimeSetting))}


def set_regime_settings(session: AnySession, applies: Mapping[str, bool]) -> None:
    """Record whether each listed regime applies (rows for other ids are left alone)."""
    existing = {row.regime_id: row for row in session.scalars(select(RegimeSetting))}
    for regime_id, value in applies.items():
        row = existing.get(regime_id)
        if row is None:
            session.add(RegimeSetting(regime_id=regime_id, applies=value))
        elif row.applies != value:
            row.applies, row.changed_at = value, utcnow()
    session.flush()
