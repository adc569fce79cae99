import re

import pytest
from sqlalchemy import select

from assessment.extensions import db
from assessment.models import Account
from assessment.tenancy import acting_for
from assessment.web.auth import LOGIN_FAILED
from tests.conftest import PASSWORD, add_user, log_in


def test_login_page_has_email_password_and_csrf_token(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    page = app.test_client().get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'type="email"' in html and 'name="email"' in html
    assert 'type="password"' in html and 'name="password"' in html
    assert re.search(r'name="csrf_token" type="hidden" value="[^"]+"', html)


def test_login_with_right_password_reaches_home_and_stamps_last_login(app, client):
    account_id = add_user(app, "ceo@example.com", role="ceo", name="Casey Chief")
    response = log_in(client, "ceo@example.com")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    home = client.get("/")
    assert "Welcome, Casey Chief" in home.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Account, account_id).last_login_at is not None


def test_login_email_is_case_insensitive(app, client):
    add_user(app, "cio@example.com")
    assert log_in(client, "  CIO@Example.COM ").status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [("ceo@example.com", "wrong password"), ("nobody@example.com", PASSWORD)],
    ids=["wrong-password", "unknown-email"],
)
def test_login_failure_gives_one_generic_message(app, client, email, password):
    add_user(app, "ceo@example.com")
    response = log_in(client, email, password)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert LOGIN_FAILED in html
    assert "nobody@example.com" not in html.replace('value="nobody@example.com"', "")
    assert client.get("/").status_code == 302  # still signed out


def test_login_refuses_disabled_account_with_the_same_message(app, client):
    add_user(app, "left@example.com", active=False)
    response = log_in(client, "left@example.com")
    assert LOGIN_FAILED in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_deactivating_an_account_ends_its_open_sessions(app, client):
    account_id = add_user(app, "left@example.com", name="Lee Left")
    log_in(client, "left@example.com")
    assert "Welcome, Lee Left" in client.get("/").get_data(as_text=True)
    with app.app_context():
        db.session.get(Account, account_id).active = False
        db.session.commit()
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_permissions_granted_or_revoked_apply_on_the_next_request(app, client):
    from assessment.models import AccountPermission

    account_id = add_user(app, "hr@example.com", role="hr")
    log_in(client, "hr@example.com")
    assert client.get("/training/").status_code == 403
    with app.app_context():
        db.session.add(AccountPermission(account_id=account_id, permission="hr_coordinator"))
        db.session.commit()
    assert client.get("/training/").status_code == 200
    with app.app_context():
        db.session.execute(
            AccountPermission.__table__.delete().where(AccountPermission.account_id == account_id)
        )
        db.session.commit()
    assert client.get("/training/").status_code == 403


def test_home_requires_login_and_remembers_destination(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/admin/people", "/admin/people"),
        ("https://attacker.example/", "/"),
        ("//attacker.example/", "/"),
        ("/\\attacker.example", "/"),
    ],
    ids=["local", "absolute", "scheme-relative", "backslash"],
)
def test_login_redirects_only_to_local_paths(app, client, next_url, expected):
    add_user(app, "admin@example.com", permissions=("admin",))
    response = client.post(
        "/login",
        query_string={"next": next_url},
        data={"email": "admin@example.com", "password": PASSWORD},
    )
    assert response.headers["Location"] == expected


def test_logout_signs_out(app, client):
    add_user(app, "ceo@example.com")
    log_in(client, "ceo@example.com")
    response = client.post("/logout")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_logout_is_not_possible_with_get(app, client):
    add_user(app, "ceo@example.com")
    log_in(client, "ceo@example.com")
    assert client.get("/logout").status_code == 405
    assert client.get("/").status_code == 200


def test_session_cookie_is_httponly_and_samesite_lax(app, client):
    add_user(app, "ceo@example.com")
    response = log_in(client, "ceo@example.com")
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_secure_when_configured(app_factory):
    app = app_factory(SESSION_COOKIE_SECURE=True)
    add_user(app, "ceo@example.com")
    response = log_in(app.test_client(), "ceo@example.com")
    cookie = next(
        c for c in response.headers.getlist("Set-Cookie") if c.startswith("__Host-session=")
    )
    assert "Secure" in cookie


def test_forged_login_post_without_csrf_token_is_refused(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "ceo@example.com")
    client = app.test_client()
    response = log_in(client, "ceo@example.com")
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_login_with_csrf_token_from_the_form_succeeds(app_factory):
    app = app_factory(WTF_CSRF_ENABLED=True)
    add_user(app, "ceo@example.com")
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"email": "ceo@example.com", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


def test_permission_required_refuses_other_accounts_with_403_page(app, client):
    add_user(app, "ceo@example.com", role="ceo", permissions=("committee",))
    log_in(client, "ceo@example.com")
    response = client.get("/admin/people")
    assert response.status_code == 403
    assert "Not allowed" in response.get_data(as_text=True)


def test_permission_required_admits_holder(app, client):
    add_user(app, "admin@example.com", name="Ada Admin", permissions=("admin",))
    log_in(client, "admin@example.com")
    response = client.get("/admin/people")
    assert response.status_code == 200
    assert "Ada Admin" in response.get_data(as_text=True)


def test_navigation_shows_only_permitted_links(app, client):
    add_user(app, "ceo@example.com", role="ceo")
    add_user(app, "admin@example.com", permissions=("admin",))
    log_in(client, "ceo@example.com")
    assert 'href="/admin/people"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    log_in(client, "admin@example.com")
    assert 'href="/admin/people"' in client.get("/").get_data(as_text=True)


def test_people_page_escapes_names(app, client):
    add_user(app, "admin@example.com", permissions=("admin",))
    add_user(app, "x@example.com", name='"><img src=x onerror=alert(1)>')
    log_in(client, "admin@example.com")
    html = client.get("/admin/people").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_accounts_store_argon2_hashes_not_passwords(app):
    add_user(app, "ceo@example.com")
    with app.app_context():
        stored = db.session.scalar(select(Account.password_hash))
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_an_inactive_account_is_never_signed_in_even_by_an_invitation_link(app):
    from flask_login import login_user

    from assessment.web.auth import SignedIn

    account_id = add_user(app, "gone@example.com", active=False)
    with app.test_request_context(), acting_for(1):
        account = db.session.get(Account, account_id)
        assert login_user(SignedIn.of(account)) is False  # what the invitation view calls
