"""Invitation links: no sign-in after submission, no identity swap in a signed-in browser,
a fresh session on link sign-in, and an outbox that shows no usable link (F-04, F-05, F-16)."""

from __future__ import annotations

import re

from sqlalchemy import select

from assessment import actions, queries
from assessment.actions import SYSTEM
from assessment.extensions import db
from assessment.models import AuditEntry, Invitation, Mail
from assessment.tenancy import acting_for
from tests.conftest import add_user, complete_answers, log_in, open_test_cycle
from tests.web.test_respond import CYCLE, answer_everything

TOKEN_PATH = re.compile(r"/i/[A-Za-z0-9._-]+")


def issue(app, email: str) -> str:
    """A fresh invitation link's path for the person, as the invitation mail carries it."""
    with app.test_request_context(), acting_for(1):
        person = queries.find_person_by_email(db.session, email)
        cycle = queries.get_cycle(db.session, CYCLE)
        link = actions.invitations.issue_link(
            queries.get_or_create_invitation(db.session, person, cycle)
        )
        db.session.commit()
    return link.removeprefix("http://assessment.test")


def audit_entries(app, action: str) -> list[AuditEntry]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)))


def executive_and_cycle(app) -> None:
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    open_test_cycle(app, CYCLE)


# --- after submission (F-04) ------------------------------------------------------------------


def test_link_after_submission_signs_no_one_in(app):
    """F-04: once the person submitted, their link only says so; whoever holds the mail
    (forwarded, an assistant, an archive) does not reach the results."""
    executive_and_cycle(app)
    path = issue(app, "ceo@example.com")
    person = app.test_client()
    assert person.get(path).status_code == 302
    answer_everything(person, complete_answers("ceo"))
    assert person.post(f"/respond/{CYCLE}/submit").status_code == 302
    holder = app.test_client()
    page = holder.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "You have already submitted" in html and "sign in" in html.lower()
    results = holder.get(f"/respond/{CYCLE}/results")
    assert results.status_code == 302 and results.headers["Location"].startswith("/login")
    assert "Casey Chief" not in html


def test_link_after_submission_points_to_the_password_sign_in(app):
    """F-04: the person can still see their results, by signing in with their password."""
    executive_and_cycle(app)
    path = issue(app, "ceo@example.com")
    person = app.test_client()
    person.get(path)
    answer_everything(person, complete_answers("ceo"))
    person.post(f"/respond/{CYCLE}/submit")
    html = app.test_client().get(path).get_data(as_text=True)
    assert f'href="/login?next=/respond/{CYCLE}"' in html
    again = app.test_client()
    log_in(again, "ceo@example.com")
    assert again.get(f"/respond/{CYCLE}/results").status_code == 200


def test_link_before_submission_still_signs_in(app):
    """F-04: an unsubmitted person's link works as before."""
    executive_and_cycle(app)
    response = app.test_client().get(issue(app, "ceo@example.com"))
    assert response.status_code == 302 and response.headers["Location"] == f"/respond/{CYCLE}"


# --- a browser signed in as someone else (F-04, F-05) ---------------------------------------


def test_link_in_a_browser_signed_in_as_someone_else_is_refused(app, client):
    """F-04: a colleague's link does not replace the signed-in identity (login CSRF)."""
    executive_and_cycle(app)
    add_user(app, "cio@example.com", role="cio", name="Chris Info")
    log_in(client, "cio@example.com")
    response = client.get(issue(app, "ceo@example.com"))
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "You are signed in as Chris Info" in html and "sign out first" in html
    assert "Chris Info" in client.get(f"/respond/{CYCLE}").get_data(as_text=True)
    [entry] = audit_entries(app, "invitation_refused_signed_in")
    assert (entry.actor, entry.target) == ("cio@example.com", CYCLE)
    assert audit_entries(app, "invitation_opened") == []


