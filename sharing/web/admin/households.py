"""Households: list with their members, create, rename."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ...extensions import db
from ...models import Household, User
from ...services import households as household_service
from ...services.admin_errors import Invalid
from ..permissions import admin_required, get_in_site_or_404
from . import bp
from .common import apply_problems
from .forms import HouseholdForm


@bp.route("/households", methods=["GET", "POST"])
@admin_required
def households():
    """Every household with its member count, and the form to create one."""
    form = HouseholdForm()
    if form.validate_on_submit():
        try:
            household = household_service.create_household(db.session, current_user, name=form.name.data,
                                                           address=form.address.data or "")
        except Invalid as error:
            db.session.rollback()
            apply_problems(form, error)
        else:
            flash(_("The household %(name)s is created.", name=household.name), "success")
            return redirect(url_for("admin.households"))
    rows = household_service.households_with_counts(db.session, current_user.site_id)
    return render_template("admin/households/list.html", form=form, rows=rows), 422 if form.errors else 200


@bp.route("/households/<int:household_id>", methods=["GET", "POST"])
@admin_required
def household_edit(household_id: int):
    """A household's members; rename it or change its address."""
    household = get_in_site_or_404(Household, household_id)
    form = HouseholdForm(obj=household)
    if form.validate_on_submit():
        try:
            household_service.update_household(db.session, current_user, household, name=form.name.data,
                                               address=form.address.data or "")
        except Invalid as error:
            db.session.rollback()
            apply_problems(form, error)
        else:
            flash(_("The household %(name)s is saved.", name=household.name), "success")
            return redirect(url_for("admin.households"))
    members = db.session.scalars(select(User).where(User.household_id == household.id).order_by(User.name)).all()
    return render_template("admin/households/form.html", form=form, household=household, members=members), \
        422 if form.errors else 200
