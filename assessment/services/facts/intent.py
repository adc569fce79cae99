"""Which value a fact owner meant when the form arrives with both a number and a band.

The form is pre-filled with the last value (a number, say). Choosing a band then leaves the
number in place unless a script clears it, so the server decides from what changed: the form
also sends the values it was filled with, and the field the person changed wins. Only when
both changed is it a conflict for the person to resolve.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Intent:
    """The value to keep: at most one of ``band`` and ``typed`` is non-empty unless
    ``conflict`` (both were changed, or neither, so there is no telling)."""

    band: str
    typed: str
    conflict: bool = False


def resolve_intent(band: str, band_before: str, typed: str, typed_before: str) -> Intent:
    """``band`` is the chosen category (or ""), ``typed`` the number or date as typed (or "");
    the ``_before`` values are what the form was filled with."""
    band, typed = band.strip(), typed.strip()
    if not band or not typed:
        return Intent(band, typed)
    band_changed = band != band_before.strip()
    typed_changed = typed != typed_before.strip()
    if band_changed and not typed_changed:
        return Intent(band, "")
    if typed_changed and not band_changed:
        return Intent("", typed)
    return Intent(band, typed, conflict=True)
