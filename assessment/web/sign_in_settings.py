"""The organisation's sign-in page: its single sign-on provider, set by its administrators."""

from __future__ import annotations

from typing import Final

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from assessment import queries, sso
from assessment.actions import ActionError
from assessment.actions.identity_providers import (
    ProviderChange,
    clear_provider,
    save_provider,
    secret_readable,
)
from assessment.extensions import db
from assessment.models import IdentityProvider, Organisation
from assessment.organisations import current_organisation
from assessment.web.auth import current_actor, permission_required
from assessment.web.sign_in_forms import ProviderForm

bp = Blueprint("sign_in_settings", __name__)

# The form's fields an action's refusal may name.
FIELDS: Final = ("issuer", "client_id", "client_secret", "label")


@bp.route("/admin/organisation/sign-in", methods=["GET", "POST"])
@permission_required("admin")
def settings() -> str | Response | tuple[str, int]:
    organisation = current_organisation()
    stored = queries.get_identity_provider(db.session, organisation.id)
    if request.method == "POST" and request.form.get("remove"):
        # The form is its CSRF token alone, checked for every POST (CSRFProtect).
        removed = clear_provider(current_actor(), organisation)
        db.session.commit()
        flash("Single sign-on removed." if removed else "Nothing to remove.", "info")
        return redirect(url_for("sign_in_settings.settings"))
    form = ProviderForm(data=_initial(stored))
    if form.validate_on_submit() and _save(organisation, form):
        return redirect(url_for("sign_in_settings.settings"))
    return _page(organisation, stored, form, 422 if request.method == "POST" else 200)


def _save(organisation: Organisation, form: ProviderForm) -> bool:
    """Save through the write layer; its refusals become the fields' messages."""
    change = ProviderChange(
        issuer=form.issuer.data or "",
        client_id=form.client_id.data or "",
        client_secret=form.client_secret.data or "",
        label=form.label.data or "",
        sso_only=bool(form.sso_only.data),
        create_unknown=bool(form.create_unknown.data),
    )
    try:
        changed = save_provider(current_actor(), organisation, change)
    except ActionError as refused:
        for name in FIELDS:
            if name in refused.errors:
                form[name].errors = [*form[name].errors, refused.errors[name]]
        if not any(name in refused.errors for name in FIELDS):
            form.issuer.errors = [*form.issuer.errors, refused.message]
        return False
    db.session.commit()
    flash("Saved." if changed else "Nothing changed.", "success" if changed else "info")
    return True


def _initial(stored: IdentityProvider | None) -> dict[str, object]:
    if stored is None:
        return {}
    return {
        "issuer": stored.issuer,
        "client_id": stored.client_id,
        "label": stored.label,
        "sso_only": stored.sso_only,
        "create_unknown": stored.create_unknown,
    }


def _page(
    organisation: Organisation, stored: IdentityProvider | None, form: ProviderForm, status: int
) -> tuple[str, int]:
    return (
        render_template(
            "organisations/sign_in.html",
            form=form,
            organisation=organisation,
            stored=stored,
            secret_readable=stored is not None and secret_readable(stored),
            redirect_uri=sso.redirect_uri(),
            start_link=sso.start_link(organisation.slug),
        ),
        status,
    )
