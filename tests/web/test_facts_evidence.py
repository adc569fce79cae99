"""Evidence beyond a text reference: a web link (http/https only) and an attached file
(allowed types by content, a size limit, stored outside the web root under its hash, handed
out only to those who may see the fact report, always as a download)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from assessment import ROOT, queries
from assessment.extensions import db
from assessment.models import FactValue
from assessment.services.facts.evidence import display_name
from tests.conftest import add_user, log_in, open_test_cycle, using_postgres

CYCLE = "2026-Q4"
TODAY = dt.date.today().isoformat()
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def office(kind: str) -> bytes:
    if kind == "xlsx":
        buffer = io.BytesIO()
        openpyxl.Workbook().save(buffer)
        return buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


@pytest.fixture
def people(app):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",), name="Ivy IT")
    add_user(app, "chair@example.com", role="cio", permissions=("committee",), name="Chair")
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")  # an executive only
    add_user(app, "coord@example.com", permissions=("hr_coordinator",))
    open_test_cycle(app, CYCLE)
    return app


def as_user(app, email):
    client = app.test_client()
    log_in(client, email)
    return client


def post(client, fact_id="mfa_remote_access", cycle=CYCLE, file=None, **fields):
    data = MultiDict({"as_of": TODAY, "evidence": "MDM export", "category": "yes", **fields})
    if file is not None:
        data["attachment"] = FileStorage(io.BytesIO(file[1]), filename=file[0])
    # Encoded in memory: a body the server refuses unread must leave no temporary file open.
    boundary, body = encode_multipart(data)
    return client.post(
        f"/facts/{cycle}/{fact_id}",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )


def stored(app):
    with app.app_context():
        return db.session.scalars(select(FactValue).order_by(FactValue.id)).all()


# --- links ----------------------------------------------------------------------------------


def test_https_link_is_kept_and_shown_as_a_safe_link(people):
    it = as_user(people, "it@example.com")
    url = "https://docs.example.com/grc/VM-7?v=2&x=1"
    assert post(it, evidence_url=url).status_code == 302
    assert stored(people)[0].evidence_url == url
    for page in (f"/facts/{CYCLE}", f"/facts/{CYCLE}/mfa_remote_access"):
        html = it.get(page).get_data(as_text=True)
        link = re.search(r'<a href="https://docs\.example\.com/grc/VM-7\?v=2&amp;x=1"[^>]*>', html)
        assert link and 'rel="noopener noreferrer"' in link.group(0), page
        assert "Document on docs.example.com" in html
    # pre-filled for the next version, like the text reference
    assert 'value="https://docs.example.com/grc/VM-7?v=2&amp;x=1"' in it.get(
        f"/facts/{CYCLE}/mfa_remote_access"
    ).get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("javascript:alert(1)", "start the link with https:// or http://"),
        ("JaVaScRiPt:alert(document.cookie)", "start the link with https:// or http://"),
        ("data:text/html,<script>alert(1)</script>", "start the link with https:// or http://"),
        ("vbscript:msgbox(1)", "start the link with https:// or http://"),
        ("ftp://files.example.com/report.pdf", "start the link with https:// or http://"),
        ("//attacker.example/x", "start the link with https:// or http://"),
        ("https://", "needs a server name"),
        ("https://docs.example.com/a b", "must not contain spaces"),
        ("java\tscript:alert(1)", "must not contain spaces"),
        ("https://docs.example.com/\u202etxt.exe", "invisible characters"),
        ('"><img src=x onerror=alert(1)>', "must not contain spaces"),
        ("{{7*7}}", "start the link with https:// or http://"),
        ("https://x.example/" + "a" * 2000, "longer than"),
    ],
)
def test_links_other_than_web_addresses_are_refused_with_a_message(people, url, message):
    response = post(as_user(people, "it@example.com"), evidence_url=url)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html and 'id="evidence_url-error"' in html
    assert "<img src=x" not in html and "<script>alert" not in html
    assert stored(people) == []


def test_refused_links_are_refused_by_the_action_too(people):
    """The write layer checks as well, whatever the caller (API, command line, a form that
    forgot to)."""
    from assessment import actions
    from assessment.actions import Actor, Invalid
    from assessment.actions.facts import FactInput

    with people.app_context():
        person = queries.find_person_by_email(db.session, "it@example.com")
        cycle = queries.get_cycle(db.session, CYCLE)
        actor = Actor.of_account(person.account)
        with pytest.raises(Invalid) as refused:
            actions.facts.report_facts(
                actor,
                cycle,
                {"mfa_remote_access": FactInput(category="yes")},
                as_of=dt.date.today(),
                evidence="x",
                evidence_url="javascript:alert(1)",
            )
    assert set(refused.value.errors) == {"evidence_url"}


def test_link_with_markup_in_its_query_is_escaped(people):
    it = as_user(people, "it@example.com")
    url = 'https://docs.example.com/?q="><svg/onload=alert(1)>'
    assert post(it, evidence_url=url).status_code == 302
    html = it.get(f"/facts/{CYCLE}").get_data(as_text=True)
    assert "<svg/onload" not in html and "&#34;&gt;&lt;svg/onload=alert(1)&gt;" in html


# --- attached files -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("restore-test.pdf", PDF, "application/pdf"),
        ("screenshot.PNG", PNG, "image/png"),
        ("photo.jpeg", JPEG, "image/jpeg"),
        ("log.txt", b"restore ok\n", "text/plain; charset=utf-8"),
        ("list.csv", b"system,restored\nerp,yes\n", "text/csv; charset=utf-8"),
        (
            "minutes.docx",
            office("docx"),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "register.xlsx",
            office("xlsx"),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    ],
)
def test_allowed_files_are_stored_by_hash_outside_the_web_root(people, name, content, mime):
    it = as_user(people, "it@example.com")
    assert post(it, file=(name, content)).status_code == 302
    row = stored(people)[0]
    digest = hashlib.sha256(content).hexdigest()
    assert (row.attachment_sha256, row.attachment_type, row.attachment_size) == (
        digest,
        mime,
        len(content),
    )
    folder = people.config.get("EVIDENCE_DIR") or f"{people.instance_path}/evidence"
    on_disk = list(Path(folder).iterdir())
    assert [p.name for p in on_disk] == [digest]  # named by content, never by the upload
    assert on_disk[0].read_bytes() == content
    assert on_disk[0].stat().st_mode & 0o077 == 0  # owner only
    static = ROOT / "static"
    assert not on_disk[0].resolve().is_relative_to(static.resolve())
    assert not any(static.rglob(digest))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("invoice.pdf", b"<html><script>alert(1)</script></html>", "is not a PDF"),
        ("scan.png", PDF, "is not a PNG image"),
        ("minutes.docx", b"PK\x03\x04not really a zip", "is not a Word document"),
        ("register.xlsx", office("docx"), "is not a Excel workbook"),
        ("tool.exe", b"MZ\x90\x00", "Attach a PDF, PNG, JPEG"),
        ("page.html", b"<h1>x</h1>", "Attach a PDF, PNG, JPEG"),
        ("image.svg", b"<svg/onload=alert(1)>", "Attach a PDF, PNG, JPEG"),
        ("no-extension", PDF, "Attach a PDF, PNG, JPEG"),
        ("notes.txt", b"text with a NUL \x00 byte", "is not a plain text"),
        ("notes.txt", b"\xff\xfe not utf-8 \xff", "is not a plain text"),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_files_are_judged_by_content_not_only_by_name(people, name, content, message):
    response = post(as_user(people, "it@example.com"), file=(name, content))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(people) == []
    folder = people.config.get("EVIDENCE_DIR") or f"{people.instance_path}/evidence"
    assert not list(Path(folder).glob("*"))


def test_six_megabytes_get_the_form_back_with_a_message_and_what_was_typed(people):
    it = as_user(people, "it@example.com")
    big = PDF + b"0" * (6 * 1024 * 1024)
    response = post(it, file=("big.pdf", big), note="Typed before the upload")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "attach at most 5 MB" in html and 'id="attachment-error"' in html
    assert "Typed before the upload" in html  # nothing typed is lost
    assert stored(people) == []


def test_a_huge_upload_still_gets_the_form_not_a_bare_413(people):
    it = as_user(people, "it@example.com")
    huge = PDF + b"0" * (12 * 1024 * 1024)  # over twice the limit: cannot even be read
    response = post(it, file=("huge.pdf", huge))
    html = response.get_data(as_text=True)
    assert response.status_code == 413
    assert '<form method="post"' in html and "far larger than the 5 MB" in html
    assert stored(people) == []


def test_the_rest_of_the_app_keeps_its_one_megabyte_limit(people):
    admin = as_user(people, "admin@example.com")
    response = admin.post("/facts/delegations", data={"fact_id": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


def test_evidence_size_limit_is_configurable(app_factory):
    app = app_factory(EVIDENCE_MAX_BYTES=1000)
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app, CYCLE)
    it = as_user(app, "it@example.com")
    refused = post(it, file=("a.pdf", PDF + b"0" * 1000))
    assert refused.status_code == 422 and "attach at most" in refused.text
    assert post(it, file=("a.pdf", PDF)).status_code == 302


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("..\\..\\windows\\report.pdf", "report.pdf"),  # a path as old browsers sent it
        ("C:\\Users\\ivy\\Desktop\\Q4 report.PDF", "Q4 report.pdf"),
        ('"><img src=x onerror=alert(1)>.pdf', '"><img src=x onerror=alert(1)>.pdf'),
        ("line\nbreak\x00nul.pdf", "linebreaknul.pdf"),
        ("  . .pdf", "evidence.pdf"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
        ("no-extension", "no-extension.pdf"),
    ],
)
def test_display_name_keeps_no_folder_and_no_invisible_character(uploaded, shown):
    assert display_name(uploaded, "pdf") == shown


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("../../../etc/passwd.pdf", "passwd.pdf"),
        ("report\u202efdp.pdf", "reportfdp.pdf"),
        ("\u200bzero\u2066width\u2069.pdf", "zerowidth.pdf"),
        ("<img src=x onerror=alert(1)>.pdf", "<img src=x onerror=alert(1)>.pdf"),
        ("{{7*7}}.pdf", "{{7*7}}.pdf"),
        ("=cmd|' calc'!A0.pdf", "=cmd|' calc'!A0.pdf"),
        ("..pdf", "evidence.pdf"),
    ],
)
def test_uploaded_names_are_cleaned_for_display_only(people, uploaded, shown):
    it = as_user(people, "it@example.com")
    assert post(it, file=(uploaded, PDF)).status_code == 302
    row = stored(people)[0]
    assert row.attachment_name == shown
    assert row.attachment_sha256 == hashlib.sha256(PDF).hexdigest()
    html = it.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True)
    assert "<img src=x" not in html and "\u202e" not in html and "49.pdf" not in html
    chair = as_user(people, "chair@example.com")
    download = chair.get(f"/facts/{CYCLE}/mfa_remote_access/evidence/1")
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and "/" not in disposition.split("filename")[1]
    assert "\u202e" not in disposition


def test_attachment_stays_with_later_versions_until_replaced_or_removed(people):
    it = as_user(people, "it@example.com")
    post(it, file=("first.pdf", PDF))
    page = it.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True)
    assert "Attached now:" in page and "first.pdf" in page
    post(it, category="partly")  # no new file: the current one is kept
    post(it, file=("second.txt", b"second"))
    post(it, category="no", remove_attachment="y")
    names = [r.attachment_name for r in stored(people)]
    assert names == ["first.pdf", "first.pdf", "second.txt", None]
    history = it.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True)
    assert f"/facts/{CYCLE}/mfa_remote_access/evidence/1" in history
    assert f"/facts/{CYCLE}/mfa_remote_access/evidence/3" in history
    assert f"/facts/{CYCLE}/mfa_remote_access/evidence/4" not in history


def test_a_file_chosen_on_a_form_with_errors_must_be_chosen_again(people):
    response = post(as_user(people, "it@example.com"), file=("a.pdf", PDF), evidence="")
    assert response.status_code == 422
    assert "Files are not kept when the form has errors: choose it again." in response.text


# --- downloads ------------------------------------------------------------------------------


@pytest.fixture
def attached(people):
    assert post(as_user(people, "it@example.com"), file=("restore.pdf", PDF)).status_code == 302
    return people


@pytest.mark.parametrize(
    ("email", "status"),
    [
        ("ceo@example.com", 403),
        ("coord@example.com", 403),
        ("it@example.com", 200),
        ("chair@example.com", 200),
        ("admin@example.com", 200),
    ],
    ids=["executive-only", "hr-coordinator", "fact-owner", "committee", "admin"],
)
def test_download_is_for_those_who_may_see_the_fact_report(attached, email, status):
    response = as_user(attached, email).get(f"/facts/{CYCLE}/mfa_remote_access/evidence/1")
    assert response.status_code == status
    if status == 200:
        assert response.data == PDF
        assert response.mimetype == "application/pdf"
        assert response.headers["Content-Disposition"] == "attachment; filename=restore.pdf"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Cache-Control"] == "no-store"


def test_anonymous_download_goes_to_the_log_in(attached):
    response = attached.test_client().get(f"/facts/{CYCLE}/mfa_remote_access/evidence/1")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_versions_and_other_cycles_are_404(attached):
    with attached.app_context():
        queries.create_cycle(
            db.session,
            "2026-Q3",
            dt.date.today() - dt.timedelta(days=100),
            dt.date.today() - dt.timedelta(days=10),
        )
        db.session.commit()
    chair = as_user(attached, "chair@example.com")
    for path in (
        f"/facts/{CYCLE}/mfa_remote_access/evidence/2",  # no such version
        f"/facts/{CYCLE}/mfa_privileged/evidence/1",  # another fact
        "/facts/2026-Q3/mfa_remote_access/evidence/1",  # another cycle
        "/facts/1999-Q1/mfa_remote_access/evidence/1",  # no such cycle
    ):
        assert chair.get(path).status_code == 404, path
    it = as_user(attached, "it@example.com")
    post(it, category="no", remove_attachment="y")  # version 2 has no file
    assert chair.get(f"/facts/{CYCLE}/mfa_remote_access/evidence/2").status_code == 404


def test_a_text_file_is_never_served_as_html(attached):
    it = as_user(attached, "it@example.com")
    post(it, file=("notes.txt", b"<script>alert(1)</script>"))
    response = it.get(f"/facts/{CYCLE}/mfa_remote_access/evidence/2")
    assert response.mimetype == "text/plain"
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_the_upload_route_is_still_protected_against_forged_posts(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app, CYCLE)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post(
        "/login",
        data={
            "email": "it@example.com",
            "password": "correct horse battery staple",
            "csrf_token": token,
        },
    )
    forged = post(client, file=("a.pdf", PDF))
    assert forged.status_code == 400 and "This form has expired" in forged.text
    form = client.get(f"/facts/{CYCLE}/mfa_remote_access").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    assert post(client, file=("a.pdf", PDF), csrf_token=token).status_code == 302
    with app.app_context():
        assert db.session.scalar(select(FactValue.attachment_name)) == "a.pdf"


# --- backups --------------------------------------------------------------------------------


def test_backup_carries_the_evidence_files_and_restore_puts_them_back(app_factory, tmp_path):
    if using_postgres():
        pytest.skip("the file copy is the same on PostgreSQL; test_backup covers pg_dump")
    evidence = tmp_path / "evidence-store"
    app = app_factory(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}", EVIDENCE_DIR=str(evidence)
    )
    add_user(app, "it@example.com", role="it_manager", permissions=("fact_owner",))
    open_test_cycle(app, CYCLE)
    assert post(as_user(app, "it@example.com"), file=("restore.pdf", PDF)).status_code == 302
    digest = hashlib.sha256(PDF).hexdigest()
    assert (evidence / digest).read_bytes() == PDF

    backup_file = tmp_path / "backup.bin"
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(backup_file)])
    assert result.exit_code == 0, result.output
    copied = tmp_path / "backup.bin.evidence"
    assert f"Evidence files copied to {copied} (1 files)" in result.output
    assert (copied / digest).read_bytes() == PDF
    assert copied.stat().st_mode & 0o077 == 0 and (copied / digest).stat().st_mode & 0o077 == 0

    (evidence / digest).unlink()  # the server's disk is lost; the backup is all there is
    restored = app.test_cli_runner().invoke(args=["restore", str(backup_file), "--yes"])
    assert restored.exit_code == 0, restored.output
    assert "Evidence files restored" in restored.output
    assert (evidence / digest).read_bytes() == PDF
    download = as_user(app, "it@example.com").get(f"/facts/{CYCLE}/mfa_remote_access/evidence/1")
    assert download.data == PDF


def test_backup_says_when_there_are_no_evidence_files(app_factory, tmp_path):
    if using_postgres():
        pytest.skip("the file copy is the same on PostgreSQL; test_backup covers pg_dump")
    app = app_factory(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'live.db'}")
    result = app.test_cli_runner().invoke(args=["backup", "-o", str(tmp_path / "b.bin")])
    assert result.exit_code == 0 and "No evidence files attached to facts yet" in result.output


def test_strangers_get_no_larger_limit(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)  # CSRF protection reads the body first
    open_test_cycle(app, CYCLE)
    body = PDF + b"0" * (2 * 1024 * 1024)
    response = post(app.test_client(), file=("a.pdf", body))
    assert response.status_code == 413
    assert "Too large" in response.text and "fact-entry" not in response.text


def test_an_api_update_keeps_the_file_and_link_the_web_form_attached(people, runner):
    it = as_user(people, "it@example.com")
    link = "https://docs.example.com/mdm-export"
    assert post(it, file=("mdm.pdf", PDF), evidence_url=link).status_code == 302
    token = runner.invoke(args=["tokens", "create", "it@example.com"]).output.splitlines()[-1]
    api = people.test_client().put(
        f"/api/v1/cycles/{CYCLE}/facts",
        json={"facts": {"mfa_remote_access": "no"}, "evidence": "MDM export, later"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 200, api.get_data(as_text=True)
    first, second = stored(people)
    assert (second.category, second.evidence) == ("no", "MDM export, later")
    assert second.attachment_sha256 == first.attachment_sha256 == hashlib.sha256(PDF).hexdigest()
    assert second.evidence_url == first.evidence_url == link
