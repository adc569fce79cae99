"""Invitations and reminders: links that sign one person into one cycle; mail through SMTP."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Invitation, InvitationToken, Mail
from tests.conftest import PASSWORD, add_user, complete_answers, log_in, open_test_cycle
from tests.smtp import running_smtp_server
from tests.web.test_respond import answer_everything

CYCLE = "2026-Q4"
LINK = re.compile(r"http://assessment\.test/i/[A-Za-z0-9._-]+")


@pytest.fixture
def smtp_server():
    with running_smtp_server() as running:
        yield running


@pytest.fixture
def admin(app, client):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "cio@example.com", role="cio", name="Chris Info")
    open_test_cycle(app, CYCLE)
    log_in(client, "admin@example.com")
    return client


def outbox(app) -> list[Mail]:
    with app.app_context():
        return list(db.session.scalars(select(Mail).order_by(Mail.id)))


def link_for(app, email: str) -> str:
    return LINK.search(next(m.body for m in reversed(outbox(app)) if m.recipient == email)).group(0)


def test_invitations_go_to_every_executive_and_store_only_hashes(app, admin):
    response = admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    assert response.status_code == 302
    mails = outbox(app)
    assert sorted(m.recipient for m in mails) == ["ceo@example.com", "cio@example.com"]
    links = [LINK.search(m.body).group(0) for m in mails]
    with app.app_context():
        hashes = set(db.session.scalars(select(InvitationToken.token_hash)))
    for link in links:
        token = link.rsplit("/", 1)[1]
        assert token not in hashes and len(hashes) == 2
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "Your 2026-Q4 security leadership check-in" in page


def send_as_attacker_host(app) -> None:
    """An administrator whose requests carry a spoofed Host and X-Forwarded-Host."""
    spoofed = app.test_client()
    host = {
        "base_url": "http://attacker.example",
        "headers": {"X-Forwarded-Host": "attacker.example"},
    }
    spoofed.post("/login", data={"email": "admin@example.com", "password": PASSWORD}, **host)
    response = spoofed.post(
        f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"}, **host
    )
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_links_are_built_from_base_url_never_from_host_headers(app, admin):
    send_as_attacker_host(app)
    mails = outbox(app)
    assert len(mails) == 2
    for mail in mails:
        assert "attacker.example" not in mail.body
        assert LINK.search(mail.body)


def test_invitation_link_signs_in_to_that_questionnaire_only(app, admin):
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    link = link_for(app, "ceo@example.com")
    visitor = app.test_client()
    opened = visitor.get(link.replace("http://assessment.test", ""))
    assert opened.headers["Location"] == f"/respond/{CYCLE}"
    assert "Casey Chief" in visitor.get(f"/respond/{CYCLE}").get_data(as_text=True)
    # the link's session is scoped: other pages send the person back to their questionnaire
    assert visitor.get("/").headers["Location"] == f"/respond/{CYCLE}"
    assert visitor.get("/admin/people").headers["Location"] == f"/respond/{CYCLE}"
    with app.app_context():
        invitation = db.session.scalar(
            select(Invitation).join(Invitation.person).where(Invitation.opened_at.is_not(None))
        )
        assert invitation.person.email == "ceo@example.com"


def test_link_of_an_admin_does_not_grant_admin_pages(app, client):
    add_user(app, "both@example.com", role="ceo", permissions=("admin",))
    open_test_cycle(app, CYCLE)
    log_in(client, "both@example.com")
    client.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    visitor = app.test_client()
    visitor.get(link_for(app, "both@example.com").replace("http://assessment.test", ""))
    assert visitor.get("/admin/people").headers["Location"] == f"/respond/{CYCLE}"


def test_reopening_the_link_after_completion_shows_results(app, admin):
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    path = link_for(app, "ceo@example.com").replace("http://assessment.test", "")
    visitor = app.test_client()
    visitor.get(path)
    answer_everything(visitor, complete_answers("ceo"))
    visitor.post(f"/respond/{CYCLE}/submit")
    again = app.test_client()
    reopened = again.get(path)  # F-04: the link no longer signs anyone in after submission
    assert reopened.status_code == 200 and "already submitted" in reopened.text
    assert again.get(f"/respond/{CYCLE}").headers["Location"].startswith("/login")
    log_in(again, "ceo@example.com")  # the password sign-in still reaches the results
    assert again.get(f"/respond/{CYCLE}").headers["Location"] == f"/respond/{CYCLE}/results"
    with app.app_context():
        assert (
            db.session.scalar(
                select(Invitation.completed_at)
                .join(Invitation.person)
                .where(Invitation.completed_at.is_not(None))
            )
            is not None
        )


def test_tampered_expired_and_closed_links_are_refused_politely(app, admin):
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    path = link_for(app, "ceo@example.com").replace("http://assessment.test", "")
    tampered = app.test_client().get(path[:-3] + "xyz")
    assert tampered.status_code == 404 and "This link is not valid" in tampered.get_data(
        as_text=True
    )
    app.config["INVITATION_MAX_AGE_DAYS"] = -1
    expired = app.test_client().get(path)
    assert expired.status_code == 404 and "expired" in expired.get_data(as_text=True)
    app.config["INVITATION_MAX_AGE_DAYS"] = 60
    admin.post(f"/admin/cycles/{CYCLE}/status", data={"action": "close", "confirmed": "yes"})
    closed = app.test_client().get(path)
    assert closed.status_code == 410 and "is closed" in closed.get_data(as_text=True)


def test_earlier_links_keep_working_after_a_reminder(app, admin):
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    first = link_for(app, "ceo@example.com")
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "reminder"})
    second = link_for(app, "ceo@example.com")
    assert first != second
    for link in (first, second):
        assert app.test_client().get(link.replace("http://assessment.test", "")).status_code == 302


def test_reminders_skip_people_who_submitted(app, admin):
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    ceo = app.test_client()
    ceo.get(link_for(app, "ceo@example.com").replace("http://assessment.test", ""))
    answer_everything(ceo, complete_answers("ceo"))
    ceo.post(f"/respond/{CYCLE}/submit")
    before = len(outbox(app))
    response = admin.post(
        f"/admin/cycles/{CYCLE}/invitations", data={"kind": "reminder"}, follow_redirects=True
    )
    reminders = outbox(app)[before:]
    assert [m.recipient for m in reminders] == ["cio@example.com"]
    assert "Reminder" in reminders[0].subject
    assert "1 reminder sent; 1 skipped because they have already submitted." in response.get_data(
        as_text=True
    )


def test_participation_shows_not_started_in_progress_submitted(app, admin):
    add_user(app, "hr@example.com", role="hr", name="Harper Rivera")
    admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    ceo = app.test_client()
    ceo.get(link_for(app, "ceo@example.com").replace("http://assessment.test", ""))
    answer_everything(ceo, complete_answers("ceo"))
    ceo.post(f"/respond/{CYCLE}/submit")
    cio = app.test_client()
    cio.get(link_for(app, "cio@example.com").replace("http://assessment.test", ""))
    cio.post(f"/respond/{CYCLE}/start")
    html = admin.get(f"/admin/cycles/{CYCLE}").get_data(as_text=True)
    rows = {
        name: html.split(name, 1)[1].split("</tr>", 1)[0]
        for name in ("Casey Chief", "Chris Info", "Harper Rivera")
    }
    assert "<td>submitted</td>" in rows["Casey Chief"]
    assert "<td>in progress</td>" in rows["Chris Info"]
    assert "<td>not started</td>" in rows["Harper Rivera"]


def test_invitations_are_delivered_through_a_real_smtp_server(app, admin, smtp_server):
    controller, inbox = smtp_server
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
    send_as_attacker_host(app)
    assert sorted(m["To"] for m in inbox.messages) == ["ceo@example.com", "cio@example.com"]
    message = next(m for m in inbox.messages if m["To"] == "ceo@example.com")
    body = message.get_payload(decode=True).decode()
    assert message["Subject"] == "Your 2026-Q4 security leadership check-in"
    assert "Dear Casey Chief" in body and LINK.search(body) and "attacker" not in body
    records = outbox(app)
    assert {m.status for m in records} == {"sent"} and all(m.body is None for m in records)


def test_unreachable_smtp_server_is_recorded_not_a_500(app, admin):
    app.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9)
    response = admin.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    assert response.status_code == 302
    assert {m.status for m in outbox(app)} == {"failed"}
