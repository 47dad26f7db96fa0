"""My bookings: the list, and pick-up, return, extension, cancellation."""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import selectinload

from ..domain.errors import BookingRejected
from ..domain.localtime import local_to_utc
from ..extensions import db
from ..models import Booking, User, WaitlistEntry, live_booking, utcnow
from ..services import bookings
from ..services.bookings import BookingActionNotAllowed, BookingNotFound
from .booking_messages import action_message, reason_message
from .bookings import bp, site_zone
from .forms_bookings import CancelForm, ExtendForm, PickUpForm, ReturnForm

#: How long before a booking the previous driver still counts as handing the car over.
HANDOVER_WINDOW = timedelta(hours=3)

STATE_LABELS = {
    "pending": ("badge--warn",),
    "confirmed": ("badge--ok",),
    "active": ("badge--info",),
    "completed": ("badge--info",),
    "cancelled": ("badge--bad",),
    "declined": ("badge--bad",),
    "no_show": ("badge--bad",),
}


def state_label(status: str) -> str:
    """A booking's state in words."""
    return {
        "pending": _("waiting for approval"), "confirmed": _("confirmed"), "active": _("on the road"),
        "completed": _("completed"), "cancelled": _("cancelled"), "declined": _("declined"),
        "no_show": _("not picked up"),
    }.get(status, status)


def _previous_drivers(upcoming: list[Booking]) -> dict[int, User]:
    """Who has the car just before each booking (for the handover), if they agreed to share their contact.

    One query for all of them: the live bookings of these cars that end in the 3 hours before one.
    """
    if not upcoming:
        return {}
    windows = [and_(Booking.vehicle_id == b.vehicle_id, Booking.end_at <= b.start_at,
                    Booking.end_at > b.start_at - HANDOVER_WINDOW) for b in upcoming]
    earlier = db.session.scalars(select(Booking).options(selectinload(Booking.user))
                                 .where(live_booking(), or_(*windows)).order_by(Booking.end_at)).all()
    drivers = {}
    for booking in upcoming:
        before = [e for e in earlier if e.vehicle_id == booking.vehicle_id
                  and booking.start_at - HANDOVER_WINDOW < e.end_at <= booking.start_at]
        previous = before[-1] if before else None
        if previous is not None and previous.user is not None and previous.user.share_contact:
            drivers[booking.id] = previous.user
    return drivers


@bp.route("/bookings")
@login_required
def mine():
    """Upcoming and past bookings of the household, waitlist entries and the quota left."""
    now = utcnow()
    query = bookings.visible_bookings(db.session, current_user)
    if current_user.is_admin:
        query = query.where(Booking.household_id == current_user.household_id)
    upcoming = db.session.scalars(query.where(Booking.end_at > now - timedelta(hours=12),
                                              Booking.status.in_(("pending", "confirmed", "active")))).all()
    past = db.session.scalars(query.where(Booking.start_at < now, Booking.start_at > now - timedelta(days=60),
                                          Booking.status.in_(("completed", "cancelled", "declined", "no_show")))
                              .order_by(None).order_by(Booking.start_at.desc()).limit(30)).all()
    waiting = db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.household_id == current_user.household_id, WaitlistEntry.status == "waiting",
        WaitlistEntry.end_at > now).order_by(WaitlistEntry.start_at)).all() if current_user.household_id else []
    quota = bookings.household_quota(db.session, current_user) if current_user.household_id else None
    handovers = _previous_drivers([b for b in upcoming if b.status == "confirmed"])
    return render_template("bookings/mine.html", upcoming=upcoming, past=past, waiting=waiting, quota=quota,
                           handovers=handovers, now=now, state_label=state_label, badge=STATE_LABELS,
                           cancel_form=CancelForm())


def _booking_or_404(booking_id: int) -> Booking:
    try:
        return bookings.get_visible_booking(db.session, current_user, booking_id)
    except BookingNotFound:
        abort(404)


def _run(action, success: str):
    """Call a service; map refusals onto flashes (the form errors are handled by the caller)."""
    try:
        action()
    except BookingActionNotAllowed as refused:
        flash(action_message(refused.code), "error")
        return False
    flash(success, "success")
    return True


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel(booking_id: int):
    """Cancel a booking (before it starts)."""
    booking = _booking_or_404(booking_id)
    if CancelForm().validate_on_submit():
        _run(lambda: bookings.cancel_booking(db.session, current_user, booking.id),
             _("The booking is cancelled."))
    return redirect(url_for("bookings.mine"))


