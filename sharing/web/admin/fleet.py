"""Cars: list, add, edit with technical data, state of charge, odometer and photo."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, send_from_directory, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ...extensions import db
from ...models import ChargingPoint, Vehicle
from ...services import fleet_admin
from ...services.admin_errors import Invalid
from ..permissions import admin_required, get_in_site_or_404
from . import bp
from .common import apply_problems, expected_ids, photo_folder, resolution_choices
from .forms import ConfirmForm, RetireForm, VehicleForm


def _point_choices() -> list[tuple[int, str]]:
    points = db.session.scalars(select(ChargingPoint).where(ChargingPoint.site_id == current_user.site_id)
                                .order_by(ChargingPoint.name))
    return [(p.id, p.name) for p in points]


def _vehicle_form(vehicle: Vehicle | None) -> VehicleForm:
    form = VehicleForm(obj=vehicle)
    form.charging_points.choices = _point_choices()
    if vehicle is not None:
        if not form.is_submitted():
            form.charging_points.data = [p.id for p in vehicle.charging_points]
        if vehicle.status == "retired":
            form.status.choices = [("retired", _("Retired")), ("active", _("Back in service"))]
    return form


def _save(form: VehicleForm, vehicle: Vehicle | None):
    """Validate, store data and photo; a redirect on success, None if the form shows errors."""
    if not form.validate_on_submit():
        return None
    values = {name: form[name].data for name in fleet_admin.VEHICLE_FIELDS}
    try:
        photo = fleet_admin.read_photo(form.photo.data.stream) if form.photo.data else None
        if vehicle is None:
            vehicle = fleet_admin.create_vehicle(db.session, current_user, values, form.charging_points.data or [])
        else:
            fleet_admin.update_vehicle(db.session, current_user, vehicle, values, form.charging_points.data or [])
    except Invalid as error:
        db.session.rollback()
        apply_problems(form, error)
        return None
    if photo:
        fleet_admin.save_photo(db.session, current_user, vehicle, photo, photo_folder())
    flash(_("%(car)s is saved.", car=vehicle.name), "success")
    return redirect(url_for("admin.vehicles"))


@bp.route("/vehicles")
@admin_required
def vehicles():
    """Every car of the site with its state."""
    cars = db.session.scalars(select(Vehicle).where(Vehicle.site_id == current_user.site_id)
                              .order_by(Vehicle.status == "retired", Vehicle.name)).all()
    return render_template("admin/fleet/list.html", vehicles=cars)


@bp.route("/vehicles/new", methods=["GET", "POST"])
@admin_required
def vehicle_new():
    """Add a car."""
    form = _vehicle_form(None)
    done = _save(form, None)
    if done is not None:
        return done
    return render_template("admin/fleet/form.html", form=form, vehicle=None), 422 if form.errors else 200


@bp.route("/vehicles/<int:vehicle_id>", methods=["GET", "POST"])
@admin_required
def vehicle_edit(vehicle_id: int):
    """Change a car's data, state of charge, odometer, charging points or photo."""
    vehicle = get_in_site_or_404(Vehicle, vehicle_id)
    form = _vehicle_form(vehicle)
    done = _save(form, vehicle)
    if done is not None:
        return done
    return render_template("admin/fleet/form.html", form=form, vehicle=vehicle, delete_form=ConfirmForm(),
                           future=fleet_admin.future_live_bookings(db.session, vehicle.id)), \
        422 if form.errors else 200


@bp.route("/vehicles/<int:vehicle_id>/photo/delete", methods=["POST"])
@admin_required
def vehicle_photo_delete(vehicle_id: int):
    """Remove a car's photo."""
    vehicle = get_in_site_or_404(Vehicle, vehicle_id)
    if ConfirmForm().validate_on_submit():
        fleet_admin.remove_photo(db.session, current_user, vehicle, photo_folder())
        flash(_("The photo is removed."), "success")
    return redirect(url_for("admin.vehicle_edit", vehicle_id=vehicle.id))


@bp.route("/vehicles/<int:vehicle_id>/photo")
@login_required
def vehicle_photo(vehicle_id: int):
    """A car's photo, for everyone logged in on the car's site (never from a public folder)."""
    vehicle = get_in_site_or_404(Vehicle, vehicle_id)
    if not vehicle.photo_filename:
        abort(404)
    kind = vehicle.photo_filename.rsplit(".", 1)[-1]
    response = send_from_directory(photo_folder(), vehicle.photo_filename,
                                   mimetype=fleet_admin.PHOTO_TYPES.get(kind, "application/octet-stream"),
                                   max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/vehicles/<int:vehicle_id>/retire", methods=["GET", "POST"])
@admin_required
def vehicle_retire(vehicle_id: int):
    """Retire a car for good, after seeing its upcoming bookings and choosing what happens to each."""
    vehicle = get_in_site_or_404(Vehicle, vehicle_id)
    if vehicle.status == "retired":
        abort(404)
    form = RetireForm()
    affected = fleet_admin.retire_preview(db.session, vehicle)
    if form.validate_on_submit():
        try:
            outcomes = fleet_admin.retire_vehicle(
                db.session, current_user, vehicle, reason=form.reason.data,
                choices=resolution_choices([a.booking.id for a in affected]), expected_ids=expected_ids())
        except Invalid as error:
            apply_problems(form, error)
            affected = fleet_admin.retire_preview(db.session, vehicle)
        else:
            flash(_("%(car)s is retired.", car=vehicle.name), "success")
            return render_template("admin/outcomes.html", outcomes=outcomes, vehicle=vehicle, section="vehicles",
                                   title=_("%(car)s is retired", car=vehicle.name), back=url_for("admin.vehicles"))
    return render_template("admin/fleet/retire.html", form=form, vehicle=vehicle, affected=affected), \
        422 if form.errors or form.form_errors else 200
