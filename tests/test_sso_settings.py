"""Single sign-on providers: the installation's from the environment, and each organisation's
set on its sign-in page, the client secret kept encrypted with a key derived from SECRET_KEY."""

from __future__ import annotations

import json
import logging
import re

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from sqlalchemy import select, text

from assessment import queries, sso, tenancy
from assessment.actions import Forbidden, Invalid, audit
from assessment.actions.actor import SYSTEM, Actor
from assessment.actions.identity_providers import (
    SECRET_NEEDED,
    SECRET_UNREADABLE,
    ProviderChange,
    clear_provider,
    save_provider,
)
from assessment.extensions import db
from assessment.models import AuditEntry, IdentityProvider, Organisation
from assessment.services.security import sealed_secrets
from assessment.services.security.identity_providers import issuer_problem
from tests.conftest import PASSWORD, add_user, log_in

PAGE = "/admin/organisation/sign-in"
SECRET = "s3cret-Value_that-must~never-show"
ENTRA = "https://login.microsoftonline.com/0b1c5e6f-1111-2222-3333-444455556666/v2.0"
FORM = {
    "issuer": ENTRA,
    "client_id": "6731de76-14a6-49ae-97bc-6eba6914391e",
    "client_secret": SECRET,
    "label": "Contoso account",
}


@pytest.fixture
def admin(app: Flask, client: FlaskClient) -> FlaskClient:
    add_user(app, "admin@example.com", permissions=("admin",))
    assert log_in(client, "admin@example.com").status_code == 302
    return client


def stored_row(app: Flask, organisation_id: int = 1) -> IdentityProvider | None:
    with app.app_context(), tenancy.acting_for(organisation_id):
        row = queries.get_identity_provider(db.session, organisation_id)
        if row is not None:
            db.session.expunge(row)
        return row


def audit_entries(app: Flask, organisation_id: int = 1) -> list[AuditEntry]:
    with app.app_context(), tenancy.acting_for(organisation_id):
        entries = list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        db.session.expunge_all()
        return entries


def new_organisation(app: Flask, slug: str, name: str) -> int:
    with app.app_context():
        organisation = queries.create_organisation(db.session, slug, name)
        db.session.commit()
        return organisation.id


# --- the encryption itself (pure) ---------------------------------------------------------


def test_secrets_round_trip_and_the_token_hides_the_plaintext():
    token = sealed_secrets.encrypt(SECRET, "key-one")
    assert SECRET not in token and SECRET.encode().hex() not in token
    assert sealed_secrets.decrypt(token, ["key-one"]) == SECRET
    # Fernet tokens carry a random IV: the same secret encrypts differently each time.
    assert sealed_secrets.encrypt(SECRET, "key-one") != token


@pytest.mark.parametrize(
    "keys",
    [["key-two"], ["key-two", "key-three"], [], [""]],
    ids=["other-key", "other-keys", "no-key", "empty-key"],
)
def test_secrets_another_key_cannot_decrypt(keys):
    token = sealed_secrets.encrypt(SECRET, "key-one")
    with pytest.raises(sealed_secrets.SecretUnreadable):
        sealed_secrets.decrypt(token, keys)


def test_secrets_an_older_key_kept_as_fallback_still_decrypts():
    token = sealed_secrets.encrypt(SECRET, "old-key")
    assert sealed_secrets.decrypt(token, ["new-key", "old-key"]) == SECRET


def test_secrets_each_purpose_has_its_own_key():
    assert sealed_secrets.derived_key("k", "a") != sealed_secrets.derived_key("k", "b")
    assert sealed_secrets.derived_key("k", "a") != sealed_secrets.derived_key("k2", "a")
    token = sealed_secrets.encrypt(SECRET, "k", "a")
    with pytest.raises(sealed_secrets.SecretUnreadable):
        sealed_secrets.decrypt(token, ["k"], "b")


@pytest.mark.parametrize(
    "token",
    ["", "not-a-token", "gAAAAAB" + "x" * 80, "ünïcode"],
    ids=["empty", "garbage", "fernet-like", "non-ascii"],
)
def test_secrets_damaged_value_is_unreadable_not_a_crash(token):
    with pytest.raises(sealed_secrets.SecretUnreadable):
        sealed_secrets.decrypt(token, ["key-one"])


def test_secrets_tampered_token_is_refused():
    token = sealed_secrets.encrypt(SECRET, "key-one")
    flipped = token[:-6] + ("A" if token[-6] != "A" else "B") + token[-5:]
    with pytest.raises(sealed_secrets.SecretUnreadable):
        sealed_secrets.decrypt(flipped, ["key-one"])


