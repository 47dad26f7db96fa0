"""Booking a car: the form, live availability, reasons and one-click suggestions, changes."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..domain.errors import BookingRejected, Reason
from ..domain.localtime import ceil_to_grid, local_to_utc
from ..extensions import db
from ..models import Vehicle, utcnow
from ..services import bookings
from ..services.bookings import BookingActionNotAllowed, BookingNotFound
from .booking_messages import action_message, reason_message, suggestion_label
from .forms_bookings import BookingForm, SeriesForm, SuggestionForm, WaitlistForm

bp = Blueprint("bookings", __name__)


def register(app: Flask) -> None:
    """Register the booking pages (and the trip pages that share the blueprint)."""
    from . import trips  # noqa: F401  (attaches its views to bp)

    app.register_blueprint(bp)


def site_zone() -> ZoneInfo:
    return ZoneInfo(current_user.site.timezone)


def _vehicle_choices() -> list[tuple[int, str]]:
    cars = db.session.scalars(select(Vehicle).where(Vehicle.site_id == current_user.site_id,
                                                    Vehicle.status == "active").order_by(Vehicle.name))
    return [(c.id, f"{c.name} – {c.model}, {c.seats} " + _("seats") + f", ~{c.range_km} km") for c in cars]


def _prefill(form: BookingForm, start: datetime, end: datetime) -> None:
    zone = site_zone()
    form.start_date.data, form.start_time.data = start.astimezone(zone).date(), start.astimezone(zone).time()
    form.end_date.data, form.end_time.data = end.astimezone(zone).date(), end.astimezone(zone).time()


def _parse_utc(value: str | None) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return parsed if parsed is not None and parsed.tzinfo is not None else None


def form_times(form) -> tuple[datetime, datetime]:
    """The form's local dates and times as UTC instants (BookingRejected for times that do not exist)."""
    zone = site_zone()
    reasons: list[Reason] = []
    times = []
    for name, day, clock in (("start", form.start_date.data, form.start_time.data),
                             ("end", form.end_date.data, form.end_time.data)):
        try:
            times.append(local_to_utc(day, clock, zone, field=name))
        except BookingRejected as rejected:
            reasons += rejected.reasons
    if reasons:
        raise BookingRejected(reasons)
    return times[0], times[1]


def attach_reasons(form, reasons: list[Reason]) -> list[str]:
    """Put each reason on its field (for the screen reader and the eye); return the sentences."""
    zone = site_zone()
    fields = {"start": form.start_time, "end": form.end_time, "vehicle": form.vehicle_id,
              "distance_km": form.distance_km}
    messages = []
    for reason in reasons:
        message = reason_message(reason, zone)
        messages.append(message)
        target = fields.get(reason.field or "")
        if target is not None and message not in target.errors:
            target.errors = [*target.errors, message]
    return messages


def _render_form(form: BookingForm, *, status: int = 200, availability=None, editing=None):
    zone = site_zone()
    suggestion_forms = []
    if availability is not None and availability.suggestions is not None:
        for suggestion in availability.suggestions.all():
            suggestion_forms.append((suggestion_label(suggestion, zone), SuggestionForm(
                formdata=None, vehicle_id=suggestion.vehicle_id, start=suggestion.slot.start.isoformat(),
                end=suggestion.slot.end.isoformat(), distance_km=form.distance_km.data or 0,
                note=form.note.data or "", booking_id=editing.id if editing is not None else "")))
    waitlist_form = None
    if availability is not None and not availability.ok and any(
            r.kind in ("vehicle_booked", "buffer_conflict") for r in availability.reasons):
        start, end = form_times(form)
        waitlist_form = WaitlistForm(formdata=None, vehicle_id=form.vehicle_id.data, start=start.isoformat(),
                                     end=end.isoformat(), distance_km=form.distance_km.data or 0)
    quota = bookings.household_quota(db.session, current_user) if current_user.household_id else None
    reason_messages = [reason_message(r, zone) for r in availability.reasons] if availability is not None else []
    return render_template("bookings/new.html", form=form, availability=availability, editing=editing,
                           reason_messages=reason_messages, suggestion_forms=suggestion_forms,
                           waitlist_form=waitlist_form, quota=quota), status


