"""What free text the app accepts in names, labels and notes.

Control characters (NUL, line breaks inside a name) and Unicode format characters (bidirectional
overrides and isolates, zero-width joiners) are refused: an override can make one person's
name read as another's, and PostgreSQL refuses NUL outright. Accepted text is normalised to NFC
so that the same name typed two ways is stored one way.
"""

from __future__ import annotations

import unicodedata

# Line breaks and tabs are fine in multi-line text (notes, evidence), never in a name.
MULTILINE_ALLOWED = frozenset("\n\r\t")


def text_problem(value: str, *, multiline: bool = False) -> str | None:
    """Why ``value`` is refused, or None when it may be stored."""
    for char in value:
        if multiline and char in MULTILINE_ALLOWED:
            continue
        category = unicodedata.category(char)
        if category == "Cc":
            return "must not contain control characters"
        if category == "Cf":
            return f"must not contain invisible formatting characters (U+{ord(char):04X})"
    return None


def clean_text(value: str) -> str:
    """The text as stored: NFC-normalised, surrounding blanks removed."""
    return unicodedata.normalize("NFC", value).strip()
