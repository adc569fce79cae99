"""An organisation's OpenID Connect provider (at most one each)."""

from __future__ import annotations

from sqlalchemy import select

from assessment.models import IdentityProvider
from assessment.queries.session import AnySession


def get_identity_provider(session: AnySession, organisation_id: int) -> IdentityProvider | None:
    """The organisation's provider, or None. Read while acting for that organisation: the
    tenancy criterion and the explicit condition agree, so no other organisation's row can
    come back."""
    return session.scalar(
        select(IdentityProvider).where(IdentityProvider.organisation_id == organisation_id)
    )


def delete_identity_provider(session: AnySession, provider: IdentityProvider) -> None:
    session.delete(provider)
    session.flush()
