"""What the log-in page offers besides the password form: "Sign in with <label>" links.

The installation's provider is offered to everyone. An organisation's provider is offered only
on ``/login?org=<slug>`` (the link its administrators hand out), so that the shared page never
lists which organisations use the installation, nor their providers.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for

from assessment import queries, sso
from assessment.extensions import db
from assessment.organisations import shown_name


@dataclass(frozen=True)
class Offer:
    label: str
    url: str


@dataclass(frozen=True)
class SignInOffers:
    offers: tuple[Offer, ...] = ()
    # Set when the page is an organisation's whose executives may not use a password.
    sso_only_organisation: str | None = None
    sso_only_label: str | None = None


def sign_in_offers(organisation_key: str | None, next_url: str | None) -> SignInOffers:
    """The providers to offer on the log-in page, the organisation's first."""
    offers: list[Offer] = []
    only: tuple[str | None, str | None] = (None, None)
    next_url = next_url or None
    if organisation_key and organisation_key != sso.INSTALLATION:
        provider = sso.provider_by_key(organisation_key)
        if provider is not None and provider.organisation_id is not None:
            offers.append(
                Offer(provider.label, url_for("oidc.start_for", key=provider.key, next=next_url))
            )
            if provider.sso_only:
                organisation = queries.get_organisation(db.session, provider.organisation_id)
                only = (shown_name(organisation) if organisation else None, provider.label)
    installation = sso.installation_provider()
    if installation is not None:
        offers.append(Offer(installation.label, url_for("oidc.start", next=next_url)))
    return SignInOffers(tuple(offers), *only)
