"""Organisations on the web: a consultant's portfolio and switching between memberships, the
organisation's settings and logo, and the organisation shown in every page's header."""

from __future__ import annotations

import io
from functools import cached_property
from typing import Any, Final

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response

from assessment import queries, tenancy
from assessment.actions import ActionError, Conflict, NotFound, evidence_files, memberships
from assessment.actions.organisation_settings import (
    LOGO_MAX_BYTES,
    Logo,
    Overrides,
    save_settings,
)
from assessment.actions.organisations import OrganisationChange
from assessment.extensions import db
from assessment.models import Organisation
from assessment.organisations import current_organisation, shown_name
from assessment.queries.memberships import count_active_memberships
from assessment.reports.peer_benchmark import minimum_peers
from assessment.reports.portfolio import portfolio as portfolio_of
from assessment.services.branding import MIME, kilobytes
from assessment.web.auth import (
    SCOPE_KEY,
    current_actor,
    permission_required,
    signed_in_with,
    switch_session,
)
from assessment.web.errors import MESSAGES
from assessment.web.organisation_forms import OrganisationForm, SwitchForm

bp = Blueprint("organisations", __name__)

SAFE_LOGO_TYPES: Final = frozenset(MIME.values())
# The form's fields an action's refusal may name.
FIELDS: Final = (
    "name",
    "industry",
    "size",
    "benchmark_opt_in",
    "pack_marking",
    "training_timezone",
    "logo",
)


class HeaderOrganisation:
    """The signed-in person's current organisation as the header shows it. Read from the
    database on first use in each request (never kept between requests: several processes
    share one database, and an administrator may rename the organisation at any time)."""

    def __init__(self, organisation_id: int, email: str, in_scope: bool) -> None:
        self._organisation_id = organisation_id
        self._email = email
        self._in_scope = in_scope

    @cached_property
    def _organisation(self) -> Organisation | None:
        return queries.get_organisation(db.session, self._organisation_id)

    @property
    def name(self) -> str:
        return shown_name(self._organisation) if self._organisation else ""

    @property
    def logo_url(self) -> str | None:
        found = self._organisation
        if found is None or not found.logo_sha256:
            return None
        # The hash in the address: a new logo is a new address, so browsers may cache each.
        return url_for("organisations.logo", v=found.logo_sha256[:16])

    @cached_property
    def can_switch(self) -> bool:
        """Whether the person holds another active membership (not from an invitation link's
        session, which may reach its questionnaire only)."""
        if self._in_scope:
            return False
        return count_active_memberships(db.session, self._email) > 1


@bp.app_context_processor
def header_organisation() -> dict[str, Any]:
    if not current_user.is_authenticated:
        return {"header_organisation": None}
    return {
        "header_organisation": HeaderOrganisation(
            current_user.organisation_id, current_user.email, bool(session.get(SCOPE_KEY))
        )
    }


@bp.route("/organisations")
@login_required
def portfolio() -> str:
    mine = memberships.memberships(current_user.email)
    entries = portfolio_of(mine, current_user.organisation_id)
    return render_template("organisations/portfolio.html", entries=entries)


@bp.route("/organisations/switch", methods=["POST"])
@login_required
def switch() -> Response:
    form = SwitchForm()
    wanted = form.organisation.data or ""
    if not form.validate_on_submit() or not wanted.isdigit() or len(wanted) > 18:
        abort(404)
    try:
        target = memberships.switch(
            current_actor(), current_user.organisation_id, int(wanted), signed_in_with()
        )
    except NotFound:
        abort(404)
    except Conflict as refused:
        db.session.commit()  # a refused switch into an "SSO only" organisation is audited
        flash(refused.message, "info")
        return redirect(url_for("organisations.portfolio"))
    # Read before the commit expires it: reloading the account (and its permissions) must
    # happen while acting for its own organisation, or the tenancy criterion hides them.
    organisation_id = target.organisation_id
    db.session.commit()
    with tenancy.acting_for(organisation_id):
        switch_session(target)
        name = shown_name(current_organisation())
    flash(f"You are now working in {name}.", "success")
    return redirect(url_for("main.home"))