@bp.route("/book", methods=["GET", "POST"])
@login_required
def new():
    """Book a car; "check" shows the availability without booking."""
    form = BookingForm()
    form.vehicle_id.choices = _vehicle_choices()
    if request.method == "GET":
        start = _parse_utc(request.args.get("start")) or ceil_to_grid(
            utcnow() + timedelta(hours=1), current_user.site.grid_minutes, site_zone())
        end = _parse_utc(request.args.get("end")) or start + timedelta(hours=2)
        _prefill(form, start, end)
        if request.args.get("vehicle", "").isdigit():
            form.vehicle_id.data = int(request.args["vehicle"])
        return _render_form(form)
    if not form.validate_on_submit():
        return _render_form(form, status=422)
    try:
        start, end = form_times(form)
        if form.check.data:
            availability = bookings.check_request(db.session, current_user, vehicle_id=form.vehicle_id.data,
                                                  start=start, end=end, distance_km=form.distance_km.data or 0)
            attach_reasons(form, availability.reasons)
            return _render_form(form, availability=availability)
        booking = bookings.create_booking(db.session, current_user, vehicle_id=form.vehicle_id.data, start=start,
                                          end=end, distance_km=form.distance_km.data or 0, note=form.note.data or "")
    except BookingRejected as rejected:
        attach_reasons(form, rejected.reasons)
        availability = bookings.Availability(rejected.reasons, rejected.suggestions)
        return _render_form(form, status=409, availability=availability)
    _flash_booked(booking)
    return redirect(url_for("bookings.mine"))


@bp.route("/book/check")
@login_required
def live_check():
    """The availability answer as an HTML fragment, for the check-as-you-type script (GET, no writes)."""
    form = BookingForm(formdata=request.args, meta={"csrf": False})
    form.vehicle_id.choices = _vehicle_choices()
    # On the change page the booking being changed is no conflict of its own, nor counted twice.
    booking_arg = request.args.get("booking")
    if booking_arg is not None and not booking_arg.isdigit():
        abort(404)
    editing = _visible_or_404(int(booking_arg)) if booking_arg is not None else None
    if not form.validate():
        return render_template("bookings/_live.html", availability=None, reason_messages=[], incomplete=True)
    try:
        start, end = form_times(form)
        availability = bookings.check_request(
            db.session, current_user, vehicle_id=form.vehicle_id.data, start=start, end=end,
            distance_km=form.distance_km.data or 0, exclude_booking_id=editing.id if editing else None,
            household_id=editing.household_id if editing else None)
    except BookingRejected as rejected:
        availability = bookings.Availability(rejected.reasons, None)
    zone = site_zone()
    return render_template("bookings/_live.html", availability=availability, incomplete=False,
                           reason_messages=[reason_message(r, zone) for r in availability.reasons])


def _flash_booked(booking) -> None:
    if booking.status == "pending":
        flash(_("Your booking is saved and waits for an administrator's approval."), "info")
    else:
        flash(_("Booked: %(car)s. Have a good trip!", car=booking.vehicle.name), "success")


@bp.route("/book/suggestion", methods=["POST"])
@login_required
def take_suggestion():
    """Take a suggested alternative with one click: book it, or (from the change page) move the booking there."""
    form = SuggestionForm()
    start, end = _parse_utc(form.start.data), _parse_utc(form.end.data)
    booking_id = form.booking_id.data or ""
    if (not form.validate_on_submit() or start is None or end is None or not str(form.vehicle_id.data).isdigit()
            or (booking_id and not booking_id.isdigit())):
        abort(400)
    editing = _visible_or_404(int(booking_id)) if booking_id else None
    choice = {"vehicle_id": int(form.vehicle_id.data), "start": start, "end": end,
              "distance_km": _int(form.distance_km.data), "note": form.note.data or ""}
    try:
        if editing is not None:
            bookings.change_booking(db.session, current_user, editing.id, **choice)
        else:
            booking = bookings.create_booking(db.session, current_user, **choice)
    except BookingActionNotAllowed as refused:  # the booking changed its state meanwhile
        flash(action_message(refused.code), "error")
        return redirect(url_for("bookings.mine"))
    except BookingRejected as refused:
        booking_form = BookingForm(formdata=None, vehicle_id=choice["vehicle_id"], distance_km=choice["distance_km"],
                                   note=choice["note"])
        booking_form.vehicle_id.choices = _vehicle_choices()
        _prefill(booking_form, start, end)
        attach_reasons(booking_form, refused.reasons)
        return _render_form(booking_form, status=409, editing=editing,
                            availability=bookings.Availability(refused.reasons, refused.suggestions))
    if editing is not None:
        flash(_("Your booking has been changed."), "success")
    else:
        _flash_booked(booking)
    return redirect(url_for("bookings.mine"))


