"""CSV, XLSX and PDF files from plain tables, safe to open in a spreadsheet.

A text cell that a spreadsheet would run as a formula (starting with =, +, -, @, a tab or a
carriage return) gets a leading apostrophe, in every cell including headers; numbers written
as numbers stay numbers, and text that is just a number (such as "-12.5") is left alone
because no spreadsheet can run it.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

Cell = str | int | float | None
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Table:
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]


def neutralise(value: Cell) -> Cell:
    """The cell as a spreadsheet should receive it."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.match(text.strip()):
        return "'" + text
    return text


def to_csv(table: Table) -> bytes:
    """UTF-8 CSV with a byte-order mark so that spreadsheet programs detect the encoding."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(h) for h in table.headers])
    for row in table.rows:
        writer.writerow(["" if c is None else neutralise(c) for c in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(tables: Sequence[Table]) -> bytes:
    """One sheet per table; text cells are stored as text, never as formulas."""
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        sheet = workbook.create_sheet(_sheet_title(table.title))
        sheet.append([neutralise(h) for h in table.headers])
        for row in table.rows:
            sheet.append([_xlsx_cell(c) for c in row])
        for cells in sheet.iter_rows():
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # openpyxl would otherwise treat "=…" as a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Cell) -> Cell:
    neutral = neutralise(value)
    if isinstance(neutral, str):
        # XML 1.0 cannot hold most control characters; show them rather than fail the file.
        return "".join(
            ch if ch in "\t\n\r" or ord(ch) >= 32 else f"\\x{ord(ch):02x}" for ch in neutral
        )
    return neutral


def _sheet_title(title: str) -> str:
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", title).strip() or "Sheet"
    return cleaned[:31]


# --- PDF ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def font_files() -> tuple[str, frozenset[int]]:
    """Matplotlib ships DejaVu Sans, so the PDF needs no system fonts; also its glyph set."""
    import matplotlib
    from fontTools.ttLib import TTFont

    path = str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf")
    return path, frozenset(TTFont(path).getBestCmap())


def bold_font_file() -> str:
    import matplotlib

    return str(Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans-Bold.ttf")


def printable(text: str) -> str:
    """Text the PDF font can draw: invisible format characters (such as a right-to-left
    override) are shown as their code, characters without a glyph as '□'."""
    _, glyphs = font_files()
    out = []
    for ch in text:
        if ch == "\n":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf"):
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch if ord(ch) in glyphs else "□")
    return "".join(out)


def column_widths(table: Table) -> tuple[float, ...]:
    """Relative column widths for a PDF table: wide enough for each column's longest word (so
    that no word is broken across lines), then in proportion to its typical text."""
    widths = []
    for k, heading in enumerate(table.headers):
        cells = [str(row[k]) for row in table.rows if k < len(row) and row[k] is not None]
        words = [len(w) for text in [heading, *cells] for w in text.split()] or [1]
        typical = sorted(len(text) for text in cells)[len(cells) // 2] if cells else len(heading)
        # Bounded, so that one very long word (an address, an id) cannot squeeze the other
        # columns below a character's width.
        # +2: a cell's padding takes about two characters' room
        widths.append(float(min(max(max(words), min(typical, 40), 6), 30) + 2))
    return tuple(widths)


def line_capacity(pdf: Any) -> float:
    """How many characters of DejaVu 8 pt fit across the page, cell padding allowed for."""
    return float(pdf.epw) / 1.9


def to_pdf(
    title: str, paragraphs: Sequence[str], tables: Sequence[Table], chart: bytes | None = None
) -> bytes:
    """A plain A4 report: title, paragraphs, an optional chart (PNG or SVG) and tables."""
    from fpdf import FPDF

    path, _ = font_files()
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_font("DejaVu", "", path)
    pdf.add_font("DejaVu", "B", bold_font_file())
    pdf.add_page()
    pdf.set_font("DejaVu", size=16)
    pdf.multi_cell(0, 9, printable(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    for paragraph in paragraphs:
        pdf.multi_cell(0, 5.5, printable(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
    if chart:
        pdf.image(io.BytesIO(chart), w=pdf.epw)
    for table in tables:
        pdf.ln(3)
        pdf.set_font("DejaVu", size=12)
        pdf.multi_cell(0, 7, printable(table.title), new_x="LMARGIN", new_y="NEXT")
        draw_table(pdf, table)
    return bytes(pdf.output())


def draw_table(pdf: Any, table: Table) -> None:
    """The table's header and rows in DejaVu. Columns get room for their longest word; when
    that needs more characters than a line holds at 8 pt, the text is set smaller instead of
    breaking words."""
    widths = column_widths(table)
    pdf.set_font("DejaVu", size=min(8.0, max(5.5, 8.0 * line_capacity(pdf) / sum(widths))))
    with pdf.table(text_align="LEFT", col_widths=widths) as grid:
        header = grid.row()
        for heading in table.headers:
            header.cell(printable(heading))
        for row in table.rows:
            line = grid.row()
            for cell in row:
                line.cell(printable("" if cell is None else str(cell)))
