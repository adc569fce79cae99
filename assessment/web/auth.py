"""Log-in, log-out, the session's lifetime and the permission decorator."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from assessment import queries
from assessment.actions import ActionError, Actor, accounts
from assessment.actions.accounts import LOGIN_FAILED
from assessment.extensions import db, limiter, login_manager
from assessment.models import Account, Person
from assessment.web.forms import LoginForm, PasswordForm
from assessment.web.sso_offers import sign_in_offers

bp = Blueprint("auth", __name__)

# Set in the session when a person signed in through an invitation link: the session may then
# reach that cycle's questionnaire and nothing else (see ``web.invitation_links``).
SCOPE_KEY = "invitation_cycle"
# The account's session version when this session began; the user loader refuses the session
# once the account's version has moved on (log-out, password change: F-03).
VERSION_KEY = "session_version"
# When the session began and when it was last used (epoch seconds), for the absolute lifetime
# and the idle timeout (F-16). The cookie is signed, so neither can be moved by the browser.
SIGNED_IN_KEY = "signed_in_at"
LAST_SEEN_KEY = "last_seen"
# Left behind when a session times out: the questionnaire keeps answers posted after that
# moment for this account only (set here, read by ``web.respond``; nothing else uses it).
EXPIRED_KEY = "expired_account_id"
# Rewriting the cookie on every autosave is noise: a minute's precision is plenty for a
# 30-minute idle limit.
LAST_SEEN_PRECISION = 60
# How the session's person proved who they are: an "SSO only" organisation's executives may
# work there only after signing in through its provider, also when switching into it.
SIGNED_IN_WITH_KEY = "signed_in_with"
PASSWORD, LINK = "password", "link"
# The organisation of the account this browser last signed in as. It outlives a timed-out
# session so that answers posted after the time-out are kept in that organisation.
ORGANISATION_KEY = "organisation"

# A browser that signed in successfully before is exempt from the per-account limit of failed
# log-ins, so that a stranger's failures cannot lock an executive out (F-10). Signed, so that
# it cannot be forged; it names an account, so that it only helps that account.
KNOWN_DEVICE_COOKIE = "known_device"
KNOWN_DEVICE_SALT = "known-device"
KNOWN_DEVICE_DAYS = 180

P = ParamSpec("P")
R = TypeVar("R")

__all__ = [
    "EXPIRED_KEY",
    "LOGIN_FAILED",
    "SignedIn",
    "bp",
    "current_actor",
    "init_app",
    "permission_required",
    "start_session",
]


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_account)
    # A __Host- cookie is refused by browsers unless it is Secure, host-only and for the whole
    # site, so a sibling sub-domain cannot plant or overwrite it (F-16). Only then is it used.
    whole_site = (app.config.get("SESSION_COOKIE_PATH") or app.config["APPLICATION_ROOT"]) == "/"
    if (
        app.config["SESSION_COOKIE_SECURE"]
        and whole_site
        and not app.config.get("SESSION_COOKIE_DOMAIN")
    ):
        app.config["SESSION_COOKIE_NAME"] = "__Host-session"


class SignedIn(UserMixin):
    """The signed-in account as views see it (``current_user``).

    It is loaded on every signed-in request, so it holds plain values from one query; the
    ORM person and account are fetched only by the few views that change them.
    """

    def __init__(self, account: queries.SessionAccount, active: bool = True) -> None:
        self.active = active  # the loader only finds active accounts
        self.account_id = account.account_id
        self.person_id = account.person_id
        self.email = account.email
        self.name = account.name
        self.role = account.role
        self.permissions = account.permissions
        self.organisation_id = account.organisation_id

    @property
    def is_active(self) -> bool:  # Flask-Login's login_user refuses inactive accounts
        return self.active

    def get_id(self) -> str:
        return str(self.account_id)

    def has_permission(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def person(self) -> Person:
        person = db.session.get(Person, self.person_id)
        assert person is not None, "a person is never deleted while their account exists"
        return person

    @property
    def account(self) -> Account:
        account = db.session.get(Account, self.account_id)
        assert account is not None, "the account was loaded at the start of this request"
        return account

    @classmethod
    def of(cls, account: Account) -> SignedIn:
        """The identity of an account that just signed in."""
        return cls(
            queries.SessionAccount(
                account.id,
                account.person_id,
                account.person.email,
                account.person.name,
                account.person.role,
                account.permissions,
                account.session_version,
                account.organisation_id,
            ),
            active=account.active,
        )


def current_actor() -> Actor:
    """The signed-in person as the write layer's actor."""
    return Actor(
        current_user.email, current_user.person_id, current_user.role, current_user.permissions
    )


