"""Charging points: add, edit (maximum power) and which cars may use which point."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import ChargingPoint
from ...services import fleet_admin
from ...services.admin_errors import Invalid
from ..permissions import admin_required, get_in_site_or_404
from . import bp
from .common import apply_problems, vehicle_choices
from .forms import ChargingPointForm


@bp.route("/charging-points")
@admin_required
def charging_points():
    """Every charging point with its power and its cars."""
    points = db.session.scalars(select(ChargingPoint).where(ChargingPoint.site_id == current_user.site_id)
                                .options(selectinload(ChargingPoint.vehicles)).order_by(ChargingPoint.name)).all()
    return render_template("admin/charging_points/list.html", points=points)


@bp.route("/charging-points/new", methods=["GET", "POST"], defaults={"point_id": None})
@bp.route("/charging-points/<int:point_id>", methods=["GET", "POST"])
@admin_required
def charging_point_edit(point_id: int | None):
    """Add a charging point or change one."""
    point = get_in_site_or_404(ChargingPoint, point_id) if point_id is not None else None
    form = ChargingPointForm(obj=point)
    form.vehicles.choices = vehicle_choices()
    if point is not None and not form.is_submitted():
        form.vehicles.data = [v.id for v in point.vehicles]
    if form.validate_on_submit():
        values = {"name": form.name.data, "max_power_kw": form.max_power_kw.data, "active": form.active.data}
        try:
            point = fleet_admin.save_charging_point(db.session, current_user, point, values, form.vehicles.data or [])
        except Invalid as error:
            db.session.rollback()
            apply_problems(form, error)
        else:
            flash(_("%(point)s is saved.", point=point.name), "success")
            return redirect(url_for("admin.charging_points"))
    return render_template("admin/charging_points/form.html", form=form, point=point), 422 if form.errors else 200