def test_link_opened_by_an_administrator_from_the_outbox_is_refused_and_audited(app, client):
    """F-05: an administrator cannot sign in as an executive with a link, and the audit names
    the administrator, not the executive."""
    executive_and_cycle(app)
    add_user(app, "admin@example.com", permissions=("admin",), name="Ada Admin")
    log_in(client, "admin@example.com")
    client.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    with app.app_context():
        body = db.session.scalar(select(Mail.body).where(Mail.recipient == "ceo@example.com"))
    response = client.get(TOKEN_PATH.search(body).group(0))
    assert response.status_code == 409
    assert "You are signed in as Ada Admin" in response.get_data(as_text=True)
    assert client.get("/admin/people").status_code == 200  # still the administrator
    [entry] = audit_entries(app, "invitation_refused_signed_in")
    assert (entry.actor, entry.action, entry.target) == (
        "admin@example.com",
        "invitation_refused_signed_in",
        CYCLE,
    )
    assert audit_entries(app, "invitation_opened") == []
    with app.app_context():
        invitation = db.session.scalar(select(Invitation))
        assert invitation.opened_at is None


def test_link_opened_by_its_own_person_already_signed_in_goes_to_the_questionnaire(app, client):
    """F-04: the refusal is only for someone else; the person themself goes straight on."""
    executive_and_cycle(app)
    log_in(client, "ceo@example.com")
    response = client.get(issue(app, "ceo@example.com"))
    assert response.status_code == 302 and response.headers["Location"] == f"/respond/{CYCLE}"
    assert client.get("/").status_code == 200  # a password session is not narrowed to the link


# --- a fresh session at link sign-in (F-16, F-03) ---------------------------------------------


def test_link_sign_in_starts_a_fresh_session(app):
    """F-16: nothing of the browser's earlier session survives a link sign-in."""
    executive_and_cycle(app)
    visitor = app.test_client()
    with visitor.session_transaction() as session:
        session["planted"] = "by another site"
    visitor.get(issue(app, "ceo@example.com"))
    with visitor.session_transaction() as session:
        assert "planted" not in session
        assert session["invitation_cycle"] == CYCLE
        assert session["session_version"] == 0 and session["signed_in_at"]


def test_link_session_ends_on_logout_even_from_a_copied_cookie(app):
    """F-03: a link session copied before log-out stops working after it."""
    executive_and_cycle(app)
    visitor = app.test_client()
    visitor.get(issue(app, "ceo@example.com"))
    copied = visitor.get_cookie("session").value
    visitor.post("/logout")
    thief = app.test_client()
    thief.set_cookie("session", copied)
    assert thief.get(f"/respond/{CYCLE}").headers["Location"].startswith("/login")


# --- the outbox (F-05) ----------------------------------------------------------------------


def test_outbox_masks_invitation_links_and_is_audited(app, client):
    """F-05: the outbox shows each message without a usable link, keeps the stored message as
    sent, and records who looked."""
    executive_and_cycle(app)
    add_user(app, "admin@example.com", permissions=("admin",))
    log_in(client, "admin@example.com")
    client.post(f"/admin/cycles/{CYCLE}/invitations", data={"kind": "invitation"})
    html = client.get("/admin/outbox").get_data(as_text=True)
    assert "Dear Casey Chief" in html
    assert "http://assessment.test/i/…" in html
    assert not TOKEN_PATH.search(html.replace("/i/…", ""))
    with app.app_context():
        body = db.session.scalar(select(Mail.body))
    token = TOKEN_PATH.search(body).group(0)
    assert token not in html
    [entry] = audit_entries(app, "viewed_outbox")
    assert (entry.actor, entry.details) == ("admin@example.com", {"messages": 1})


def test_link_after_submission_takes_its_own_signed_in_person_to_the_results(app, client):
    """F-04: the link no longer signs anyone in after submission, but the person it belongs
    to, already signed in on this browser, lands on their results rather than a dead end."""
    add_user(app, "ceo@example.com", role="ceo")
    open_test_cycle(app, "2026-Q4")
    with app.test_request_context(), acting_for(1):
        cycle = queries.get_cycle(db.session, "2026-Q4")
        person = queries.find_person_by_email(db.session, "ceo@example.com")
        link = actions.invitations.issue_link(
            queries.get_or_create_invitation(db.session, person, cycle)
        )
        actions.responses.submit(SYSTEM, cycle, person, answers=complete_answers("ceo"))
        db.session.commit()
    path = link.replace("http://assessment.test", "")
    log_in(client, "ceo@example.com")
    assert client.get(path).headers["Location"] == "/respond/2026-Q4/results"
    stranger = app.test_client().get(path)
    assert stranger.status_code == 200 and "already submitted" in stranger.text