@bp.route("/admin/organisation", methods=["GET", "POST"])
@permission_required("admin")
def settings() -> str | Response | tuple[str, int]:
    organisation = current_organisation()
    form = OrganisationForm(data=_initial(organisation))
    form.fill(organisation, _installation_zone())
    if form.validate_on_submit() and _save(organisation, form):
        return redirect(url_for("organisations.settings"))
    if form.logo.data and getattr(form.logo.data, "filename", None) and not form.logo.errors:
        form.logo.errors = ["Files are not kept when the form has errors: choose it again."]
    return _settings_page(organisation, form, 422 if request.method == "POST" else 200)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A file far over the limit cannot even be read: the page comes back with the reason
    (what was typed is lost with it), rather than a bare error page."""
    admin = current_user.is_authenticated and current_user.has_permission("admin")
    if request.endpoint != "organisations.settings" or not admin:
        title, detail = MESSAGES[413]
        page = render_template("errors/error.html", status=413, title=title, detail=detail)
        return page, 413
    organisation = current_organisation()
    form = OrganisationForm(formdata=None, data=_initial(organisation))
    form.fill(organisation, _installation_zone())
    form.logo.errors = [
        f"What was sent is far larger than the {kilobytes(LOGO_MAX_BYTES)} a logo may have, "
        "so nothing was saved and what you typed was lost. Choose a smaller image."
    ]
    return _settings_page(organisation, form, 413)


@bp.route("/organisation/logo")
@login_required
def logo() -> Response:
    """The current organisation's logo, to its members only."""
    organisation = current_organisation()
    if not organisation.logo_sha256:
        abort(404)
    path = evidence_files.path_of(organisation.logo_sha256)
    if not path.is_file():
        abort(404)
    mime = organisation.logo_type if organisation.logo_type in SAFE_LOGO_TYPES else None
    response = send_file(
        io.BytesIO(path.read_bytes()),  # at most LOGO_MAX_BYTES; no file left open
        mimetype=mime or "application/octet-stream",
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response


def _save(organisation: Organisation, form: OrganisationForm) -> bool:
    """Save through the write layer; its refusals become the fields' messages."""
    description = OrganisationChange(
        name=form.name.data or "",
        industry=form.industry.data or None,
        size=form.size.data or None,
        benchmark_opt_in=bool(form.benchmark_opt_in.data),
    )
    overrides = Overrides(form.pack_marking.data or "", form.training_timezone.data or "")
    try:
        changed = save_settings(
            current_actor(),
            organisation,
            description,
            overrides,
            Logo(form.upload(), bool(form.remove_logo.data)),
        )
    except ActionError as refused:
        for name in FIELDS:
            if name in refused.errors:
                message = refused.errors[name]
                form[name].errors = [*form[name].errors, message[:1].upper() + message[1:]]
        if not any(name in refused.errors for name in FIELDS):
            form.name.errors = [*form.name.errors, refused.message]
        return False
    db.session.commit()
    flash("Saved." if changed else "Nothing changed.", "success" if changed else "info")
    return True


def _initial(organisation: Organisation) -> dict[str, object]:
    own = organisation.settings or {}
    return {
        "name": organisation.name,
        "industry": organisation.industry or "",
        "size": organisation.size or "",
        "benchmark_opt_in": organisation.benchmark_opt_in,
        "pack_marking": own.get("PACK_MARKING", ""),
        "training_timezone": own.get("TRAINING_DEFAULT_TIMEZONE", ""),
    }


def _installation_zone() -> str:
    return str(current_app.config["TRAINING_DEFAULT_TIMEZONE"])


def _settings_page(
    organisation: Organisation, form: OrganisationForm, status: int
) -> tuple[str, int]:
    return (
        render_template(
            "organisations/settings.html",
            form=form,
            organisation=organisation,
            installation_marking=current_app.config["PACK_MARKING"],
            minimum=minimum_peers(),
            logo_url=url_for("organisations.logo", v=organisation.logo_sha256[:16])
            if organisation.logo_sha256
            else None,
        ),
        status,
    )
