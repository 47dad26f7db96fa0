"""Users: list and invite."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import Household, User
from ...services import accounts
from ...services.accounts import AccountError
from ..auth import send_invitation
from ..forms import InviteForm
from ..messages import account_error_message
from ..permissions import admin_required
from . import bp


def _household_choices() -> list[tuple[int, str]]:
    households = db.session.scalars(
        select(Household).where(Household.site_id == current_user.site_id).order_by(Household.name)
    )
    return [(0, _("– no household –"))] + [(h.id, f"{h.name} ({h.address})" if h.address else h.name)
                                           for h in households]


@bp.route("/users", methods=["GET", "POST"])
@admin_required
def users():
    """All users of the site, and the form to invite a new one."""
    form = InviteForm()
    form.household_id.choices = _household_choices()
    invitation_link = None
    if form.validate_on_submit():
        household_id = form.household_id.data or None
        if form.role.data == "resident" and household_id is None:
            form.household_id.errors.append(_("Residents belong to a household. Please choose one."))
        else:
            try:
                issued = accounts.invite_user(
                    db.session, current_user, email=form.email.data, name=form.name.data,
                    household_id=household_id, role=form.role.data, language=form.language.data,
                    valid_for=timedelta(hours=current_app.config["INVITATION_VALID_HOURS"]),
                )
            except AccountError as error:
                getattr(form, error.field or "email").errors.append(account_error_message(error.code))
            else:
                link = send_invitation(issued)
                db.session.commit()
                if not current_app.config["MAIL_SERVER"]:
                    invitation_link = link
                    flash(_("%(name)s is invited. E-mail is not set up, so please pass on this link yourself.",
                            name=issued.user.name), "warning")
                else:
                    flash(_("%(name)s is invited; the invitation is on its way by e-mail.",
                            name=issued.user.name), "success")
                    return redirect(url_for("admin.users"))
    people = db.session.scalars(
        select(User).where(User.site_id == current_user.site_id).order_by(User.name)
    ).all()
    status = 422 if form.errors else 200
    return render_template("admin/users.html", form=form, people=people, invitation_link=invitation_link), status