def test_secrets_need_a_key_to_encrypt():
    with pytest.raises(ValueError):
        sealed_secrets.encrypt(SECRET, "")


# --- the issuer ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("issuer", "insecure_local", "problem"),
    [
        (ENTRA, False, None),
        ("https://accounts.google.com", False, None),
        ("https://contoso.okta.com/oauth2/default", False, None),
        ("https://contoso.okta.com", False, None),
        ("https://tenant.eu.auth0.com/", False, None),
        ("https://login.example.com:8443/realms/x", False, None),
        ("http://127.0.0.1:8765", True, None),
        ("http://localhost:8765/", True, None),
        ("", False, "Enter the issuer"),
        ("http://login.example.com", False, "https://"),
        ("http://login.example.com", True, "https://"),
        ("http://127.0.0.1:8765", False, "https://"),
        ("ftp://login.example.com", False, "https://"),
        ("login.example.com", False, "full URL"),
        ("https://", False, "full URL"),
        ("https://login.example.com/?tenant=1", False, "query"),
        ("https://login.example.com/#x", False, "fragment"),
        ("https://user:pw@login.example.com", False, "user name"),
        ("https://login.example.com/a b", False, "spaces"),
        ("https://login.example.com:99999", False, "not a valid URL"),
        ("https://login.example.com/" + "a" * 500, False, "too long"),
    ],
)
def test_issuer_must_be_an_https_url(issuer, insecure_local, problem):
    found = issuer_problem(issuer, allow_insecure_localhost=insecure_local)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


# --- the installation's provider, from the environment ------------------------------------


def test_installation_provider_from_the_environment(app_factory):
    app = app_factory(
        OIDC_ISSUER="https://accounts.google.com",
        OIDC_CLIENT_ID=12345,  # ASSESSMENT_OIDC_CLIENT_ID=12345 is read as JSON: a number
        OIDC_CLIENT_SECRET="abc",
    )
    with app.test_request_context():
        found = sso.installation_provider()
        assert found == sso.provider_by_key("installation")
    assert found is not None
    assert (found.key, found.issuer, found.client_id, found.client_secret) == (
        "installation",
        "https://accounts.google.com",
        "12345",
        "abc",
    )
    assert found.label == "your organisation's sign-in"
    assert found.organisation_id is None and not found.sso_only and not found.create_unknown
    assert "abc" not in repr(found)


def test_installation_provider_label_from_the_environment(app_factory):
    app = app_factory(
        OIDC_ISSUER=ENTRA, OIDC_CLIENT_ID="c", OIDC_CLIENT_SECRET="s", OIDC_LABEL="Contoso"
    )
    with app.test_request_context():
        found = sso.installation_provider()
    assert found is not None and found.label == "Contoso"


@pytest.mark.parametrize(
    "config",
    [
        {},
        {"OIDC_ISSUER": ENTRA, "OIDC_CLIENT_ID": "c"},  # no secret
        {
            "OIDC_ISSUER": "http://login.example.com",
            "OIDC_CLIENT_ID": "c",
            "OIDC_CLIENT_SECRET": "s",
        },
        {"OIDC_ISSUER": "", "OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s"},
    ],
    ids=["unset", "partly-set", "plain-http", "no-issuer"],
)
def test_installation_provider_is_off_unless_fully_and_safely_set(app_factory, config, caplog):
    app = app_factory(**config)
    with app.test_request_context(), caplog.at_level(logging.ERROR):
        assert sso.installation_provider() is None
        assert sso.provider_by_key("installation") is None
    if config:
        assert "single sign-on is off" in caplog.text


def test_plain_http_to_this_machine_needs_testing_or_the_switch(app_factory):
    local = {"OIDC_ISSUER": "http://127.0.0.1:9", "OIDC_CLIENT_ID": "c", "OIDC_CLIENT_SECRET": "s"}
    for testing, switch, expected in (
        (True, False, True),
        (False, False, False),
        (False, True, True),
    ):
        app = app_factory(TESTING=testing, OIDC_ALLOW_INSECURE_LOCALHOST=switch, **local)
        with app.test_request_context():
            assert (sso.installation_provider() is not None) is expected, (testing, switch)


# --- the page: saving, validation, the secret -------------------------------------------------


def test_page_shows_the_redirect_uri_and_the_start_link(app, admin):
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert "http://assessment.test/auth/oidc/callback" in page.text
    assert "http://assessment.test/login?org=default" in page.text
    assert "openid email profile" in page.text
    assert "Remove single sign-on" not in page.text  # nothing to remove yet


