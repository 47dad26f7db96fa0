"""The account page (name, language, contact sharing, notifications, password) and the calendar feed."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Flask, Response, abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user
from sqlalchemy import select

from ..extensions import db, limiter
from ..models import Booking, Site, User, utcnow
from ..models.user import new_calendar_token
from ..notifications import external_url
from ..services import accounts, api_tokens, audit, ical
from ..services.accounts import AccountError
from ..services.admin_errors import Invalid
from .admin.messages import problem_message
from .api import account_tokens
from .forms_bookings import AccountForm, PasswordChangeForm, RegenerateFeedForm
from .messages import account_error_message

bp = Blueprint("account", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings():
    """Personal settings, the household's members, the password and the calendar link."""
    form = AccountForm(obj=current_user)
    password_form = PasswordChangeForm()
    feed_form = RegenerateFeedForm()
    if form.submit.data and form.validate_on_submit():
        before = audit.snapshot(current_user, ("name", "language", "phone", "share_contact", "notify_email"))
        form.populate_obj(current_user)
        current_user.name = current_user.name.strip()
        session["language"] = current_user.language
        audit.record(db.session, actor=current_user, action="user.update_own", obj=current_user, before=before,
                     after=audit.snapshot(current_user, ("name", "language", "phone", "share_contact",
                                                         "notify_email")))
        db.session.commit()
        flash(_("Your settings are saved."), "success")
        return redirect(url_for("account.settings"))
    members = db.session.scalars(select(User).where(User.household_id == current_user.household_id,
                                                    User.deleted_at.is_(None)).order_by(User.name)).all() \
        if current_user.household_id else []
    feed_url = external_url("account.calendar_feed", token=current_user.calendar_token)
    status = 422 if form.errors else 200
    return render_template("account/settings.html", form=form, password_form=password_form, feed_form=feed_form,
                           members=members, feed_url=feed_url, **account_tokens.section_context()), status


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    """Change the password; every other session and remember-me cookie stops working."""
    form = PasswordChangeForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(db.session, current_user, form.current_password.data, form.new_password.data)
        except AccountError as error:
            target = form.current_password if error.field == "current_password" else form.new_password
            target.errors = [account_error_message(error.code)]
        else:
            login_user(current_user._get_current_object())  # this session goes on with the new version
            flash(_("Your password is changed. Other devices have been logged out."), "success")
            return redirect(url_for("account.settings"))
    members = []
    feed_url = external_url("account.calendar_feed", token=current_user.calendar_token)
    return render_template("account/settings.html", form=AccountForm(obj=current_user), password_form=form,
                           feed_form=RegenerateFeedForm(), members=members, feed_url=feed_url,
                           **account_tokens.section_context()), 422


@bp.route("/account/calendar/regenerate", methods=["POST"])
@login_required
def regenerate_feed():
    """A new secret calendar link; the old one stops working at once."""
    if RegenerateFeedForm().validate_on_submit():
        current_user.calendar_token = new_calendar_token()
        audit.record(db.session, actor=current_user, action="user.regenerate_calendar", obj=current_user)
        db.session.commit()
        flash(_("Your calendar link is new. Please update it in your calendar program."), "success")
    return redirect(url_for("account.settings"))


@bp.route("/account/tokens", methods=["POST"])
@login_required
def create_token():
    """A personal access token for the API; its secret is shown once, on the page this answers with."""
    form = account_tokens.ApiTokenForm()
    if form.validate_on_submit():
        try:
            issued = api_tokens.create_token(db.session, current_user, name=form.name.data, scopes=form.scopes.data)
        except Invalid as error:
            flash(" ".join(problem_message(p) for p in error.problems), "error")
        else:
            return render_template("account/token_created.html", token=issued.token, secret=issued.secret), 201
    else:
        flash(account_tokens.NAME_MISSING, "error")
    return redirect(url_for("account.settings") + "#tokens-heading")


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    """Revoke one of the own tokens: it stops working at once."""
    if account_tokens.RevokeTokenForm().validate_on_submit() and api_tokens.revoke_token(db.session, current_user,
                                                                                         token_id):
        flash(account_tokens.REVOKED, "success")
    return redirect(url_for("account.settings") + "#tokens-heading")


@bp.route("/calendar/<token>.ics")
@limiter.limit("60 per minute")
def calendar_feed(token: str):
    """The household's bookings as an iCalendar feed, for the secret link (no login)."""
    user = db.session.scalar(select(User).where(User.calendar_token == token)) if len(token) < 100 else None
    if user is None or not user.is_active or user.household_id is None:
        abort(404)
    rows = db.session.scalars(select(Booking).where(
        Booking.household_id == user.household_id, Booking.end_at > utcnow() - timedelta(days=90))
        .order_by(Booking.start_at)).all()
    body = ical.feed(rows, db.session.get(Site, user.site_id))
    return Response(body, mimetype="text/calendar", headers={
        "Content-Disposition": 'inline; filename="quartierauto.ics"', "Cache-Control": "private, max-age=300"})


# --- Privacy (GDPR): the own data as a download, and deleting the own account ---------------------


@bp.route("/account/my-data.json")
@login_required
def export_data():
    """Everything stored about the resident, as a JSON download."""
    import json

    from ..services import privacy

    body = json.dumps(privacy.export_user_data(db.session, current_user), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": 'attachment; filename="quartierauto-my-data.json"', "Cache-Control": "no-store"})


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Confirm with the password; future bookings are cancelled, past ones stay anonymised."""
    from flask_login import logout_user

    from ..services import privacy
    from .forms_privacy import DeleteAccountForm, account_deleted_message, deletion_refused_message

    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            privacy.delete_account(db.session, current_user, form.password.data,
                                   photo_folder=privacy.photo_folder(current_app.instance_path))
        except AccountError as error:
            if error.field == "password":
                form.password.errors = [account_error_message(error.code)]
            else:
                form.form_errors.append(deletion_refused_message(error.code))
        else:
            logout_user()
            session.clear()
            flash(account_deleted_message(), "info")
            return redirect(url_for("auth.login"))
    return render_template("account/delete.html", form=form), 422 if form.errors else 200
