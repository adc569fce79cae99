"""Outgoing mail: SMTP in production, an outbox table (and the log) in development."""

from __future__ import annotations

import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from flask import current_app

from assessment.extensions import db
from assessment.models import Mail

# Invitation links (/i/) sign a person in; password links (/reset/) set their password.
_LINK = re.compile(r"/(i|reset)/[A-Za-z0-9_.\-]+")


def mask_links(text: str) -> str:
    """The text with every invitation or password link's token replaced, for logs and screens."""
    return _LINK.sub(r"/\1/…", text)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str  # e.g. "text/calendar; method=REQUEST"


def send_mail(
    recipient: str, subject: str, body: str, attachments: tuple[Attachment, ...] = ()
) -> Mail:
    """Send one message with the configured backend and record it; the caller commits."""
    config = current_app.config
    record = Mail(recipient=recipient, subject=subject, status="outbox")
    if config["MAIL_BACKEND"] == "smtp":
        try:
            _send_smtp(_message(recipient, subject, body, attachments))
            record.status = "sent"
        except (OSError, smtplib.SMTPException) as error:
            record.status, record.error = "failed", str(error)
            current_app.logger.error("Mail to %s failed: %s", recipient, error)
    else:
        # Development: nothing leaves the machine; administrators read it on the outbox page.
        record.body = body
        # Never a live invitation link in a log: whoever reads the log could sign in (F-05).
        current_app.logger.info(
            "Outbox: to=%s subject=%s\n%s", recipient, subject, mask_links(body)
        )
    db.session.add(record)
    return record


def _message(
    recipient: str, subject: str, body: str, attachments: tuple[Attachment, ...]
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = recipient
    message["Subject"] = subject
    message.set_content(body)
    for attachment in attachments:
        main_type, _, rest = attachment.mime_type.partition("/")
        sub_type, *params = (part.strip() for part in rest.split(";"))
        extra = dict(p.split("=", 1) for p in params if "=" in p)
        message.add_attachment(
            attachment.content,
            maintype=main_type,
            subtype=sub_type,
            filename=attachment.filename,
            params=extra,
        )
    return message


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=20) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())  # verify the certificate
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)
