"""Forgot password, end to end: Chromium asks for a link, a real SMTP server (aiosmtpd on
127.0.0.1) receives it, the link sets a new password once, and the other session ends."""

from __future__ import annotations

import re
import time

import pytest

from tests.e2e.helpers import check, sign_in
from tests.smtp import Inbox, running_smtp_server

pytestmark = pytest.mark.browser

CEO = "ceo@example.com"
NEW_PASSWORD = "quiet lantern orbit 42 meadow"
SENT = "If an active account uses that address, we have sent it a link"


@pytest.fixture
def smtp_inbox(live_app):
    """A real SMTP server on 127.0.0.1 that the app sends through; stopped after the test."""
    with running_smtp_server() as (controller, inbox):
        live_app.config.update(
            MAIL_BACKEND="smtp", SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port
        )
        yield inbox


def wait_for_mail(inbox: Inbox, count: int, seconds: float = 15) -> None:
    deadline = time.monotonic() + seconds
    while len(inbox.messages) < count and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(inbox.messages) >= count, f"{len(inbox.messages)} messages, expected {count}"


def ask_for_link(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("E-mail").fill(email)
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url(f"{base}/forgot/sent")


def test_forgotten_password_is_reset_through_a_mailed_link(
    live_server, demo, new_context, smtp_inbox
):
    base = live_server
    before = new_context().new_page()  # the CEO is signed in elsewhere already
    sign_in(before, base, CEO, demo[CEO])
    before.wait_for_url(f"{base}/")

    page = new_context().new_page()
    page.goto(f"{base}/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url(f"{base}/forgot")
    check(page, "reset-1-forgot")
    # A bad input is refused with a message and shown back as text, never as markup.
    page.get_by_label("E-mail").fill("<svg/onload=alert(1)>")
    page.get_by_role("button", name="Send me a link").click()
    assert page.get_by_text("Enter an e-mail address such as name@example.com.").is_visible()
    assert page.get_by_label("E-mail").input_value() == "<svg/onload=alert(1)>"
    assert page.locator("svg[onload]").count() == 0
    page.get_by_label("E-mail").fill(CEO)
    page.get_by_role("button", name="Send me a link").click()
    page.wait_for_url(f"{base}/forgot/sent")
    assert page.get_by_text(SENT).is_visible()
    assert "valid for 60 minutes" in page.content()

    wait_for_mail(smtp_inbox, 1)
    message = smtp_inbox.messages[0]
    assert message["To"] == CEO and message["Subject"] == "Reset your password"
    body = message.get_payload(decode=True).decode()
    assert body.startswith("Dear Catherine Ng,") and "expires after 60 minutes" in body
    found = re.search(re.escape(base) + r"/reset/[A-Za-z0-9._-]+", body)
    assert found, body
    link = found.group(0)

    page.goto(link)
    assert page.get_by_role("heading", name="Choose a new password").is_visible()
    check(page, "reset-2-new-password")
    page.get_by_label("New password", exact=True).fill("password1234")
    page.get_by_label("Repeat the new password").fill("password1234")
    page.get_by_role("button", name="Set password").click()
    assert page.get_by_text("This is one of the most common passwords").is_visible()
    page.get_by_label("New password", exact=True).fill("{{7*7}}</textarea><script>x</script>")
    page.get_by_label("Repeat the new password").fill("{{7*7}}")
    page.get_by_role("button", name="Set password").click()
    assert page.get_by_text("The two passwords differ.").is_visible()
    assert "49" not in page.locator("main").inner_text()
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()
    page.wait_for_url(f"{base}/login")
    assert page.get_by_text("Your password is changed").is_visible()

    sign_in(page, base, CEO, NEW_PASSWORD)
    page.wait_for_url(f"{base}/")
    # The session opened before the reset has ended.
    before.goto(f"{base}/")
    assert "/login" in before.url

    # The same link again: it has been used.
    page.goto(link)
    assert page.get_by_role("heading", name="This link cannot be used").is_visible()
    assert page.get_by_role("link", name="Ask for a new link").is_visible()
    check(page, "reset-3-link-used")

    # An unknown address gets the same answer, and no mail.
    stranger = new_context().new_page()
    ask_for_link(stranger, base, "nobody@example.com")
    assert stranger.get_by_text(SENT).is_visible()
    time.sleep(1.5)
    assert len(smtp_inbox.messages) == 1
