"""Bookings: every booking of the site with filters; book on behalf of a resident; move, cancel, approve."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...domain.errors import BookingRejected
from ...extensions import db
from ...models import BOOKING_STATUSES, AuditEvent, Booking, User
from ...services import affected_bookings, bookings
from ...services.admin_errors import Invalid
from ..booking_messages import action_message, reason_message, suggestion_label
from ..permissions import admin_required, get_in_site_or_404
from . import bp
from .common import (
    apply_problems,
    household_choices,
    local_day_bounds,
    paginate,
    parse_day,
    resident_choices,
    site_zone,
    to_local,
    to_utc,
    vehicle_choices,
)
from .forms import BookingFilterForm, BookOnBehalfForm, CancelBookingForm, ConfirmForm, MoveBookingForm
from .messages import booking_state_labels


def _filters() -> BookingFilterForm:
    form = BookingFilterForm(request.args)
    form.vehicle_id.choices = vehicle_choices(include_retired=True, blank=_("all"))
    form.household_id.choices = household_choices(blank=_("all"))
    form.status.choices = [("", _("all")), *booking_state_labels().items()]
    return form


@bp.route("/bookings", endpoint="bookings")
@admin_required
def bookings_list():
    """All bookings of the site, filtered by car, household, date range and state."""
    form = _filters()
    low, high = local_day_bounds(parse_day(form.start.data), parse_day(form.end.data))
    query = bookings.visible_bookings(
        db.session, current_user, vehicle_id=form.vehicle_id.data or None, household_id=form.household_id.data or None,
        start=low, end=high, statuses=(form.status.data,) if form.status.data in BOOKING_STATUSES else None)
    query = query.options(selectinload(Booking.vehicle), selectinload(Booking.household), selectinload(Booking.user))
    return render_template("admin/bookings/list.html", filters=form, page=paginate(query))


def _attempt(form, action):
    """Run a booking use case; if it is refused, every reason goes onto the form and None is returned."""
    try:
        return action()
    except Invalid as error:
        apply_problems(form, error)
    except BookingRejected as error:
        zone = site_zone()
        form.form_errors.extend(reason_message(r, zone) for r in error.reasons)
        form.suggestions = [suggestion_label(s, zone) for s in (error.suggestions.all() if error.suggestions else [])]
    except bookings.BookingActionNotAllowed as error:
        form.form_errors.append(action_message(error.code))
    return None


@bp.route("/bookings/new", methods=["GET", "POST"])
@admin_required
def booking_new():
    """Book a car for a resident (the rules for administrators apply; the household is told)."""
    form = BookOnBehalfForm()
    form.user_id.choices, form.vehicle_id.choices = resident_choices(), vehicle_choices()
    if form.validate_on_submit():
        person = get_in_site_or_404(User, form.user_id.data)
        booking = _attempt(form, lambda: bookings.create_booking(
            db.session, current_user, vehicle_id=form.vehicle_id.data, start=to_utc(form.start.data, "start"),
            end=to_utc(form.end.data, "end"), distance_km=form.distance_km.data or 0, note=form.note.data or "",
            on_behalf_of=person))
        if booking is not None:
            flash(_("Booked for %(name)s.", name=person.name), "success")
            return redirect(url_for("admin.booking_detail", booking_id=booking.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("admin/bookings/new.html", form=form), 422 if failed else 200


def _booking(booking_id: int) -> Booking:
    try:
        return bookings.get_visible_booking(db.session, current_user, booking_id)
    except bookings.BookingNotFound:
        abort(404)


def _detail(booking: Booking, status: int = 200, move_form=None, cancel_form=None):
    if move_form is None:
        move_form = MoveBookingForm(formdata=None, vehicle_id=booking.vehicle_id, start=to_local(booking.start_at),
                                    end=to_local(booking.end_at))
    move_form.vehicle_id.choices = vehicle_choices()
    history = db.session.scalars(select(AuditEvent).where(
        AuditEvent.site_id == booking.site_id, AuditEvent.object_type == "booking",
        AuditEvent.object_id == booking.id).order_by(AuditEvent.id)).all()
    return render_template("admin/bookings/detail.html", booking=booking, move_form=move_form,
                           cancel_form=cancel_form or CancelBookingForm(formdata=None), decide_form=ConfirmForm(),
                           history=history), status


@bp.route("/bookings/<int:booking_id>")
@admin_required
def booking_detail(booking_id: int):
    """One booking with its history and the actions for it."""
    return _detail(_booking(booking_id))


@bp.route("/bookings/<int:booking_id>/move", methods=["POST"])
@admin_required
def booking_move(booking_id: int):
    """Move a booking to another car or time; the resident is told why."""
    booking = _booking(booking_id)
    form = MoveBookingForm()
    form.vehicle_id.choices = vehicle_choices()
    if form.validate_on_submit() and _attempt(form, lambda: affected_bookings.move_with_reason(
            db.session, current_user, booking.id, vehicle_id=form.vehicle_id.data,
            start=to_utc(form.start.data, "start"), end=to_utc(form.end.data, "end"), reason=form.reason.data)):
        flash(_("The booking is moved and the household is told."), "success")
        return redirect(url_for("admin.booking_detail", booking_id=booking.id))
    return _detail(_booking(booking_id), 422, move_form=form)


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@admin_required
def booking_cancel(booking_id: int):
    """Cancel a booking with a reason the resident reads."""
    booking = _booking(booking_id)
    form = CancelBookingForm()
    if form.validate_on_submit() and _attempt(form, lambda: bookings.cancel_booking(
            db.session, current_user, booking.id, reason=form.reason.data)):
        flash(_("The booking is cancelled and the household is told."), "success")
        return redirect(url_for("admin.booking_detail", booking_id=booking.id))
    return _detail(booking, 422, cancel_form=form)


@bp.route("/bookings/<int:booking_id>/decide", methods=["POST"])
@admin_required
def booking_decide(booking_id: int):
    """Approve or decline a booking that waits for approval."""
    booking = _booking(booking_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    approve = request.form.get("decision") == "approve"
    try:
        bookings.decide_approval(db.session, current_user, booking.id, approve=approve,
                                 reason=request.form.get("reason", "")[:300])
    except bookings.BookingActionNotAllowed as error:
        flash(action_message(error.code), "error")
    else:
        flash(_("The booking is approved.") if approve else _("The booking is declined."), "success")
    return redirect(url_for("admin.booking_detail", booking_id=booking.id))