def _load_account(account_id: str) -> SignedIn | None:
    if not account_id.isdigit():
        return None
    found = queries.session_account(db.session, int(account_id))  # None once deactivated
    if found is None or session.get(VERSION_KEY) != found.session_version:
        return None  # this session was ended on the server: log-out or password change
    return SignedIn(found)


def start_session(account: Account, signed_in_with: str = PASSWORD) -> bool:
    """Sign ``account`` in on a fresh session: nothing of the session before survives (no
    fixation, no kept keys), and it carries the account's session version, its start and how
    the person proved who they are (``PASSWORD``, ``LINK`` or ``sso_method(key)``)."""
    session.clear()
    if not login_user(SignedIn.of(account)):
        return False
    now = int(time.time())
    session[VERSION_KEY] = account.session_version
    session[SIGNED_IN_KEY] = session[LAST_SEEN_KEY] = now
    session[ORGANISATION_KEY] = g.organisation_id = account.organisation_id
    session[SIGNED_IN_WITH_KEY] = signed_in_with
    return True


def sso_method(key: str) -> str:
    return f"sso:{key}"


def signed_in_with() -> str:
    """How this session's person proved who they are (see ``start_session``)."""
    return str(session.get(SIGNED_IN_WITH_KEY) or PASSWORD)


def switch_session(account: Account) -> bool:
    """Move this session to another membership of the same person: the same sign-in (its
    start, absolute lifetime and method carry over), acting in the other organisation."""
    signed_in = session.get(SIGNED_IN_KEY)
    if not start_session(account, signed_in_with()):
        return False
    if isinstance(signed_in, int):
        session[SIGNED_IN_KEY] = signed_in
    return True


@bp.before_app_request
def end_expired_sessions() -> Response | None:
    """Sign out a session idle for too long or older than its absolute lifetime (F-16).

    Page requests go to the log-in page with the reason; other requests (a questionnaire page
    posted, an autosave) carry on signed out, and their views keep or refuse what was sent.
    """
    if request.endpoint == "static" or "_user_id" not in session:
        return None
    now = int(time.time())
    signed_in, last_seen = session.get(SIGNED_IN_KEY), session.get(LAST_SEEN_KEY)
    config = current_app.config
    if not isinstance(signed_in, int) or not isinstance(last_seen, int):
        reason = "Your session has ended. Sign in again to continue."
    elif now - signed_in > int(config["SESSION_ABSOLUTE_HOURS"]) * 3600:
        reason = (
            f"You were signed out: sessions end {config['SESSION_ABSOLUTE_HOURS']} hours "
            "after signing in. Sign in again to continue."
        )
    elif now - last_seen > int(config["SESSION_IDLE_MINUTES"]) * 60:
        reason = (
            f"You were signed out after {config['SESSION_IDLE_MINUTES']} minutes without "
            "activity. Sign in again to continue."
        )
    else:
        if now - last_seen >= LAST_SEEN_PRECISION:
            session[LAST_SEEN_KEY] = now
        return None
    return _sign_out_expired(reason)


