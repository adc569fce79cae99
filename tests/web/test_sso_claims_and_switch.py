"""Claims from the providers that differ (Entra's xms_edov, Okta's thin ID tokens), and an
"SSO only" organisation that a password signed in elsewhere must not open by switching."""

from __future__ import annotations

from typing import Any

import pytest

from assessment import queries, tenancy
from assessment.actions import SYSTEM
from assessment.actions.identity_providers import ProviderChange, save_provider
from assessment.actions.sso import Identity
from assessment.extensions import db
from assessment.models import AuditEntry, Mail
from assessment.services.security.passwords import hash_password
from assessment.web import oidc
from tests.conftest import PASSWORD, add_user, log_in


def test_entra_xms_edov_counts_as_a_verified_address_only_when_true():
    assert Identity.of_claims({"email": "a@x.example", "xms_edov": True}).email_verified
    assert not Identity.of_claims({"email": "a@x.example", "xms_edov": "true"}).email_verified
    assert not Identity.of_claims({"email": "a@x.example"}).email_verified
    assert Identity.of_claims({"email": "a@x.example", "email_verified": True}).email_verified


class UserInfoOf:
    """Stands in for the provider's user-info endpoint only (the Authlib client's one call)."""

    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.token: Any = None

    def userinfo(self, token: Any) -> dict[str, Any]:
        self.token = token
        return self.answer


def test_a_thin_id_token_takes_the_email_from_userinfo_for_the_same_subject_only():
    claims = {"sub": "abc", "iss": "https://idp.example"}
    client = UserInfoOf({"sub": "abc", "email": "a@x.example", "email_verified": True})
    merged = oidc._with_userinfo(client, claims, {"access_token": "t"})
    assert merged["email"] == "a@x.example" and merged["iss"] == "https://idp.example"
    assert client.token == {"access_token": "t"}
    # the verified token's own claims are never replaced
    spoof = UserInfoOf({"sub": "abc", "iss": "https://evil.example", "email": "a@x.example"})
    assert oidc._with_userinfo(spoof, claims, {})["iss"] == "https://idp.example"
    with pytest.raises(oidc._Failed):
        oidc._with_userinfo(UserInfoOf({"sub": "other", "email": "b@x.example"}), claims, {})


def test_switching_into_an_sso_only_organisation_needs_its_provider(app):
    """A consultant who is an executive in an SSO-only client signs in with a password in
    their own organisation: the switch into the client is refused and audited there."""
    add_user(app, "vc@example.com", role="ceo", permissions=("admin",))
    with app.app_context():
        client_org = queries.create_organisation(db.session, "client", "Client Ltd")
        db.session.commit()
        with tenancy.acting_for(client_org.id):
            queries.create_person_with_account(
                db.session,
                email="vc@example.com",
                name="VC",
                role="cio",
                password_hash=hash_password(PASSWORD),
            )
            db.session.commit()
        client_id = client_org.id
    with app.test_request_context():
        organisation = queries.get_organisation(db.session, client_id)
        save_provider(
            SYSTEM,
            organisation,
            ProviderChange(
                "https://login.client.example/v2.0", "client-app", "s3cret", "Client SSO", True
            ),
        )
        db.session.commit()
    client = app.test_client()
    log_in(client, "vc@example.com")
    page = client.get("/").get_data(as_text=True)
    assert "Client Ltd" not in page.split("</header>")[0]  # landed in its own organisation
    refused = client.post("/organisations/switch", data={"organisation": str(client_id)})
    assert refused.status_code == 302
    flashed = client.get("/organisations").get_data(as_text=True)
    assert "signs its executives in with Client SSO only" in flashed
    with app.app_context(), tenancy.acting_for(client_id):
        actions = [
            e.details.get("direction")
            for e in db.session.query(AuditEntry).filter_by(action="organisation_switch")
        ]
    assert actions == ["refused_sso_only"]
    assert "Client Ltd" not in client.get("/").get_data(as_text=True).split("</header>")[0]


def test_no_password_link_goes_to_an_executive_of_an_sso_only_organisation(app):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "ceo@example.com", role="ceo")
    with app.test_request_context():
        save_provider(
            SYSTEM,
            queries.get_organisation(db.session, 1),
            ProviderChange("https://login.us.example/v2.0", "our-app", "s3cret", "Our SSO", True),
        )
        db.session.commit()
    client = app.test_client()
    log_in(client, "admin@example.com")
    with app.app_context():
        ceo = queries.find_person_by_email(db.session, "ceo@example.com").id
        mails = db.session.query(Mail).count()
    sent = client.post(
        f"/admin/people/{ceo}/link", data={"confirmed": "yes"}, follow_redirects=True
    )
    assert "signs in with Our SSO only, so no password link is sent" in sent.get_data(as_text=True)
    added = client.post(
        "/admin/people/new",
        data={"name": "Nia New", "email": "nia@example.com", "role": "cio", "send_link": "y"},
        follow_redirects=True,
    )
    assert "they sign in through the organisation&#39;s identity provider" in added.get_data(
        as_text=True
    )
    with app.app_context():
        assert db.session.query(Mail).count() == mails  # nothing was mailed
        assert queries.find_person_by_email(db.session, "nia@example.com") is not None