def _visible_or_404(booking_id: int):
    try:
        return bookings.get_visible_booking(db.session, current_user, booking_id)
    except BookingNotFound:
        abort(404)


def _int(value) -> int:
    try:
        return max(0, min(2000, int(value)))
    except (TypeError, ValueError):
        return 0


@bp.route("/book/waitlist", methods=["POST"])
@login_required
def join_waitlist():
    """Queue for a taken slot: be told, or get it booked, when it frees up."""
    form = WaitlistForm()
    start, end = _parse_utc(form.start.data), _parse_utc(form.end.data)
    if not form.validate_on_submit() or start is None or end is None or not str(form.vehicle_id.data).isdigit():
        abort(400)
    try:
        bookings.join_waitlist(db.session, current_user, vehicle_id=int(form.vehicle_id.data), start=start,
                               end=end, distance_km=_int(form.distance_km.data), auto_book=form.auto_book.data)
    except BookingRejected as rejected:
        for reason in rejected.reasons:
            flash(reason_message(reason, site_zone()), "error")
        return redirect(url_for("bookings.new"))
    flash(_("You are on the waiting list. We will let you know when the car becomes free."), "success")
    return redirect(url_for("bookings.mine"))


@bp.route("/bookings/<int:booking_id>/change", methods=["GET", "POST"])
@login_required
def change(booking_id: int):
    """Move a booking to another time or car; if that is refused, the old booking stays."""
    try:
        booking = bookings.get_visible_booking(db.session, current_user, booking_id)
    except BookingNotFound:
        abort(404)
    form = BookingForm(obj=booking if request.method == "GET" else None)
    form.vehicle_id.choices = _vehicle_choices()
    if request.method == "GET":
        form.vehicle_id.data, form.distance_km.data, form.note.data = (booking.vehicle_id, booking.distance_km,
                                                                       booking.note)
        _prefill(form, booking.start_at, booking.end_at)
        return _render_form(form, editing=booking)
    if not form.validate_on_submit():
        return _render_form(form, status=422, editing=booking)
    try:
        start, end = form_times(form)
        bookings.change_booking(db.session, current_user, booking.id, vehicle_id=form.vehicle_id.data, start=start,
                                end=end, distance_km=form.distance_km.data or 0, note=form.note.data or "")
    except BookingRejected as rejected:
        attach_reasons(form, rejected.reasons)
        return _render_form(form, status=409, editing=booking,
                            availability=bookings.Availability(rejected.reasons, rejected.suggestions))
    except BookingActionNotAllowed as refused:
        flash(action_message(refused.code), "error")
        return redirect(url_for("bookings.mine"))
    flash(_("Your booking has been changed."), "success")
    return redirect(url_for("bookings.mine"))


@bp.route("/book/series", methods=["GET", "POST"])
@login_required
def series():
    """A weekly booking: every occurrence is checked; conflicts are shown and the free ones can be booked."""
    form = SeriesForm()
    form.vehicle_id.choices = _vehicle_choices()
    result = None
    if form.validate_on_submit():
        try:
            result = bookings.create_series(
                db.session, current_user, vehicle_id=form.vehicle_id.data, first_date=form.first_date.data,
                local_start_time=form.start_time.data, duration_minutes=form.duration_minutes.data,
                weekdays=set(form.weekdays.data), until_date=form.until_date.data,
                distance_km=form.distance_km.data or 0, book_free_only=form.book_free_only.data == "1")
        except BookingRejected as rejected:
            form.until_date.errors = [reason_message(r, site_zone()) for r in rejected.reasons]
        else:
            if result.booked:
                flash(_("%(n)s bookings of the series are made.", n=len(result.booked)), "success")
                return redirect(url_for("bookings.mine"))
    zone = site_zone()
    conflicts = [(day, [reason_message(r, zone) for r in reasons]) for day, _slot, reasons in
                 (result.conflicts if result else [])]
    status = 422 if form.errors else (409 if conflicts else 200)
    return render_template("bookings/series.html", form=form, result=result, conflicts=conflicts), status
