"""An administrator sets the organisation's single sign-on provider in Chromium: the page says
what to register with the provider, refuses a plain-http issuer by the field, keeps the secret
without ever showing it, and passes the accessibility and 320 px checks."""

from __future__ import annotations

import pytest

from assessment import sso
from tests.e2e.helpers import check, sign_in

pytestmark = pytest.mark.browser

SECRET = "browser-secret-never-shown"


def test_administrator_sets_single_sign_on(browser, live_app, live_server, demo, context):
    from playwright.sync_api import expect

    page = context.new_page()
    sign_in(page, live_server, "admin@example.com", demo["admin@example.com"])
    page.goto(f"{live_server}/admin/organisation")
    page.get_by_role("link", name="Sign-in and single sign-on").click()
    expect(page.get_by_role("heading", name="Sign-in and single sign-on")).to_be_visible()
    main = page.locator("main")
    expect(main).to_contain_text(f"{live_server}/auth/oidc/callback")
    expect(main).to_contain_text(f"{live_server}/login?org=")
    check(page, "sign-in-settings-1-empty")

    page.get_by_label("Issuer URL").fill("http://login.example.com")
    page.get_by_label("Client ID").fill("6731de76-14a6-49ae-97bc-6eba6914391e")
    page.get_by_label("Client secret").fill(SECRET)
    page.get_by_label("Button label").fill("Contoso account")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#issuer-error")).to_contain_text("https://")
    expect(page.get_by_label("Client secret")).to_have_value("")  # never sent back
    check(page, "sign-in-settings-2-refused")

    page.get_by_label("Issuer URL").fill("https://login.microsoftonline.com/contoso/v2.0")
    page.get_by_label("Client secret").fill(SECRET)
    page.get_by_label("Executives sign in with single sign-on only").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".flash")).to_contain_text("Saved.")
    expect(main).to_contain_text("A secret is stored")
    expect(page.get_by_label("Client secret")).to_have_value("")
    assert SECRET not in page.content()
    check(page, "sign-in-settings-3-saved")
    with live_app.test_request_context():
        organisation_id = 1
        saved = sso.organisation_provider(organisation_id)
    assert saved is not None and saved.client_secret == SECRET and saved.sso_only

    page.get_by_role("button", name="Remove single sign-on").click()
    expect(page.locator(".flash")).to_contain_text("Single sign-on removed.")
    with live_app.test_request_context():
        assert sso.organisation_provider(organisation_id) is None