@bp.before_app_request
def set_organisation() -> None:
    """Act for the signed-in account's organisation (the API sets its token's instead)."""
    if request.endpoint == "static" or request.blueprint == "api":
        return
    if current_user.is_authenticated:
        g.organisation_id = current_user.organisation_id
    elif isinstance(session.get(ORGANISATION_KEY), int):
        g.organisation_id = session[ORGANISATION_KEY]


def _sign_out_expired(reason: str) -> Response | None:
    account_id = str(session.get("_user_id", ""))
    logout_user()
    for key in (VERSION_KEY, SIGNED_IN_KEY, LAST_SEEN_KEY, SCOPE_KEY):
        session.pop(key, None)
    if account_id.isdigit():
        session[EXPIRED_KEY] = int(account_id)
    flash(reason, "info")
    if request.method in ("GET", "HEAD") and not request.path.startswith("/api/"):
        target = request.full_path if request.query_string else request.path
        return redirect(url_for("auth.login", next=target))
    return None


def permission_required(*permissions: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Allow the view to signed-in accounts holding at least one of ``permissions``."""

    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        @login_required
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if not any(current_user.has_permission(p) for p in permissions):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def _safe_next(target: str | None) -> str:
    """Only same-site relative paths: an open redirect would make phishing links look genuine.
    Control characters are refused too: a line break cannot go into a Location header (F-12)."""
    if target and any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return url_for("main.home")
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("main.home")


def _account_key() -> str:
    return "login-account:" + queries.normalise_email(request.form.get("email", ""))[:254]


def _failed(response: Response) -> bool:
    return response.status_code != 302  # a successful log-in redirects


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=KNOWN_DEVICE_SALT)


def _known_device() -> bool:
    """Whether this browser signed in before as the account whose e-mail is being tried."""
    cookie = request.cookies.get(KNOWN_DEVICE_COOKIE)
    if not cookie:
        return False
    try:
        account_id = _device_serializer().loads(cookie, max_age=KNOWN_DEVICE_DAYS * 86400)
    except BadSignature:  # includes an expired cookie
        return False
    accounts = queries.accounts_of_email(db.session, request.form.get("email", "")[:254])
    return any(account.id == account_id for account in accounts)


def _remember_device(response: Response, account: Account) -> Response:
    response.set_cookie(
        KNOWN_DEVICE_COOKIE,
        _device_serializer().dumps(account.id),
        max_age=KNOWN_DEVICE_DAYS * 86400,
        httponly=True,
        samesite="Lax",
        secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
    )
    return response


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    scope="login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    methods=["POST"],
    key_func=_account_key,
    deduct_when=_failed,
    # The per-address limit still applies to a known device.
    exempt_when=_known_device,
    scope="login-account",
)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    offered = request.args.get("org")
    if form.validate_on_submit():
        try:
            account = accounts.sign_in(form.email.data or "", form.password.data or "")
        except ActionError as refused:
            db.session.commit()  # the failed attempt stays in the audit log
            form.password.errors.append(refused.message)
            # An executive whose organisation signs in only through its provider: offer it.
            offered = refused.errors.get("sso", offered)
        else:
            db.session.commit()
            # A fresh session: also drops an invitation link's scope, since a password log-in
            # is not limited to one link.
            start_session(account)
            return _remember_device(redirect(_safe_next(request.args.get("next"))), account)
    return render_template(
        "auth/login.html",
        form=form,
        sso=sign_in_offers(offered, request.args.get("next")),
    )


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        accounts.sign_out(current_actor(), current_user.account)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            version = accounts.change_password(
                current_actor(), current_user.account, form.current.data or "", form.new.data or ""
            )
        except ActionError as refused:
            field = form.current if "current" in refused.errors else form.new
            field.errors.append(refused.message)
        else:
            db.session.commit()
            session[VERSION_KEY] = version  # the other sessions end; this one goes on
            flash("Your password is changed. You are signed out everywhere else.", "success")
            return redirect(url_for("main.home"))
    return render_template(
        "auth/password.html", form=form, minimum=current_app.config["MIN_PASSWORD_LENGTH"]
    )
