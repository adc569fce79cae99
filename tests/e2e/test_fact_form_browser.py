"""The IT manager of the demo reports a fact in Chromium: the pre-filled number gives way to
a chosen band, an as-of date from 1999 is explained, a bad link is refused, and an attached
PDF is listed in the history and downloads; Legal is told it attests its own facts."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import FactValue
from tests.e2e.helpers import check, open_cycle_id, sign_in

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
FACT = "patch_latency_critical"


def test_it_manager_chooses_a_band_attaches_a_pdf_and_downloads_it(
    browser, live_app, live_server, demo, context, new_context
):
    from playwright.sync_api import expect

    cycle_id = open_cycle_id(live_app)
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, "it@example.com", demo["it@example.com"])
    page.goto(f"{live_server}/facts/{cycle_id}/{FACT}")
    number = page.get_by_label("Number of days")
    expect(number).to_have_value("12")  # the demo's value, pre-filled
    check(page, "fact-form-1-prefilled")

    page.get_by_label("15 to 29 days").check()
    expect(number).to_have_value("")  # choosing a band clears the number
    expect(page.locator("#value-status")).to_contain_text("cleared")
    number.fill("9")
    expect(page.get_by_label("15 to 29 days")).not_to_be_checked()  # and typing clears the band
    page.get_by_label("15 to 29 days").check()

    page.get_by_label("As of").fill("1999-01-01")
    page.get_by_label("Link to the evidence (optional)").fill("javascript:alert(1)")
    page.get_by_label("Note").fill("<svg/onload=alert(1)> {{7*7}} median over 41 findings")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#as_of-error")).to_contain_text(
        f"A fact for {cycle_id} must describe the company between"
    )
    expect(page.locator("#evidence_url-error")).to_contain_text("https://")
    expect(page.get_by_label("15 to 29 days")).to_be_checked()  # nothing chosen is lost
    check(page, "fact-form-2-errors")

    today = dt.date.today().isoformat()
    page.get_by_label("As of").fill(today)
    page.get_by_label("Link to the evidence (optional)").fill("https://docs.example.com/vm/q4")
    page.get_by_label("Attach the document (optional)").set_input_files(
        files=[{"name": "restore-test.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash-success")).to_contain_text("saved as “15 to 29 days”")
    with live_app.app_context():
        row = db.session.scalars(
            select(FactValue)
            .where(FactValue.cycle_id == cycle_id, FactValue.fact_id == FACT)
            .order_by(FactValue.revision.desc())
        ).first()
        assert (row.value, row.category, row.as_of.isoformat()) == ("d15_30", "d15_30", today)
        assert row.attachment_name == "restore-test.pdf"
    check(page, "fact-form-3-report")
    report_row = page.get_by_role("row").filter(has_text="Time to fix critical vulnerabilities")
    expect(report_row).to_contain_text("<svg/onload=alert(1)> {{7*7}} median over 41 findings")
    expect(report_row.get_by_role("link", name="Document on docs.example.com")).to_have_attribute(
        "rel", "noopener noreferrer"
    )

    page.goto(f"{live_server}/facts/{cycle_id}/{FACT}")
    history = page.locator("table.fact-history")
    expect(history).to_contain_text("restore-test.pdf")
    expect(history).to_contain_text("<svg/onload=alert(1)>")
    with page.expect_download() as download:
        history.get_by_role("link", name="restore-test.pdf").click()
    assert download.value.suggested_filename == "restore-test.pdf"
    with open(download.value.path(), "rb") as handle:
        assert handle.read() == PDF
    check(page, "fact-form-4-history")
    assert dialogs == []  # no script from any input ran

    legal = new_context().new_page()
    sign_in(legal, live_server, "legal@example.com", demo["legal@example.com"])
    legal.goto(f"{live_server}/facts/{cycle_id}")
    expect(legal.locator("#own-facts-notice")).to_contain_text("You report")
    expect(legal.locator("#own-facts-notice")).to_contain_text("another member to attest")
    check(legal, "fact-form-5-own-facts-notice")
