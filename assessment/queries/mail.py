"""Records of the mail the app sent (or kept in the development outbox)."""

from __future__ import annotations

from sqlalchemy import select

from assessment.models import Mail
from assessment.queries.session import AnySession


def list_mail(session: AnySession, limit: int = 200) -> list[Mail]:
    """The newest messages first."""
    return list(session.scalars(select(Mail).order_by(Mail.id.desc()).limit(limit)))
