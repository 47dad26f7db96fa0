"""The admin start page."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user
from sqlalchemy import func, select

from ...extensions import db
from ...models import LIVE_STATUSES, Booking, Household, User, Vehicle
from ..permissions import admin_required
from . import bp


@bp.route("/")
@admin_required
def dashboard():
    """Key figures of the site and links to the admin jobs."""
    site_id = current_user.site_id

    def count(model, *where):
        return db.session.scalar(select(func.count()).select_from(model).where(model.site_id == site_id, *where))

    figures = {
        "vehicles": count(Vehicle, Vehicle.status != "retired"),
        "maintenance": count(Vehicle, Vehicle.status == "maintenance"),
        "households": count(Household),
        "users": count(User, User.active.is_(True)),
        "bookings_live": count(Booking, Booking.status.in_(LIVE_STATUSES)),
        "pending": count(Booking, Booking.status == "pending"),
    }
    return render_template("admin/dashboard.html", figures=figures)
