"""The gap report's PDF draws every class of its chart, as the web chart does, and prints
shares as percentages with no word broken across lines."""

from __future__ import annotations

import datetime as dt
import io
import re

import numpy as np
from PIL import Image
from pypdf import PdfReader

from assessment import actions, queries
from assessment.actions.actor import Actor
from assessment.actions.facts import FactInput
from assessment.extensions import db
from assessment.services.output.charts import CLASS_STYLE
from tests.conftest import (
    add_user,
    complete_answers,
    log_in,
    open_test_cycle,
    shipped_catalogue,
    submit_answers,
)

# role → (fact, belief): one belief of each class against the facts reported below
BELIEFS = {
    "ceo": ("mfa_remote_access", "yes"),  # optimistic: the fact is "partly"
    "cio": ("mfa_remote_access", "partly"),  # aligned
    "legal": ("mfa_remote_access", "no"),  # pessimistic
    "hr": ("exec_tabletop", "dk"),  # don't know
}


def _cycle_with_every_class(app) -> None:
    open_test_cycle(app, "2026-Q4")
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "chair@example.com", permissions=("committee",))
    for role, (fact, belief) in BELIEFS.items():
        add_user(app, f"{role}@example.com", role=role)
        form = shipped_catalogue().current_form(role)
        answers = complete_answers(role, form)
        item = next(i for i in form.items if i.type == "belief" and i.fact == fact)
        answers[item.id] = belief
        submit_answers(app, f"{role}@example.com", answers, "2026-Q4")
    with app.app_context():
        admin = queries.find_person_by_email(db.session, "admin@example.com")
        actions.facts.report_facts(
            Actor.of_account(admin.account),
            queries.get_cycle(db.session, "2026-Q4"),
            {
                "mfa_remote_access": FactInput(category="partly"),
                "exec_tabletop": FactInput(category="m6_12"),
            },
            as_of=dt.date.today(),
            evidence="Policy export and exercise report",
        )
        db.session.commit()


def _rgb(hex_colour: str) -> np.ndarray:
    return np.array([int(hex_colour[k : k + 2], 16) for k in (1, 3, 5)])


def test_the_pdf_chart_draws_every_class_in_its_colour(app):
    _cycle_with_every_class(app)
    client = app.test_client()
    log_in(client, "chair@example.com")
    reader = PdfReader(io.BytesIO(client.get("/gaps/2026-Q4/export.pdf").data))
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    pixels = np.asarray(Image.open(io.BytesIO(images[0].data)).convert("RGB")).reshape(-1, 3)
    for gap, (colour, _hatch) in CLASS_STYLE.items():
        close = np.abs(pixels.astype(int) - _rgb(colour)).max(axis=1) <= 12
        # each bar is a quarter of a role's line: thousands of pixels at 200 dpi
        assert close.sum() > 2000, f"{gap} ({colour}) is not drawn"
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    # headers whole, not "accur / acy": every column has room for its longest word
    assert "fact reported beliefs accurate accuracy (%) 95% CI low (%) 95% CI high (%)" in text
    assert "don't know (%) false assurance" in text
    # shares are printed as percentages (half the tabletop beliefs were "don't know": 50.0),
    # never as fractions such as 0.842
    by_fact = text.split("By fact", 1)[1].split("By role", 1)[0]
    assert "50.0" in by_fact and not re.search(r"\b0\.\d{3}\b", by_fact)


def test_the_web_chart_has_the_same_classes(app):
    _cycle_with_every_class(app)
    client = app.test_client()
    log_in(client, "chair@example.com")
    svg = client.get("/gaps/2026-Q4/chart.svg").get_data(as_text=True)
    for gap, (colour, _hatch) in CLASS_STYLE.items():
        assert colour in svg, gap


def test_pdf_tables_never_break_a_word():
    from assessment.services.output.exports import Table, column_widths

    table = Table(
        "By fact",
        ("fact", "reported", "beliefs"),
        (("Breach-notification playbook with deadlines", "Partly", 3),),
    )
    widths = column_widths(table)
    # the first column is at least as wide as its longest word, relative to the others
    assert widths[0] >= len("Breach-notification") and widths[0] > widths[2]


def test_the_committee_pack_is_a_board_document(app):
    app.config["ORGANISATION_NAME"] = "Northwind Health"
    _cycle_with_every_class(app)
    client = app.test_client()
    log_in(client, "chair@example.com")
    reader = PdfReader(io.BytesIO(client.get("/committee/pack/2026-Q4.pdf").data))
    assert reader.metadata.title == "Security steering committee pack 2026-Q4"
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    cover = pages[0]
    assert "Northwind Health" in cover and "Cycle 2026-Q4" in cover
    assert f"Generated {dt.date.today().isoformat()}" in cover
    assert app.config["PACK_MARKING"] in cover
    total = len(pages)
    assert total >= 3
    for number, text in enumerate(pages[1:], 2):  # every page after the cover: marking, number
        assert app.config["PACK_MARKING"] in text, number
        assert f"page {number} of {total}" in text, number
    body = " ".join(pages)
    for heading in (
        "1. Summary",
        "2. Open actions",
        "3. Beliefs against facts",
        "4. Where each role stands",
        "6. Comments to the committee",
        "7. Training",
        "Appendix",
        "A. Statistical detail",
    ):
        assert heading in body, heading
    # the chart is drawn, every class in its colour
    images = [image for page in reader.pages for image in page.images]
    assert len(images) == 1
    pixels = np.asarray(Image.open(io.BytesIO(images[0].data)).convert("RGB")).reshape(-1, 3)
    for gap, (colour, _hatch) in CLASS_STYLE.items():
        assert (np.abs(pixels.astype(int) - _rgb(colour)).max(axis=1) <= 12).sum() > 2000, gap
