import csv
import io

import openpyxl
import pytest
from pypdf import PdfReader

from assessment.services.output.exports import Table, neutralise, printable, to_csv, to_pdf, to_xlsx


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-12.5", "-12.5"),
        ("+3", "+3"),
        ("plain text", "plain text"),
        (-12.5, -12.5),
        (7, 7),
        (None, None),
    ],
    ids=[
        "equals",
        "plus",
        "minus",
        "at",
        "tab",
        "cr",
        "negative-number-text",
        "signed-number",
        "text",
        "float",
        "int",
        "none",
    ],
)
def test_neutralise(value, expected):
    assert neutralise(value) == expected


TABLE = Table(
    "Pairs: =x",
    ("=header", "number"),
    (("=1+1", -12.5), ("-12.5", 3), ("nul\x00 and \u202e 🔐", None)),
)


def test_csv_round_trip_keeps_every_value():
    rows = list(csv.reader(io.StringIO(to_csv(TABLE).decode("utf-8-sig"))))
    assert rows == [
        ["'=header", "number"],
        ["'=1+1", "-12.5"],
        ["-12.5", "3"],
        ["nul\x00 and \u202e 🔐", ""],
    ]


def test_xlsx_round_trip_has_no_formulas_and_real_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(to_xlsx([TABLE]))).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values == [
        ["'=header", "number"],
        ["'=1+1", -12.5],
        ["-12.5", 3],
        ["nul\\x00 and \u202e 🔐", None],
    ]
    assert sheet.title == "Pairs  =x"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_pdf_shows_what_the_font_can_draw():
    assert printable("a\u202eb\n🔐") == "a<U+202E>b\n□"
    text = PdfReader(io.BytesIO(to_pdf("Title ✓", ["Line ▲"], [TABLE]))).pages[0].extract_text()
    assert "Title" in text and "=1+1" in text