def test_organisation_settings_page_links_to_the_sign_in_page(app, admin):
    assert f'href="{PAGE}"' in admin.get("/admin/organisation").text


def test_saving_stores_the_secret_encrypted_only(app, admin, caplog):
    with caplog.at_level(logging.DEBUG):
        response = admin.post(PAGE, data={**FORM, "sso_only": "y"})
    assert response.status_code == 302
    row = stored_row(app)
    assert row is not None
    assert (row.issuer, row.client_id, row.label, row.sso_only, row.create_unknown) == (
        ENTRA,
        FORM["client_id"],
        "Contoso account",
        True,
        False,
    )
    # Nothing the database holds contains the secret, in any column of any table.
    with app.app_context():
        connection = db.session.connection()
        for table in db.metadata.sorted_tables:
            for found in connection.execute(select(table)):
                assert SECRET not in repr(tuple(found)), table.name
        raw = connection.execute(text("SELECT client_secret_encrypted FROM identity_provider"))
        assert SECRET not in raw.scalar_one()
    assert SECRET not in caplog.text
    with app.test_request_context():
        settings = sso.organisation_provider(1)
        assert settings is not None and settings.client_secret == SECRET
        assert sso.provider_by_key("default") == settings
        assert sso.sso_only_for(1)
    assert (settings.key, settings.organisation_id, settings.label) == (
        "default",
        1,
        "Contoso account",
    )


def test_the_secret_is_never_shown_back(app, admin):
    admin.post(PAGE, data=FORM)
    page = admin.get(PAGE)
    assert SECRET not in page.text
    assert "A secret is stored" in page.text
    assert ENTRA in page.text and FORM["client_id"] in page.text
    # Nor on a page sent back with errors.
    refused = admin.post(PAGE, data={**FORM, "issuer": "http://login.example.com"})
    assert refused.status_code == 422 and SECRET not in refused.text


def test_the_secret_is_kept_when_left_empty_on_edit(app, admin):
    admin.post(PAGE, data=FORM)
    before = stored_row(app)
    response = admin.post(PAGE, data={**FORM, "client_secret": "", "label": "Contoso SSO"})
    assert response.status_code == 302
    after = stored_row(app)
    assert after is not None and before is not None
    assert after.label == "Contoso SSO"
    assert after.client_secret_encrypted == before.client_secret_encrypted
    with app.test_request_context():
        settings = sso.organisation_provider(1)
    assert settings is not None and settings.client_secret == SECRET


def test_a_new_secret_replaces_the_stored_one(app, admin):
    admin.post(PAGE, data=FORM)
    admin.post(PAGE, data={**FORM, "client_secret": "another-secret"})
    with app.test_request_context():
        settings = sso.organisation_provider(1)
    assert settings is not None and settings.client_secret == "another-secret"


def test_saving_the_same_again_changes_nothing(app, admin):
    admin.post(PAGE, data=FORM)
    count = len(audit_entries(app))
    again = admin.post(PAGE, data={**FORM, "client_secret": ""}, follow_redirects=True)
    assert "Nothing changed." in again.text
    retyped = admin.post(PAGE, data=FORM, follow_redirects=True)
    assert "Nothing changed." in retyped.text
    assert len(audit_entries(app)) == count


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"issuer": ""}, "issuer", "Enter the issuer URL"),
        ({"issuer": "http://login.example.com"}, "issuer", "must be an https:// URL"),
        ({"issuer": "https://login.example.com/?x=1"}, "issuer", "must not have a query"),
        ({"client_id": ""}, "client_id", "Enter the client ID"),
        ({"client_id": "a b"}, "client_id", "must not contain spaces"),
        ({"client_secret": ""}, "client_secret", SECRET_NEEDED),
        ({"client_secret": "x\x00y"}, "client_secret", "control characters"),
        ({"label": "x" * 101}, "label", "at most 100 characters"),
        ({"label": "Contoso\u202e"}, "label", "invisible formatting characters"),
    ],
    ids=[
        "no-issuer",
        "http-issuer",
        "issuer-query",
        "no-client-id",
        "client-id-space",
        "no-secret-at-first",
        "secret-control",
        "label-long",
        "label-bidi",
    ],
)
def test_form_validation_messages(app, admin, change, field, message):
    response = admin.post(PAGE, data={**FORM, **change})
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.text
    assert message.replace("'", "&#39;") in response.text
    assert stored_row(app) is None
    assert not [e for e in audit_entries(app) if e.action.startswith("identity_provider")]