@bp.route("/bookings/<int:booking_id>/pickup", methods=["GET", "POST"])
@login_required
def pickup(booking_id: int):
    """Pick the car up: readings, and the key-box code and handover note for this booking."""
    booking = _booking_or_404(booking_id)
    form = PickUpForm()
    if request.method == "GET":
        form.odometer_km.data = booking.vehicle.odometer_km
        form.soc_percent.data = round(booking.vehicle.soc_percent)
    elif form.validate_on_submit():
        try:
            if _run(lambda: bookings.pick_up(db.session, current_user, booking.id, odometer_km=form.odometer_km.data,
                                             soc_percent=form.soc_percent.data), _("Have a good trip!")):
                return redirect(url_for("bookings.mine"))
        except BookingRejected as rejected:
            _errors_to_fields(form, rejected)
    status = 422 if form.errors else 200
    return render_template("bookings/pickup.html", form=form, booking=booking,
                           previous=_previous_drivers([booking]).get(booking.id)), status


@bp.route("/bookings/<int:booking_id>/return", methods=["GET", "POST"])
@login_required
def return_car(booking_id: int):
    """Return the car: readings, plugged in, damage note, optional photo."""
    booking = _booking_or_404(booking_id)
    form = ReturnForm()
    if request.method == "GET":
        form.odometer_km.data = booking.odometer_start_km
        form.plugged_in.data = True
    elif form.validate_on_submit():
        try:
            done = _run(lambda: bookings.return_car(
                db.session, current_user, booking.id, odometer_km=form.odometer_km.data,
                soc_percent=form.soc_percent.data, plugged_in=form.plugged_in.data,
                damage_note=form.damage_note.data), _("Thank you! The car is returned."))
        except BookingRejected as rejected:
            _errors_to_fields(form, rejected)
        else:
            if done and form.photo.data:
                _store_return_photo(booking, form.photo.data)
            if done:
                return redirect(url_for("bookings.mine"))
    status = 422 if form.errors else 200
    return render_template("bookings/return.html", form=form, booking=booking), status


def _store_return_photo(booking: Booking, upload) -> None:
    folder = Path(current_app.instance_path) / "uploads" / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.filename or "").suffix.lower()
    name = f"{booking.id}-{secrets.token_hex(8)}{suffix if suffix in {'.jpg', '.jpeg', '.png', '.webp'} else ''}"
    upload.save(folder / name)
    booking.return_photo_filename = name
    db.session.commit()


@bp.route("/bookings/<int:booking_id>/extend", methods=["GET", "POST"])
@login_required
def extend(booking_id: int):
    """Keep the car longer, if nobody has it afterwards."""
    booking = _booking_or_404(booking_id)
    form = ExtendForm()
    zone = site_zone()
    if request.method == "GET":
        later = booking.end_at + timedelta(hours=1)
        form.end_date.data, form.end_time.data = later.astimezone(zone).date(), later.astimezone(zone).time()
    elif form.validate_on_submit():
        try:
            new_end = local_to_utc(form.end_date.data, form.end_time.data, zone, field="end")
            if _run(lambda: bookings.extend_booking(db.session, current_user, booking.id, new_end=new_end),
                    _("The booking is extended.")):
                return redirect(url_for("bookings.mine"))
        except BookingRejected as rejected:
            form.end_time.errors = [reason_message(r, zone) for r in rejected.reasons]
    status = 422 if form.errors else 200
    return render_template("bookings/extend.html", form=form, booking=booking), status


@bp.route("/waitlist/<int:entry_id>/leave", methods=["POST"])
@login_required
def leave_waitlist(entry_id: int):
    """Leave the waiting list."""
    if CancelForm().validate_on_submit():
        try:
            bookings.leave_waitlist(db.session, current_user, entry_id)
        except BookingNotFound:
            abort(404)
        flash(_("You have left the waiting list."), "info")
    return redirect(url_for("bookings.mine"))


def _errors_to_fields(form, rejected: BookingRejected) -> None:
    zone = site_zone()
    for reason in rejected.reasons:
        field = getattr(form, reason.field or "", None) or form.odometer_km
        field.errors = [*field.errors, reason_message(reason, zone)]
