"""Password reset by e-mail: the same answer for every address, signed single-use links that
expire, every other session ended, throttling, and links built from BASE_URL only."""

from __future__ import annotations

import re
import threading
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from markupsafe import escape
from sqlalchemy import select

from assessment import queries
from assessment.actions import SYSTEM, Invalid, password_reset
from assessment.extensions import db
from assessment.models import AuditEntry, Mail
from assessment.web.auth import SCOPE_KEY
from assessment.web.password_reset import wait_for_deliveries
from tests.conftest import PASSWORD, add_user, log_in
from tests.fixtures.bad_inputs import CORPUS

LINK = re.compile(r"http://assessment\.test/reset/[A-Za-z0-9._-]+")
NEW_PASSWORD = "quiet lantern orbit 42 meadow"
WEAK = "password1234"
SENT_PAGE = "If an active account uses that address, we have sent it a link"
CANNOT = "This link cannot be used"


@pytest.fixture
def people(app):
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    add_user(app, "gone@example.com", role="cio", name="Gone Away", active=False)
    add_user(app, "admin@example.com", permissions=("admin",), name="Ada Admin")
    return app


def ask(client, email: str, **options):
    """Ask for a link, and wait for the mail sent in the background."""
    response = client.post("/forgot", data={"email": email}, **options)
    wait_for_deliveries()
    return response


def mails(app) -> list[Mail]:
    with app.app_context():
        return list(db.session.scalars(select(Mail).order_by(Mail.id)))


def audit_actions(app) -> list[tuple[str, str, dict]]:
    with app.app_context():
        entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(e.action, e.target, e.details) for e in entries]


def latest_link(app, email: str = "ceo@example.com") -> str:
    body = next(m.body for m in reversed(mails(app)) if m.recipient == email)
    found = LINK.search(body or "")
    assert found, body
    return found.group(0).replace("http://assessment.test", "")


def link_for(app, client, email: str = "ceo@example.com") -> str:
    assert ask(client, email).status_code == 302
    return latest_link(app, email)


def set_password(client, path: str, new: str = NEW_PASSWORD, repeat: str | None = None):
    return client.post(path, data={"new": new, "repeat": new if repeat is None else repeat})


def page(response) -> str:
    return response.get_data(as_text=True)


def later_by(monkeypatch, seconds: int) -> None:
    """Every signature check from now on happens ``seconds`` later than the clock says."""
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + seconds)


# --- asking for a link ---------------------------------------------------------------------


def test_login_page_links_to_forgot_password(client):
    html = page(client.get("/login"))
    assert 'href="/forgot"' in html and "Forgot your password?" in html
    forgot = client.get("/forgot")
    assert forgot.status_code == 200 and 'autocomplete="username"' in page(forgot)


def test_forgot_gives_the_same_answer_whether_or_not_the_address_has_an_account(people, client):
    answers = {}
    for email in ("ceo@example.com", "nobody@example.com", "gone@example.com", " CEO@Example.com"):
        response = ask(client, email)
        answers[email] = (response.status_code, response.headers["Location"])
        shown = client.get(response.headers["Location"])
        answers[email] += (page(shown),)
    assert len(set(answers.values())) == 1
    status, location, html = answers["nobody@example.com"]
    assert (status, location) == (302, "/forgot/sent")
    assert SENT_PAGE in html and "valid for 60 minutes" in html and "spam" in html
    assert "nobody@example.com" not in html  # no page echoes the address
    # Only the active account gets mail: once for each time it was asked for.
    assert [m.recipient for m in mails(people)] == ["ceo@example.com", "ceo@example.com"]


def test_forgot_audits_every_request_without_telling_the_asker(people, client):
    for email in ("ceo@example.com", "nobody@example.com", "gone@example.com"):
        ask(client, email)
    entries = audit_actions(people)
    assert entries == [
        (
            "password_reset_link_sent",
            "ceo@example.com",
            {"kind": "reset", "requested": True},
        ),
        (
            "password_reset_requested",
            "nobody@example.com",
            {"sent": False, "reason": "no account"},
        ),
        (
            "password_reset_requested",
            "gone@example.com",
            {"sent": False, "reason": "deactivated"},
        ),
    ]


