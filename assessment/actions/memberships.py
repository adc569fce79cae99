"""A consultant's memberships: moving the signed-in person from one organisation to another.

Only the person's own memberships can be reached: those under the e-mail address they signed
in with, and active. Anything else is "not found", whether it exists or not, so that trying
organisation ids tells nobody which ones there are. The switch is recorded in both
organisations' logs: each shows when the person stopped or started acting there. Each entry
names the other organisation by its id only, never its name: a consultant's other clients are
none of this client's business, and the installation's operators can still pair the entries.
"""

from __future__ import annotations

from assessment import queries, tenancy
from assessment.actions import audit, sso
from assessment.actions.actor import Actor
from assessment.actions.errors import Conflict, NotFound
from assessment.extensions import db
from assessment.models import Account

SWITCH_ACTION = "organisation_switch"


def memberships(email: str) -> list[Account]:
    """The active accounts under this address in every organisation, most recently used
    first (read across organisations on purpose: they are all the same person's)."""
    return [account for account in queries.accounts_of_email(db.session, email) if account.active]


def switch(
    actor: Actor, from_organisation_id: int, to_organisation_id: int, signed_in_with: str
) -> Account:
    """The actor's active membership in ``to_organisation_id``, recorded as the one now used.
    ``NotFound`` when they hold none there (or only a deactivated one); ``Conflict`` when
    they are working there already, or when that organisation lets its executives in through
    its own provider only and this session (``signed_in_with``: "password", "link" or
    "sso:<key>") did not sign in through it: a password elsewhere must not open the way."""
    target = next(
        (a for a in memberships(actor.email) if a.organisation_id == to_organisation_id),
        None,
    )
    if target is None:
        raise NotFound("You are not a member of that organisation.")
    if to_organisation_id == from_organisation_id:
        raise Conflict("You are working in that organisation already.")
    barred = sso.password_barred(target)
    if barred is not None and signed_in_with != f"sso:{barred.key}":
        with tenancy.acting_for(to_organisation_id):
            audit.record(actor, SWITCH_ACTION, actor.email, direction="refused_sso_only")
        raise Conflict(
            f"That organisation signs its executives in with {barred.label} only: sign out, "
            f"then sign in with {barred.label} to work there."
        )
    moved = {"from_organisation": from_organisation_id, "to_organisation": to_organisation_id}
    with tenancy.acting_for(from_organisation_id):
        audit.record(actor, SWITCH_ACTION, actor.email, direction="left", **moved)
    with tenancy.acting_for(to_organisation_id):
        # Marked as used now: the next sign-in lands in the organisation last worked in.
        queries.record_login(db.session, target)
        entered = Actor.of_account(target)
        audit.record(entered, SWITCH_ACTION, actor.email, direction="entered", **moved)
    return target