def test_every_field_at_fault_is_named_at_once(app):
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        save_provider(SYSTEM, _organisation(1), ProviderChange(issuer="", client_id=""))
    assert set(refused.value.errors) == {"issuer", "client_id", "client_secret"}


def test_plain_http_issuer_on_this_machine_is_refused_outside_tests(app_factory):
    app = app_factory(TESTING=False)
    with app.test_request_context(), pytest.raises(Invalid) as refused:
        save_provider(SYSTEM, _organisation(1), ProviderChange("http://127.0.0.1:9", "c", "s"))
    assert "https://" in refused.value.errors["issuer"]


def _organisation(organisation_id: int) -> Organisation:
    found = db.session.get(Organisation, organisation_id)
    assert found is not None
    return found


# --- a SECRET_KEY that cannot read the stored secret -------------------------------------


def _store_under_another_key(app: Flask) -> None:
    """The provider as another installation key left it (a SECRET_KEY changed since)."""
    with app.app_context():
        row = db.session.scalar(select(IdentityProvider))
        assert row is not None
        row.client_secret_encrypted = sealed_secrets.encrypt(SECRET, "the-previous-secret-key")
        db.session.commit()


def test_wrong_secret_key_gives_a_clear_message_not_an_error(app, admin, caplog):
    admin.post(PAGE, data={**FORM, "sso_only": "y"})
    _store_under_another_key(app)
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert "cannot be read with this installation" in page.text
    with app.test_request_context(), caplog.at_level(logging.ERROR):
        assert sso.organisation_provider(1) is None
        assert sso.provider_by_key("default") is None
        # The switch is still reported as stored, whatever the secret's state.
        assert sso.sso_only_for(1)
    assert "cannot be read" in caplog.text and SECRET not in caplog.text
    # Saving without a secret asks for it again; with one, it is readable again.
    kept = admin.post(PAGE, data={**FORM, "client_secret": ""})
    assert kept.status_code == 422
    assert SECRET_UNREADABLE.replace("'", "&#39;") in kept.text
    assert admin.post(PAGE, data=FORM).status_code == 302
    with app.test_request_context():
        settings = sso.organisation_provider(1)
    assert settings is not None and settings.client_secret == SECRET


def test_the_previous_key_kept_as_a_fallback_still_reads_the_secret(app, admin):
    admin.post(PAGE, data=FORM)
    _store_under_another_key(app)
    app.config["SECRET_KEY_FALLBACKS"] = ["the-previous-secret-key"]
    with app.test_request_context():
        settings = sso.organisation_provider(1)
    assert settings is not None and settings.client_secret == SECRET


# --- the audit log ------------------------------------------------------------------------


def test_changes_are_audited_without_the_secret(app, admin):
    admin.post(PAGE, data=FORM)
    admin.post(PAGE, data={**FORM, "client_secret": "", "create_unknown": "y"})
    admin.post(PAGE, data={**FORM, "client_secret": "second-secret"})
    admin.post(PAGE, data={"remove": "1"})
    entries = [e for e in audit_entries(app) if e.action.startswith("identity_provider")]
    assert [(e.action, e.actor, e.target) for e in entries] == [
        ("identity_provider_saved", "admin@example.com", "default"),
        ("identity_provider_saved", "admin@example.com", "default"),
        ("identity_provider_saved", "admin@example.com", "default"),
        ("identity_provider_removed", "admin@example.com", "default"),
    ]
    first, second, third, removed = (e.details for e in entries)
    assert first["new_secret"] is True
    assert first["changed"]["issuer"] == [None, ENTRA]
    assert second == {"changed": {"create_unknown": [False, True]}, "new_secret": False}
    assert third == {"changed": {"create_unknown": [True, False]}, "new_secret": True}
    assert removed["removed"]["issuer"] == ENTRA
    logged = json.dumps([e.details for e in audit_entries(app)])
    assert SECRET not in logged and "second-secret" not in logged
    assert "client_secret" not in logged
    with app.app_context():
        assert audit.verify() is None


# --- removing --------------------------------------------------------------------------------


def test_removing_the_provider(app, admin):
    admin.post(PAGE, data={**FORM, "sso_only": "y"})
    assert "Remove single sign-on" in admin.get(PAGE).text
    response = admin.post(PAGE, data={"remove": "1"}, follow_redirects=True)
    assert "Single sign-on removed." in response.text
    assert stored_row(app) is None
    with app.test_request_context():
        assert sso.organisation_provider(1) is None and not sso.sso_only_for(1)
    again = admin.post(PAGE, data={"remove": "1"}, follow_redirects=True)
    assert "Nothing to remove." in again.text