def test_forgot_validates_only_empty_or_malformed_input(people, client):
    empty = client.post("/forgot", data={"email": "  "})
    assert empty.status_code == 200 and "Enter the e-mail address you sign in with." in page(empty)
    malformed = client.post("/forgot", data={"email": "not an address"})
    assert malformed.status_code == 200
    assert "Enter an e-mail address such as name@example.com." in page(malformed)
    too_long = client.post("/forgot", data={"email": "a" * 250 + "@example.com"})
    assert too_long.status_code == 200 and "at most 254 characters" in page(too_long)
    assert mails(people) == [] and audit_actions(people) == []


def test_forgot_survives_bad_inputs(app_factory):
    app = app_factory(PASSWORD_RESET_LIMIT_PER_ADDRESS="1000 per minute")
    add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    client = app.test_client()
    for text in [*CORPUS, "nul\x00byte@example.com", "x" * 5000]:
        response = ask(client, text)
        assert response.status_code in (200, 302), text
        if response.status_code == 200:  # shown again, escaped, with a validation message
            html = page(response)
            assert "<script>alert(1)" not in html and "<img src=x" not in html
            assert "<svg/onload" not in html and "SECRET_KEY" not in html
            assert "error" in html
            if len(text) < 254 and "\x00" not in text:
                assert str(escape(text)) in html
    # Address-shaped versions of the corpus are valid addresses of nobody: the same answer.
    for local in ("{{7*7}}", "'or'1'='1", "=cmd|'/C_calc'!A0", "-12.5"):
        response = ask(client, f"{local}@example.com")
        assert (response.status_code, response.headers["Location"]) == (302, "/forgot/sent")
    assert mails(app) == []


def test_mail_names_the_person_and_says_when_the_link_expires(people, client):
    ask(client, "ceo@example.com")
    (mail,) = mails(people)
    assert mail.subject == "Reset your password"
    body = mail.body or ""
    assert body.startswith("Dear Casey Chief,")
    assert LINK.search(body) and "expires after 60 minutes" in body and " UTC on " in body
    assert "If you did not ask for this, ignore this e-mail; your password stays as it is." in body


def test_links_are_built_from_base_url_never_from_host_headers(people, client):
    response = ask(
        client,
        "ceo@example.com",
        base_url="http://attacker.example",
        headers={"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"},
    )
    assert response.status_code == 302
    (mail,) = mails(people)
    assert "attacker" not in (mail.body or "") and LINK.search(mail.body or "")


def test_the_answer_does_not_wait_for_the_mail(people, client, monkeypatch):
    """A slow mail server cannot tell addresses with an account from the others by the time
    the answer takes: the message is sent on its own thread."""
    mail_server_answers = threading.Event()
    send = password_reset.deliver

    def slow_delivery(message):
        assert mail_server_answers.wait(10)
        send(message)

    monkeypatch.setattr(password_reset, "deliver", slow_delivery)
    response = client.post("/forgot", data={"email": "ceo@example.com"})
    assert response.status_code == 302  # answered while the mail server has not answered
    assert mails(people) == []
    mail_server_answers.set()
    wait_for_deliveries()
    assert [m.recipient for m in mails(people)] == ["ceo@example.com"]


def test_a_failing_mail_server_is_logged_not_raised(people, client, caplog):
    people.config.update(MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=9)
    assert ask(client, "ceo@example.com").status_code == 302
    assert [m.status for m in mails(people)] == ["failed"]
    assert "Mail to ceo@example.com failed" in caplog.text


def test_outbox_and_log_never_show_a_live_reset_link(people, client, caplog):
    with caplog.at_level("INFO"):
        path = link_for(people, client)
    token = path.rsplit("/", 1)[1]
    assert token not in caplog.text and "/reset/…" in caplog.text
    admin = people.test_client()
    log_in(admin, "admin@example.com")
    outbox = page(admin.get("/admin/outbox"))
    assert "Reset your password" in outbox and token not in outbox


# --- using a link --------------------------------------------------------------------------


def test_reset_sets_the_password_and_sends_the_person_to_sign_in(people, client):
    path = link_for(people, client)
    form = client.get(path)
    assert form.status_code == 200 and "Choose a new password" in page(form)
    assert "ceo@example.com" in page(form)
    response = set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/login"
    assert "Your password is changed" in page(client.get("/login"))
    assert client.get("/").status_code == 302  # not signed in by the link
    assert log_in(client, "ceo@example.com", PASSWORD).status_code == 200  # old one refused
    assert log_in(client, "ceo@example.com", NEW_PASSWORD).status_code == 302
    reset = [e for e in audit_actions(people) if e[0] == "password_reset"]
    assert reset == [("password_reset", "ceo@example.com", {"kind": "reset"})]


