"""Records of the mail the app sent (or kept in the development outbox)."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select

from assessment.models import Mail
from assessment.queries.session import AnySession


def list_mail(session: AnySession, limit: int = 200) -> list[Mail]:
    """The newest messages first."""
    return list(session.scalars(select(Mail).order_by(Mail.id.desc()).limit(limit)))


def mail_to(session: AnySession, recipients: Collection[str], subject_contains: str) -> list[Mail]:
    """Messages to any of these addresses whose subject holds the text, newest first."""
    if not recipients:
        return []
    return list(
        session.scalars(
            select(Mail)
            .where(
                Mail.recipient.in_(sorted(recipients)),
                Mail.subject.contains(subject_contains, autoescape=True),
            )
            .order_by(Mail.id.desc())
        )
    )
