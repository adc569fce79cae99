"""Single sign-on: the identity an OpenID Connect provider vouched for, matched to an account.

The door (``web.oidc``) runs the protocol and checks the ID token (signature, issuer, audience,
expiry, nonce); what reaches this module is a verified identity. Here it becomes an account, or
a refusal with its reason: nobody is created unless the organisation's provider says so
(``create_unknown``), and every outcome is audited, with the reason and never the token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from email_validator import EmailNotValidError, validate_email

from assessment import queries, sso, tenancy
from assessment.actions import audit
from assessment.actions.actor import ANONYMOUS, Actor
from assessment.actions.errors import Forbidden
from assessment.extensions import db
from assessment.models import Account
from assessment.services.security.passwords import generate_password, hash_password
from assessment.services.text import clean_text, text_problem
from assessment.sso import ProviderSettings

# Why a sign-in through a provider was refused (the audit entry's ``reason``; the door's page).
STATE: Final = "state"  # the answer belongs to no sign-in started in this browser
DENIED: Final = "denied"  # the provider answered with an error (the person cancelled, …)
TOKEN: Final = "token"  # the ID token failed a check: signature, issuer, audience, expiry, nonce
UNAVAILABLE: Final = "unavailable"  # the provider did not answer (discovery, keys or token)
UNVERIFIED: Final = "unverified"  # the provider has not verified the e-mail address
UNKNOWN: Final = "unknown"  # no account has this address (in the provider's organisation)
DEACTIVATED: Final = "deactivated"  # the account exists but is deactivated
REASONS: Final = (STATE, DENIED, TOKEN, UNAVAILABLE, UNVERIFIED, UNKNOWN, DEACTIVATED)

# Audit details are short words, never what the provider sent verbatim.
DETAIL_LENGTH: Final = 80
NAME_LENGTH: Final = 200  # Person.name


@dataclass(frozen=True)
class Identity:
    """What a verified ID token says about the person."""

    email: str
    email_verified: bool
    name: str
    subject: str

    @classmethod
    def of_claims(cls, claims: dict[str, object]) -> Identity:
        """From the ID token's claims; anything of the wrong type counts as missing.
        ``email_verified`` must be the JSON value true (a string "true" is not). Microsoft
        Entra ID never sends it; its documented equivalent is the optional claim ``xms_edov``
        (the e-mail's domain is verified as the tenant's), accepted the same way."""
        email, name, subject = claims.get("email"), claims.get("name"), claims.get("sub")
        verified = claims.get("email_verified") is True or claims.get("xms_edov") is True
        return cls(
            email=email.strip() if isinstance(email, str) else "",
            email_verified=verified,
            name=name if isinstance(name, str) else "",
            subject=subject if isinstance(subject, str) else "",
        )


class Refused(Forbidden):
    """A sign-in through a provider was refused; ``reason`` is one of ``REASONS``."""

    def __init__(self, reason: str, email: str = "") -> None:
        super().__init__(f"single sign-on refused: {reason}", {"sso": reason})
        self.reason = reason
        self.email = email


def sign_in(provider: ProviderSettings, identity: Identity) -> Account:
    """The active account the verified identity stands for, signed in and audited.

    An organisation's provider vouches for that organisation's people only; the installation's
    provider for anyone, who lands in their most recently used active membership (as with a
    password). Raises ``Refused`` (audited) for an unverified address, an unknown person or a
    deactivated account; an unknown person is created only when the organisation's provider
    allows it, with no role and no permission."""
    if not identity.email or not identity.email_verified:
        raise refuse(provider, UNVERIFIED, identity.email)
    candidates = queries.accounts_of_email(db.session, identity.email)
    if provider.organisation_id is not None:
        candidates = [a for a in candidates if a.organisation_id == provider.organisation_id]
    active = [account for account in candidates if account.active]
    created = False
    if active:
        account = active[0]
    elif candidates:
        raise refuse(provider, DEACTIVATED, identity.email)
    elif provider.create_unknown and provider.organisation_id is not None:
        try:
            email = validate_email(identity.email, check_deliverability=False).normalized
        except EmailNotValidError:
            raise refuse(provider, UNKNOWN, identity.email) from None
        account = _create(provider.organisation_id, email, identity.name)
        created = True
    else:
        raise refuse(provider, UNKNOWN, identity.email)
    tenancy.enter(account.organisation_id)  # the rest of the request acts there
    with tenancy.acting_for(account.organisation_id):
        queries.record_login(db.session, account)
        audit.record(
            Actor.of_account(account),
            "sso_login",
            account.person.email,
            provider=provider.key,
            issuer=provider.issuer,
            created=created,
        )
    return account


def refuse(
    provider: ProviderSettings | None, reason: str, email: str = "", detail: str = ""
) -> Refused:
    """Audit a refused sign-in and return the refusal for the caller to raise.

    The entry goes to the provider's organisation; for the installation's provider (or none
    known) to the organisation of the address, as a failed password log-in is."""
    attempted = queries.normalise_email(email)[:254]
    if provider is not None and provider.organisation_id is not None:
        where = provider.organisation_id
    else:
        candidates = queries.accounts_of_email(db.session, attempted) if attempted else []
        where = (
            candidates[0].organisation_id
            if candidates
            else tenancy.first_organisation_id(db.session())
        )
    details: dict[str, object] = {"reason": reason}
    if provider is not None:
        details["provider"] = provider.key
    if detail:
        details["detail"] = re.sub(r"[^\w .:,'-]", "", detail)[:DETAIL_LENGTH]
    with tenancy.acting_for(where):
        audit.record(ANONYMOUS, "sso_refused", attempted, **details)
    return Refused(reason, attempted)


def password_barred(account: Account) -> ProviderSettings | None:
    """The provider an account must sign in with instead of a password: set for an executive
    (a person with a role) of an organisation whose provider is "SSO only"; None for anyone
    else."""
    if account.person.role is None or not sso.sso_only_for(account.organisation_id):
        return None
    # Fails closed: a provider whose secret this installation cannot read still bars the
    # password (the switch is the administrators' decision; they can still sign in to fix it).
    return sso.organisation_provider(account.organisation_id) or sso.unusable_provider(
        account.organisation_id
    )


def _create(organisation_id: int, email: str, name: str) -> Account:
    """Just-in-time creation: a person with the token's name, no role and no permission."""
    name = clean_text(name if not text_problem(name) else "")[:NAME_LENGTH]
    name = name or email.partition("@")[0]
    with tenancy.acting_for(organisation_id):
        # The password is random and never shown: this person signs in through the provider.
        person = queries.create_person_with_account(
            db.session, email=email, name=name, password_hash=hash_password(generate_password())
        )
    assert person.account is not None
    return person.account