def test_reset_ends_every_other_session(people, client):
    other = people.test_client()
    assert log_in(other, "ceo@example.com").status_code == 302
    assert other.get("/account/password").status_code == 200
    set_password(client, link_for(people, client))
    assert other.get("/account/password").status_code == 302  # to the log-in page


def test_a_link_works_once(people, client):
    path = link_for(people, client)
    assert set_password(client, path).status_code == 302
    again = client.get(path)
    assert again.status_code == 410 and CANNOT in page(again)
    assert 'href="/forgot"' in page(again)
    posted = set_password(client, path, "another good phrase 77 lake")
    assert posted.status_code == 410
    assert log_in(client, "ceo@example.com", NEW_PASSWORD).status_code == 302


def test_a_link_stops_working_after_a_normal_password_change(people, client):
    path = link_for(people, client)
    signed_in = people.test_client()
    log_in(signed_in, "ceo@example.com")
    changed = signed_in.post(
        "/account/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "repeat": NEW_PASSWORD},
    )
    assert changed.status_code == 302
    assert client.get(path).status_code == 410


def test_a_later_link_leaves_the_earlier_one_working_until_either_is_used(
    people, client, monkeypatch
):
    first = link_for(people, client)
    later_by(monkeypatch, 60)
    second = link_for(people, client)
    assert first != second
    assert client.get(first).status_code == 200 and client.get(second).status_code == 200
    assert set_password(client, second).status_code == 302
    assert client.get(first).status_code == 410


def test_a_weak_password_is_refused_and_the_link_still_works(people, client):
    path = link_for(people, client)
    weak = set_password(client, path, WEAK)
    assert weak.status_code == 200
    assert "This is one of the most common passwords; choose another" in page(weak)
    short = set_password(client, path, "short")
    assert "The password must have at least 12 characters" in page(short)
    differ = set_password(client, path, NEW_PASSWORD, repeat=NEW_PASSWORD + "x")
    assert "The two passwords differ." in page(differ)
    built_on_name = set_password(client, path, "Casey-Chief-2026")
    assert "must not be built on your" in page(built_on_name)
    assert set_password(client, path).status_code == 302


def test_reset_fields_survive_bad_inputs(people, client):
    path = link_for(people, client)
    for text in CORPUS:
        response = set_password(client, path, text, repeat=text + "!")
        assert response.status_code == 200
        html = page(response)
        assert "<script>alert(1)" not in html and "<img src=x" not in html
        assert str(escape(text)) not in html  # passwords are never shown again
    for text in ("{{7*7}}", "\x00" * 12, "\u202e" * 12):
        assert set_password(client, path, text).status_code == 200
    assert set_password(client, path).status_code == 302


def test_tampered_and_nonsense_links_are_refused_politely(people, client):
    path = link_for(people, client)
    tampered = client.get(path[:-3] + ("xyz" if not path.endswith("xyz") else "abc"))
    assert tampered.status_code == 400 and CANNOT in page(tampered)
    assert "copied incompletely" in page(tampered)
    for token in ("abc", "%00", "%7B%7B7*7%7D%7D", "%E2%80%AE%F0%9F%94%90", "a" * 3000):
        response = client.get(f"/reset/{token}")
        assert response.status_code == 400 and CANNOT in page(response), token
    # A token signed for something else (an invitation's salt) is not a reset link.
    foreign = URLSafeTimedSerializer("test-secret-key", salt="invitation-link").dumps(
        {"a": 1, "p": "reset", "f": "x"}
    )
    assert client.get(f"/reset/{foreign}").status_code == 400


def test_reset_link_expires_after_the_configured_minutes(people, client, monkeypatch):
    path = link_for(people, client)
    later_by(monkeypatch, 59 * 60)
    assert client.get(path).status_code == 200
    later_by(monkeypatch, 61 * 60)
    expired = client.get(path)
    assert expired.status_code == 410 and "expired" in page(expired)
    assert set_password(client, path).status_code == 410
    people.config["PASSWORD_RESET_MAX_AGE_MINUTES"] = 120
    assert client.get(path).status_code == 200


