"""The form of the organisation's sign-in page: its single sign-on provider."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField

from assessment.services.security.identity_providers import (
    CLIENT_ID_MAX,
    CLIENT_SECRET_MAX,
    ISSUER_MAX,
    LABEL_MAX,
)


class ProviderForm(FlaskForm):
    """The provider's settings. Checked by the write layer (``actions.identity_providers``),
    whose messages the page shows by the fields; the secret is never sent back to the page."""

    issuer = StringField(
        "Issuer URL",
        description=(
            "From your identity provider, for example "
            "https://login.microsoftonline.com/<tenant ID>/v2.0 (Microsoft Entra ID), "
            "https://accounts.google.com (Google Workspace) or "
            "https://<your domain>.okta.com/oauth2/default (Okta)."
        ),
        render_kw={"maxlength": ISSUER_MAX, "spellcheck": "false", "inputmode": "url"},
    )
    client_id = StringField(
        "Client ID",
        description="Also called the application ID or application (client) ID.",
        render_kw={"maxlength": CLIENT_ID_MAX, "spellcheck": "false"},
    )
    # A PasswordField never writes its value back into the page.
    client_secret = PasswordField(
        "Client secret",
        render_kw={"maxlength": CLIENT_SECRET_MAX, "autocomplete": "new-password"},
    )
    label = StringField(
        "Button label",
        description=(
            "The sign-in button reads “Sign in with” and this, for example “Contoso account”. "
            "Leave empty to use the organisation's name."
        ),
        render_kw={"maxlength": LABEL_MAX},
    )
    sso_only = BooleanField("Executives sign in with single sign-on only")
    create_unknown = BooleanField(
        "Add people the identity provider knows but this organisation does not"
    )
