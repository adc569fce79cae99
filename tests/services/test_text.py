"""Free text: control and invisible formatting characters refused, NFC kept (F-15)."""

from __future__ import annotations

import pytest

from assessment.services.text import clean_text, text_problem


@pytest.mark.parametrize(
    ("value", "multiline", "refused"),
    [
        ("Sofia Marin", False, False),
        ("Zoë Ngô 李", False, False),
        ("Nul\u0000Byte", False, True),
        ("Bob \u202eTXT.EXE\u202c Smith", False, True),
        ("\u2066x\u2069", False, True),
        ("A\u200d\u200dB", False, True),
        ("line\nbreak", False, True),
        ("line\nbreak", True, False),
        ("tab\tand\r\nlines", True, False),
        ("still no\u0000NUL", True, True),
    ],
    ids=[
        "plain",
        "accents",
        "nul",
        "rlo",
        "isolate",
        "zwj",
        "newline-in-name",
        "newline-in-note",
        "tab-in-note",
        "nul-in-note",
    ],
)
def test_text_problem_refuses_controls_and_format_characters(value, multiline, refused):
    assert (text_problem(value, multiline=multiline) is not None) is refused


def test_text_clean_normalises_to_nfc_and_strips():
    assert clean_text("  Zoe\u0308 ") == "Zo\u00eb"
