"""Logging in and out, accepting invitations, resetting passwords."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user

from ..extensions import db, limiter
from ..notifications import external_url, notify_user
from ..security.redirects import safe_next_url
from ..services import accounts
from ..services.accounts import AccountError
from .forms import ForgotPasswordForm, LoginForm, SetPasswordForm
from .messages import account_error_message

bp = Blueprint("auth", __name__)


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    """The login form; after success back to where the user was going (on this site only)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(db.session, form.email.data, form.password.data)
        except AccountError as error:
            form.form_errors.append(account_error_message(error.code))
        else:
            login_user(user, remember=form.remember.data)
            return redirect(safe_next_url(form.next.data) or url_for("main.index"))
    status = 200 if not form.errors and not form.form_errors else 422
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
def logout():
    """Log out (POST with CSRF token, so a link on another site cannot log anyone out)."""
    if current_user.is_authenticated:
        current_user.session_version += 1  # the remember-me cookie and other copies die too
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _token_page(secret: str, purpose: str, template: str, redeem, success_message):
    try:
        user = accounts.check_token(db.session, secret, purpose)
    except AccountError as error:
        return render_template("auth/link_invalid.html", message=account_error_message(error.code)), 410
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = redeem(db.session, secret, form.password.data)
        except AccountError as error:
            if error.field == "password":
                form.password.errors.append(account_error_message(error.code))
            else:
                return render_template("auth/link_invalid.html", message=account_error_message(error.code)), 410
        else:
            login_user(user)
            flash(success_message, "success")
            return redirect(url_for("main.index"))
    status = 422 if form.errors else 200
    return render_template(template, form=form, user=user), status


@bp.route("/invitation/<secret>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def accept_invitation(secret: str):
    """An invited resident chooses a password through the one-time link."""
    return _token_page(secret, "invitation", "auth/accept_invitation.html", accounts.accept_invitation,
                       _l("Welcome! Your password is set and you are logged in."))


@bp.route("/password/reset/<secret>", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def reset_password(secret: str):
    """Set a new password through an e-mailed one-time link."""
    return _token_page(secret, "password_reset", "auth/reset_password.html", accounts.reset_password,
                       _l("Your new password is set. Other devices have been logged out."))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the address is known."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        valid_for = timedelta(minutes=current_app.config["PASSWORD_RESET_VALID_MINUTES"])
        issued = accounts.request_password_reset(db.session, form.email.data, valid_for=valid_for)
        if issued is not None:
            send_password_reset(issued)
        db.session.commit()
        flash(_("If an account with this address exists, we have sent it a link to set a new password."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), (422 if form.errors else 200)


def send_password_reset(issued: accounts.IssuedToken) -> str:
    """Put the reset mail in the outbox; returns the link."""
    link = external_url("auth.reset_password", secret=issued.secret)
    notify_user(db.session, issued.user, "password_reset", subject=_l("Set a new password for Quartierauto"),
                link=link, valid_minutes=current_app.config["PASSWORD_RESET_VALID_MINUTES"], force=True)
    return link


def send_invitation(issued: accounts.IssuedToken) -> str:
    """Put the invitation mail in the outbox; returns the link (shown to the admin if mail is off)."""
    link = external_url("auth.accept_invitation", secret=issued.secret)
    notify_user(db.session, issued.user, "invitation", subject=_l("Your invitation to Quartierauto"),
                link=link, valid_hours=current_app.config["INVITATION_VALID_HOURS"], force=True)
    return link