# --- who may ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [
        {"role": "ceo"},
        {"permissions": ("committee",)},
        {"permissions": ("hr_coordinator",)},
        {"role": "it_manager", "permissions": ("fact_owner",)},
    ],
    ids=["ceo", "committee", "hr_coordinator", "fact_owner"],
)
def test_only_administrators_may_see_or_change_it(app, client, options):
    add_user(app, "someone@example.com", **options)
    assert log_in(client, "someone@example.com").status_code == 302
    assert client.get(PAGE).status_code == 403
    assert client.post(PAGE, data=FORM).status_code == 403
    assert client.post(PAGE, data={"remove": "1"}).status_code == 403
    assert stored_row(app) is None


def test_anonymous_is_sent_to_sign_in(app, client):
    assert client.get(PAGE).headers["Location"].startswith("/login")
    assert client.post(PAGE, data=FORM).headers["Location"].startswith("/login")
    assert stored_row(app) is None


def test_the_write_layer_refuses_non_administrators(app):
    someone = Actor("someone@example.com", permissions=frozenset({"committee"}))
    with app.test_request_context():
        with pytest.raises(Forbidden):
            save_provider(someone, _organisation(1), ProviderChange(ENTRA, "c", "s"))
        with pytest.raises(Forbidden):
            clear_provider(someone, _organisation(1))


def test_a_forged_post_is_refused(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "admin@example.com", permissions=("admin",))
    client = app.test_client()
    found = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/login").text)
    assert found is not None
    signed_in = client.post(
        "/login",
        data={"email": "admin@example.com", "password": PASSWORD, "csrf_token": found.group(1)},
    )
    assert signed_in.status_code == 302
    assert client.post(PAGE, data=FORM).status_code == 400
    assert client.post(PAGE, data={"remove": "1"}).status_code == 400
    assert stored_row(app) is None


# --- one organisation's provider is never another's ------------------------------------------


def test_each_organisation_gets_its_own_provider_only(app, admin):
    second = new_organisation(app, "acme", "Acme Ltd")
    with tenancy.acting_for(second):
        add_user(app, "admin@acme.example", permissions=("admin",))
    other = app.test_client()
    assert log_in(other, "admin@acme.example").status_code == 302
    acme = {
        **FORM,
        "issuer": "https://acme.okta.com/oauth2/default",
        "client_id": "acme-client",
        "client_secret": "acme-secret",
        "label": "",
    }
    assert other.post(PAGE, data=acme).status_code == 302
    # The first organisation has none yet: the second's is never offered for it.
    with app.test_request_context():
        assert sso.organisation_provider(1) is None
        assert sso.provider_by_key("default") is None
        assert not sso.sso_only_for(1)
    page = admin.get(PAGE)
    assert "acme" not in page.text.lower()
    assert admin.post(PAGE, data=FORM).status_code == 302
    with app.test_request_context():
        first, theirs = sso.organisation_provider(1), sso.organisation_provider(second)
        assert sso.provider_by_key("acme") == theirs
        assert sso.provider_by_key("nobody") is None
    assert first is not None and theirs is not None
    assert (first.issuer, first.client_secret, first.organisation_id) == (ENTRA, SECRET, 1)
    assert (theirs.issuer, theirs.client_secret, theirs.organisation_id, theirs.key) == (
        "https://acme.okta.com/oauth2/default",
        "acme-secret",
        second,
        "acme",
    )
    assert theirs.label == "Acme Ltd"  # no label given: the organisation's name
    # Removing one organisation's leaves the other's.
    admin.post(PAGE, data={"remove": "1"})
    with app.test_request_context():
        assert sso.organisation_provider(1) is None
        assert sso.organisation_provider(second) == theirs
    assert "acme" not in json.dumps([e.details for e in audit_entries(app, 1)])
    assert ENTRA not in json.dumps([e.details for e in audit_entries(app, second)])


def test_reading_a_provider_while_signed_in_elsewhere_reads_that_organisations(app, admin):
    """A request acting for one organisation (a signed-in page) can still read the provider of
    the organisation a sign-in is for, and only that one."""
    second = new_organisation(app, "acme", "Acme Ltd")
    admin.post(PAGE, data=FORM)
    with app.test_request_context():
        g.organisation_id = second
        assert sso.organisation_provider(second) is None
        found = sso.organisation_provider(1)
        assert found is not None and found.issuer == ENTRA
        assert tenancy.current_organisation_id() == second  # nothing leaked out of the read
