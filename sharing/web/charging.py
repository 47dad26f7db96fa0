"""The administrators' charging page: the site power chart against the grid limit, windows, re-planning."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from ..domain.localtime import floor_to_grid
from ..extensions import db
from ..models import Booking, Site, live_booking, utcnow
from ..services import charging
from .permissions import admin_required

bp = Blueprint("charging", __name__, url_prefix="/admin/charging")
HOURS_SHOWN = 48


def register(app: Flask) -> None:
    app.register_blueprint(bp)


class ReplanForm(FlaskForm):
    """Just the CSRF token: the button re-plans."""


@bp.route("/")
@admin_required
def overview():
    """Planned power per quarter hour for the next two days against the grid limit, with the numbers."""
    site = db.session.get(Site, current_user.site_id)
    zone = ZoneInfo(site.timezone)
    start = floor_to_grid(utcnow(), 15, zone)
    end = start + timedelta(hours=HOURS_SHOWN)
    windows = charging.charge_windows_between(db.session, site.id, start, end)
    slots = HOURS_SHOWN * 4
    total = [0.0] * slots
    for window in windows:
        offset = int((window.start_at - start) / timedelta(minutes=15))
        for i, power in enumerate(window.power_kw):
            if 0 <= offset + i < slots:
                total[offset + i] += power
    scale = max(site.grid_limit_kw, max(total, default=0)) or 1
    bars = [{"x": i, "height": round(kw / scale * 100, 2), "kw": kw, "at": start + i * timedelta(minutes=15)}
            for i, kw in enumerate(total)]
    hourly = [{"at": start + timedelta(hours=h), "kw": round(sum(total[h * 4:(h + 1) * 4]) / 4, 1)}
              for h in range(HOURS_SHOWN)]
    at_risk = db.session.scalars(select(Booking).where(Booking.site_id == site.id, live_booking(),
                                                       Booking.at_risk_reason.is_not(None),
                                                       Booking.end_at > utcnow()).order_by(Booking.start_at)).all()
    return render_template("admin/charging.html", site=site, windows=windows, bars=bars, hourly=hourly,
                           limit_y=round(100 - site.grid_limit_kw / scale * 100, 2), slots=slots,
                           at_risk=at_risk, form=ReplanForm())


@bp.route("/replan", methods=["POST"])
@admin_required
def replan():
    """Plan the charge windows anew now (the scheduler also does it every 15 minutes)."""
    if ReplanForm().validate_on_submit():
        summary = charging.replan(db.session, db.session.get(Site, current_user.site_id))
        flash(_("Planned anew: %(n)s charge windows, %(risk)s bookings at risk.", n=summary.windows,
                risk=summary.at_risk), "success")
    return redirect(url_for("charging.overview"))
