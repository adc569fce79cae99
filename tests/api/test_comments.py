"""Comments written to the committee reach it: the API, the committee view, the gap report,
its exports and the committee pack, attributed and escaped everywhere."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from pypdf import PdfReader

from tests.api.test_api import make_cycle
from tests.conftest import PASSWORD, add_user, complete_answers, log_in, shipped_catalogue

CATALOGUE = shipped_catalogue()
HOSTILE = 'Backups untested since March.\n<script>alert("x")</script> & =SUM(A1)'


def _submit(client, headers, email, role, text):
    form = CATALOGUE.current_form(role)
    answers = complete_answers(role)
    comment = next(i for i in form.items if i.type == "comment")
    answers[comment.id] = text
    created = client.post(
        "/api/v1/cycles/2026-Q4/responses",
        json={"email": email, "questionnaire": form.id, "answers": answers},
        headers=headers,
    )
    assert created.status_code == 201, created.get_json()
    return comment


def test_comments_reach_every_report_attributed_and_escaped(app, client, tokens):
    make_cycle(client, tokens["admin"])
    add_user(app, "cio@example.com", role="cio", name="Marcus Webb")
    add_user(app, "hr@example.com", role="hr", name="Dana Hr")
    cio_comment = _submit(client, tokens["admin"], "cio@example.com", "cio", HOSTILE)
    _submit(client, tokens["admin"], "hr@example.com", "hr", "   ")  # blank: not a comment

    listed = client.get("/api/v1/cycles/2026-Q4/comments", headers=tokens["committee"])
    assert listed.status_code == 200
    assert listed.get_json() == {
        "comments": [
            {"email": "cio@example.com", "role": "cio", "item": cio_comment.id, "text": HOSTILE}
        ]
    }
    assert (
        client.get("/api/v1/cycles/2026-Q4/comments", headers=tokens["executive"]).status_code
        == 403
    )
    assert client.get("/api/v1/cycles/nope/comments", headers=tokens["admin"]).status_code == 404

    add_user(app, "chair@example.com", permissions=("committee",), name="Chair")
    web = app.test_client()
    log_in(web, "chair@example.com", PASSWORD)
    escaped = "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; =SUM(A1)"
    for page in ("/committee/", "/gaps/2026-Q4"):
        html = web.get(page).get_data(as_text=True)
        assert "Comments to the committee, 2026-Q4" in html, page
        assert "Marcus Webb, CIO" in html and escaped in html, page
        assert "<script>alert" not in html, page

    workbook = load_workbook(io.BytesIO(web.get("/gaps/2026-Q4/export.xlsx").data))
    sheet = workbook[workbook.sheetnames[-1]]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Name", "Role", "Question", "Comment")
    # a spreadsheet would run "=…" as a formula; the text still starts with the words written
    assert rows[1][:2] == ("Marcus Webb", "CIO") and rows[1][3].startswith("Backups untested")
    assert web.get("/gaps/2026-Q4/export.json").get_json()["comments"][0]["text"] == HOSTILE

    for path in ("/gaps/2026-Q4/export.pdf", "/committee/pack/2026-Q4.pdf"):
        text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(web.get(path).data)).pages)
        assert "Comments to the committee" in text and "Marcus Webb" in text, path
        assert "Backups untested since March." in text, path
