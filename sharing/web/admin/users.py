"""People: list, search and filter, invite one, and everything an administrator does to an account."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ...extensions import db
from ...models import Household, User
from ...services import accounts, user_admin
from ...services.accounts import AccountError
from ...services.admin_errors import Invalid
from ..auth import send_invitation, send_password_reset
from ..forms import InviteForm
from ..messages import account_error_message
from ..permissions import admin_required, get_in_site_or_404
from . import bp
from .common import household_choices, invitation_valid_for, paginate
from .forms import ConfirmForm, MoveHouseholdForm, RoleForm, UserFilterForm
from .messages import problem_message


def _invite(form: InviteForm):
    """Invite one person from the form; the link when mail is off, else None."""
    household_id = form.household_id.data or None
    if form.role.data == "resident" and household_id is None:
        form.household_id.errors.append(_("Residents belong to a household. Please choose one."))
        return None
    try:
        issued = accounts.invite_user(
            db.session, current_user, email=form.email.data, name=form.name.data, household_id=household_id,
            role=form.role.data, language=form.language.data, valid_for=invitation_valid_for())
    except AccountError as error:
        getattr(form, error.field or "email").errors.append(account_error_message(error.code))
        return None
    link = send_invitation(issued)
    db.session.commit()
    return issued.user, link


def _link_or_mail_message(name: str, link: str, what: str) -> str | None:
    """The link to show when e-mail is not set up (flashing a warning), else None (flashing success)."""
    if not current_app.config["MAIL_SERVER"]:
        flash(_("E-mail is not set up, so please pass on this link to %(name)s yourself.", name=name), "warning")
        return link
    flash(what, "success")
    return None


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    """People of the site (searchable, filterable, paged) and the form to invite one."""
    form = InviteForm()
    form.household_id.choices = household_choices(blank=_("– no household –"))
    invitation_link = None
    if form.validate_on_submit():
        invited = _invite(form)
        if invited is not None:
            invitation_link = _link_or_mail_message(
                invited[0].name, invited[1], _("%(name)s is invited; the invitation is on its way by e-mail.",
                                               name=invited[0].name))
            if invitation_link is None:
                return redirect(url_for("admin.users"))
    filters = UserFilterForm(request.args)
    filters.household_id.choices = household_choices(blank=_("all"))
    query = user_admin.search_users(db.session, current_user.site_id, text=filters.q.data or "",
                                    role=filters.role.data or None, state=filters.state.data or None,
                                    household_id=filters.household_id.data or None)
    return render_template("admin/users/list.html", form=form, filters=filters, page=paginate(query),
                           invitation_link=invitation_link), 422 if form.errors else 200


def _person(user_id: int) -> User:
    return get_in_site_or_404(User, user_id)


def _detail(person: User, status: int = 200, **forms):
    role_form = forms.get("role_form") or RoleForm(formdata=None, role=person.role)
    move_form = forms.get("move_form") or MoveHouseholdForm(formdata=None, household_id=person.household_id or 0)
    move_form.household_id.choices = household_choices(blank=_("– no household –"))
    return render_template("admin/users/detail.html", person=person, role_form=role_form, move_form=move_form,
                           confirm_form=ConfirmForm(), future=user_admin.future_bookings_of(db.session, person),
                           invitation_link=forms.get("invitation_link")), status


@bp.route("/users/<int:user_id>")
@admin_required
def user_detail(user_id: int):
    """One person: data, role, household, account actions."""
    return _detail(_person(user_id))


def _run(person: User, action, done_message: str, form=None):
    """Call a user_admin action; errors onto the page, success back to the person's page."""
    try:
        action()
    except Invalid as error:
        db.session.rollback()
        for problem in error.problems:
            flash(problem_message(problem), "error")
        return _detail(person, 422, **({"role_form": form} if isinstance(form, RoleForm) else
                                       {"move_form": form} if form is not None else {}))
    flash(done_message, "success")
    return redirect(url_for("admin.user_detail", user_id=person.id))


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@admin_required
def user_role(user_id: int):
    """Make someone an administrator or a resident."""
    person, form = _person(user_id), RoleForm()
    if not form.validate_on_submit():
        return _detail(person, 422, role_form=form)
    return _run(person, lambda: user_admin.change_role(db.session, current_user, person, form.role.data),
                _("The role of %(name)s is changed.", name=person.name), form)


@bp.route("/users/<int:user_id>/household", methods=["POST"])
@admin_required
def user_household(user_id: int):
    """Move someone to another household."""
    person, form = _person(user_id), MoveHouseholdForm()
    form.household_id.choices = household_choices(blank=_("– no household –"))
    if not form.validate_on_submit():
        return _detail(person, 422, move_form=form)
    household = get_in_site_or_404(Household, form.household_id.data) if form.household_id.data else None
    return _run(person, lambda: user_admin.move_to_household(db.session, current_user, person, household),
                _("%(name)s is moved.", name=person.name), form)


@bp.route("/users/<int:user_id>/deactivate", methods=["GET", "POST"])
@admin_required
def user_deactivate(user_id: int):
    """Show what deactivating does to the person's bookings; on confirmation, do it."""
    person = _person(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        reason = _("The account of %(name)s has been deactivated.", name=person.name)
        return _run(person, lambda: user_admin.deactivate(db.session, current_user, person, reason=reason),
                    _("%(name)s is deactivated and logged out everywhere.", name=person.name))
    return render_template("admin/users/deactivate.html", person=person, form=form,
                           future=user_admin.future_bookings_of(db.session, person))


@bp.route("/users/<int:user_id>/reactivate", methods=["POST"])
@admin_required
def user_reactivate(user_id: int):
    """Let a deactivated person log in again."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        return _detail(person, 400)
    return _run(person, lambda: user_admin.reactivate(db.session, current_user, person),
                _("%(name)s can log in again.", name=person.name))


@bp.route("/users/<int:user_id>/reinvite", methods=["POST"])
@admin_required
def user_reinvite(user_id: int):
    """Send a fresh invitation link to someone who has not set a password yet."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        return _detail(person, 400)
    try:
        link = user_admin.resend_invitation(db.session, current_user, person, valid_for=invitation_valid_for(),
                                            send=send_invitation)
    except AccountError as error:
        flash(account_error_message(error.code), "error")
        return _detail(person, 422)
    shown = _link_or_mail_message(person.name, link, _("A new invitation is on its way to %(name)s.",
                                                       name=person.name))
    if shown:
        return _detail(person, invitation_link=shown)
    return redirect(url_for("admin.user_detail", user_id=person.id))


@bp.route("/users/<int:user_id>/password-reset", methods=["POST"])
@admin_required
def user_password_reset(user_id: int):
    """E-mail someone a link to set a new password."""
    person = _person(user_id)
    if not ConfirmForm().validate_on_submit():
        return _detail(person, 400)
    valid_for = timedelta(minutes=current_app.config["PASSWORD_RESET_VALID_MINUTES"])
    return _run(person, lambda: user_admin.send_password_reset(db.session, current_user, person, valid_for=valid_for,
                                                               send=send_password_reset),
                _("A link to set a new password is on its way to %(name)s.", name=person.name))
