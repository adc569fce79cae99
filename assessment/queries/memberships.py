"""How many organisations a person belongs to: asked on every signed-in page, whose header
offers "Switch organisation" only to someone with more than one membership."""

from __future__ import annotations

from sqlalchemy import func, select

from assessment.models import Account, Person
from assessment.queries.accounts import normalise_email
from assessment.queries.session import AnySession
from assessment.tenancy import across_organisations


def count_active_memberships(session: AnySession, email: str) -> int:
    """The active accounts under this address in every organisation. One COUNT, not the
    accounts themselves: it runs on every page. Across organisations on purpose: they are all
    the same person's."""
    if "\x00" in email:
        return 0
    with across_organisations():
        found = session.scalar(
            select(func.count())
            .select_from(Account)
            .join(Person, Person.id == Account.person_id)
            .where(Person.email == normalise_email(email), Account.active.is_(True))
        )
    return int(found or 0)
