"""The committee pack as a board document: a cover, numbered sections with charts and tables,
an appendix, the confidentiality marking and page numbers on every page, and a title in the
document's metadata."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from assessment.services.output.exports import (
    Table,
    bold_font_file,
    draw_table,
    font_files,
    printable,
)


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    numbered: list[str] = field(default_factory=list)  # e.g. the actions, one per line
    images: list[bytes] = field(default_factory=list)  # PNG charts
    tables: list[Table] = field(default_factory=list)


@dataclass
class PackDocument:
    title: str
    cover_lines: list[str]  # organisation, cycle and dates, status, generated date
    marking: str  # the confidentiality marking, on the cover and at the foot of every page
    sections: list[Section]
    appendix: list[Section] = field(default_factory=list)


def pack_pdf(document: PackDocument) -> bytes:
    from fpdf import FPDF

    class _Pack(FPDF):
        def footer(self) -> None:
            if self.page_no() == 1:
                return
            self.set_y(-12)
            self.set_font("DejaVu", size=7.5)
            self.cell(0, 5, printable(document.marking), align="L")
            self.set_x(self.l_margin)
            self.cell(0, 5, f"{document.title} · page {self.page_no()} of {{nb}}", align="R")

    path, _ = font_files()
    pdf = _Pack(format="A4")
    pdf.set_title(printable(document.title))
    pdf.set_subject(printable(document.marking))
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_font("DejaVu", "", path)
    pdf.add_font("DejaVu", "B", bold_font_file())
    _cover(pdf, document)
    pdf.add_page()  # the cover stands alone
    for number, section in enumerate(document.sections, 1):
        _section(pdf, f"{number}. {section.heading}", section)
    if document.appendix:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", size=14)
        pdf.multi_cell(0, 8, "Appendix", new_x="LMARGIN", new_y="NEXT")
        for letter, section in zip("ABCDEFGH", document.appendix, strict=False):
            _section(pdf, f"{letter}. {section.heading}", section)
    return bytes(pdf.output())


def _cover(pdf: Any, document: PackDocument) -> None:
    pdf.add_page()
    pdf.set_y(70)
    pdf.set_font("DejaVu", "B", size=22)
    pdf.multi_cell(0, 11, printable(document.title), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("DejaVu", size=12)
    for line in document.cover_lines:
        pdf.multi_cell(0, 7, printable(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font("DejaVu", "B", size=11)
    pdf.set_draw_color(164, 22, 26)
    pdf.multi_cell(0, 8, printable(document.marking), border=1, new_x="LMARGIN", new_y="NEXT")
    pdf.set_draw_color(0, 0, 0)


def _section(pdf: Any, heading: str, section: Section) -> None:
    if pdf.get_y() > pdf.h - 60:  # a heading never sits alone at the foot of a page
        pdf.add_page()
    pdf.ln(4)
    pdf.set_font("DejaVu", "B", size=13)
    pdf.multi_cell(0, 7, printable(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("DejaVu", size=10)
    for paragraph in section.paragraphs:
        pdf.multi_cell(0, 5.5, printable(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    for number, item in enumerate(section.numbered, 1):
        pdf.set_x(pdf.l_margin)
        pdf.cell(7, 5.5, f"{number}.")
        pdf.multi_cell(0, 5.5, printable(item), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    for image in section.images:
        pdf.image(io.BytesIO(image), w=pdf.epw)
        pdf.ln(2)
    for table in section.tables:
        _table(pdf, table)


def _table(pdf: Any, table: Table) -> None:
    pdf.ln(2)
    pdf.set_font("DejaVu", "B", size=10)
    pdf.multi_cell(0, 6, printable(table.title), new_x="LMARGIN", new_y="NEXT")
    if not table.rows:
        pdf.set_font("DejaVu", size=9)
        pdf.multi_cell(0, 5, "None.", new_x="LMARGIN", new_y="NEXT")
        return
    draw_table(pdf, table)