def test_welcome_link_lasts_longer_than_a_reset_link(people, client, monkeypatch):
    with people.app_context():
        account = queries.find_account_by_email(db.session, "ceo@example.com")
        assert account is not None
        password_reset.send_link(SYSTEM, account, welcome=True)
        db.session.commit()
    (mail,) = mails(people)
    assert mail.subject == "Set your password to sign in"
    assert "expires after 72 hours" in (mail.body or "")
    path = latest_link(people)
    later_by(monkeypatch, 71 * 3600)
    form = client.get(path)
    assert form.status_code == 200 and "Set your password" in page(form)
    later_by(monkeypatch, 73 * 3600)
    assert client.get(path).status_code == 410
    monkeypatch.undo()
    assert set_password(client, path).status_code == 302
    assert "Your password is set" in page(client.get("/login"))
    entries = [e for e in audit_actions(people) if e[0].startswith("password_reset")]
    assert entries == [
        ("password_reset_link_sent", "ceo@example.com", {"kind": "welcome"}),
        ("password_reset", "ceo@example.com", {"kind": "welcome"}),
    ]


def test_send_link_refuses_a_deactivated_account(people):
    with people.app_context():
        account = queries.find_account_by_email(db.session, "gone@example.com")
        assert account is not None
        with pytest.raises(Invalid):
            password_reset.send_link(SYSTEM, account)
    assert mails(people) == []


def test_a_link_stops_working_when_the_account_is_deactivated(people, client):
    path = link_for(people, client)
    with people.app_context():
        account = queries.find_account_by_email(db.session, "ceo@example.com")
        assert account is not None
        account.active = False
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 410 and CANNOT in page(response)
    assert "not active" in page(response)


def test_reset_pages_are_neither_cached_nor_sent_on_as_referer(people, client):
    path = link_for(people, client)
    for response in (client.get("/forgot"), client.get(path), client.get("/reset/nonsense")):
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"


def test_reset_pages_work_in_a_session_an_invitation_link_opened(people, client):
    with client.session_transaction() as session:
        session[SCOPE_KEY] = "2026-Q4"
    assert client.get("/forgot").status_code == 200
    path = link_for(people, client)
    assert client.get(path).status_code == 200


def test_forged_posts_without_csrf_token_are_refused(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "ceo@example.com", role="ceo")
    client = app.test_client()
    forged = ask(client, "ceo@example.com")
    assert forged.status_code == 400 and "This form has expired" in page(forged)
    assert mails(app) == []


# --- throttling ----------------------------------------------------------------------------


def test_the_fourth_request_for_one_address_gets_429_while_others_still_work(people):
    clients = [people.test_client() for _ in range(4)]
    for number, client in enumerate(clients[:3]):
        address = {"REMOTE_ADDR": f"10.0.0.{number + 1}"}
        assert ask(client, "ceo@example.com", environ_base=address).status_code == 302
    limited = ask(clients[3], "CEO@example.com ", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert limited.status_code == 429
    html = page(limited)
    assert (
        "Too many requests" in html
        and "check your inbox" in html
        and "Retry-After" in (limited.headers)
    )
    other = ask(clients[3], "nobody@example.com", environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert other.status_code == 302
    assert len(mails(people)) == 3


def test_unknown_addresses_count_like_known_ones(people, client):
    for _ in range(3):
        assert ask(client, "nobody@example.com").status_code == 302
    assert ask(client, "nobody@example.com").status_code == 429


def test_invalid_forms_get_their_message_not_the_per_email_limit(people, client):
    for _ in range(5):
        assert client.post("/forgot", data={"email": ""}).status_code == 200
    assert ask(client, "ceo@example.com").status_code == 302


def test_one_client_address_is_limited_across_many_e_mail_addresses(people, client):
    for number in range(10):
        assert ask(client, f"person{number}@example.com").status_code == 302
    assert ask(client, "ceo@example.com").status_code == 429
    elsewhere = people.test_client()
    assert (
        ask(elsewhere, "ceo@example.com", environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
        == 302
    )


def test_guessing_reset_links_is_slowed_down(people, client):
    for number in range(10):
        assert client.get(f"/reset/guess{number}").status_code == 400
    assert client.get("/reset/guess-more").status_code == 429
