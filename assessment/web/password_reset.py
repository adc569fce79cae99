"""'Forgot your password?': asking for a reset link, and setting a new password with it.

The answer to a request is the same for every address, and it does not wait for the mail:
the message is sent on a thread of its own, so that a slow mail server cannot tell addresses
with an account from the others by the time the answer takes.
"""

from __future__ import annotations

import threading

from email_validator import EmailNotValidError, validate_email
from flask import (
    Blueprint,
    Flask,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.errors import RateLimitExceeded
from flask_login import logout_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import EmailField, PasswordField, SubmitField, ValidationError
from wtforms.validators import DataRequired, Length

from assessment import queries, tenancy
from assessment.actions import ActionError, password_reset
from assessment.extensions import db, limiter
from assessment.models import Account
from assessment.web import auth

bp = Blueprint("password_reset", __name__)

# Reset messages being sent in the background (see ``_deliver_in_background``).
_deliveries: set[threading.Thread] = set()

# Only valid requests (``g.password_reset_asked``) count against the per-e-mail limit, so that
# an empty or mistyped form gets its validation message rather than a 429.
# Link problems that say the link was real but is over (410), rather than broken (400).
_GONE = {password_reset.EXPIRED, password_reset.USED, password_reset.INACTIVE}


def _looks_like_email(form: FlaskForm, field: EmailField) -> None:
    try:
        validate_email(field.data or "", check_deliverability=False)
    except EmailNotValidError as error:
        raise ValidationError("Enter an e-mail address such as name@example.com.") from error


class ForgotForm(FlaskForm):
    email = EmailField(
        "E-mail",
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[
            DataRequired(message="Enter the e-mail address you sign in with."),
            Length(max=254, message="An e-mail address has at most 254 characters."),
            _looks_like_email,
        ],
    )
    submit = SubmitField("Send me a link")


class ResetForm(FlaskForm):
    new = PasswordField(
        "New password",
        validators=[DataRequired(message="Choose a new password."), Length(max=1024)],
    )
    repeat = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(message="Type the new password again.")],
    )
    submit = SubmitField("Set password")

    def validate_repeat(self, field: PasswordField) -> None:
        if field.data != self.new.data:
            raise ValidationError("The two passwords differ.")


def _email_key() -> str:
    return "password-reset-email:" + queries.normalise_email(request.form.get("email", ""))[:254]


@bp.after_request
def _private(response: Response) -> Response:
    # Reset pages carry a token in their address: never sent on as a Referer, never cached.
    # (headers.py does both for every page today; these pages must not depend on it.)
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.errorhandler(RateLimitExceeded)
def _throttled(error: RateLimitExceeded) -> tuple[str, int]:
    return render_template("password_reset/throttled.html", limit=error.description), 429


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    scope="password-reset-address",
)
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_EMAIL"],
    methods=["POST"],
    key_func=_email_key,
    deduct_when=lambda _response: bool(g.get("password_reset_asked")),
    scope="password-reset-email",
)
def forgot() -> str | Response:
    form = ForgotForm()
    if form.validate_on_submit():
        g.password_reset_asked = True
        message = password_reset.request_link(form.email.data or "")
        db.session.commit()
        if message is not None:
            _deliver_in_background(message)
        return redirect(url_for("password_reset.sent"))
    return render_template("password_reset/forgot.html", form=form)


@bp.route("/forgot/sent")
def sent() -> str:
    return render_template(
        "password_reset/sent.html", lifetime=password_reset.lifetime_text(password_reset.RESET)
    )


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["PASSWORD_RESET_LIMIT_PER_ADDRESS"],
    scope="password-reset-link",
    # Only links that cannot be used count: guessing is slowed down, a person is not.
    deduct_when=lambda response: response.status_code in (400, 410),
)
def reset(token: str) -> str | Response | tuple[str, int]:
    link = password_reset.check_link(token)
    if link.account is None:
        status = 410 if link.problem in _GONE else 400
        return render_template("password_reset/link_problem.html", reason=link.problem), status
    form = ResetForm()
    if form.validate_on_submit():
        try:
            account = password_reset.reset_password(link, form.new.data or "")
        except ActionError as refused:
            form.new.errors.append(refused.message[:1].upper() + refused.message[1:])
        else:
            db.session.commit()
            return _signed_out_to_login(account, welcome=link.kind == password_reset.WELCOME)
    return render_template(
        "password_reset/reset.html",
        form=form,
        email=link.account.person.email,
        welcome=link.kind == password_reset.WELCOME,
        minimum=current_app.config["MIN_PASSWORD_LENGTH"],
    )


def _signed_out_to_login(account: Account, *, welcome: bool) -> Response:
    """After a reset nobody is signed in here either: the person signs in with the new
    password, which proves it works (and a session that began before, perhaps someone
    else's, does not carry on). This browser proved it reads the account's mail, so it
    counts as a known device: a stranger's failed log-ins cannot hold it back."""
    logout_user()
    session.clear()
    if welcome:
        flash("Your password is set. Sign in with your e-mail address and it.", "success")
    else:
        flash(
            "Your password is changed and every session of your account has ended. "
            "Sign in with your new password.",
            "success",
        )
    return auth._remember_device(redirect(url_for("auth.login")), account)


def _deliver_in_background(message: password_reset.Message) -> None:
    """Send the message on its own thread, so that the answer does not wait for the mail
    server. (Not ``response.call_on_close``: Werkzeug's development server skips it when the
    browser resets the connection, and the mail would be lost.)"""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        try:
            with app.app_context(), tenancy.acting_for(message.organisation_id):
                try:
                    password_reset.deliver(message)
                    db.session.commit()
                except Exception:  # nobody is waiting for the answer: log, never raise
                    db.session.rollback()
                    app.logger.exception("Password reset mail to %s not sent", message.recipient)
        finally:
            _deliveries.discard(threading.current_thread())

    # Not a daemon: a process that is shutting down finishes sending first (at most the
    # SMTP timeout of 20 s).
    thread = threading.Thread(target=deliver, name="password-reset-mail")
    _deliveries.add(thread)
    thread.start()


def wait_for_deliveries(timeout: float = 30) -> None:
    """Wait until every message being sent in the background has gone (for tests)."""
    for thread in list(_deliveries):
        thread.join(timeout)
