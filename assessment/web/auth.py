"""Log-in, log-out and the permission decorator."""

from __future__ import annotations

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
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import UserMixin, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from assessment import queries
from assessment.actions import ActionError, Actor, accounts
from assessment.actions.accounts import LOGIN_FAILED
from assessment.extensions import db, limiter, login_manager
from assessment.models import Account, Person
from assessment.web.forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__)

# Set in the session when a person signed in through an invitation link: the session may then
# reach that cycle's questionnaire and nothing else (see ``web.invitation_links``).
SCOPE_KEY = "invitation_cycle"

P = ParamSpec("P")
R = TypeVar("R")

__all__ = ["LOGIN_FAILED", "SignedIn", "bp", "current_actor", "init_app", "permission_required"]


def init_app(app: Flask) -> None:
    login_manager.user_loader(_load_account)


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
    return SignedIn(found) if found else None


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
    """Only same-site relative paths: an open redirect would make phishing links look genuine."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and "\\" not in target:
            return target
    return url_for("main.home")


def _account_key() -> str:
    return "login-account:" + queries.normalise_email(request.form.get("email", ""))[:254]


def _failed(response: Response) -> bool:
    return response.status_code != 302  # a successful log-in redirects


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
    scope="login-account",
)
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            account = accounts.sign_in(form.email.data or "", form.password.data or "")
        except ActionError as refused:
            db.session.commit()  # the failed attempt stays in the audit log
            form.password.errors.append(refused.message)
        else:
            db.session.commit()
            login_user(SignedIn.of(account))
            session.pop(SCOPE_KEY, None)  # a password log-in is not limited to one link
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout() -> Response:
    if current_user.is_authenticated:
        accounts.sign_out(current_actor())
        db.session.commit()
    logout_user()
    session.pop(SCOPE_KEY, None)
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_actor(), current_user.account, form.current.data or "", form.new.data or ""
            )
        except ActionError as refused:
            field = form.current if "current" in refused.errors else form.new
            field.errors.append(refused.message)
        else:
            db.session.commit()
            flash("Your password is changed.", "success")
            return redirect(url_for("main.home"))
    return render_template(
        "auth/password.html", form=form, minimum=current_app.config["MIN_PASSWORD_LENGTH"]
    )
