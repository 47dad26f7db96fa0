"""Bookings through the API: list, read, check, create, change, cancel, pick up, return, extend, series, waitlist."""

from __future__ import annotations

from sqlalchemy import func, select

from ...domain.errors import BookingRejected, Reason
from ...extensions import db
from ...models import User, WaitlistEntry, utcnow
from ...services import bookings, series, waitlist
from ...services.bookings import BookingNotFound
from . import present
from . import schemas as s
from .blueprint import bp
from .problems import ApiProblem
from .registry import Caller, operation

CONFLICT = (409,)


def paged(query, page: int, per_page: int):
    """One page of a query and the total count."""
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = db.session.scalars(query.offset((page - 1) * per_page).limit(per_page)).all()
    return rows, total, (page + 1 if page * per_page < total else None)


@operation(bp, "GET", "/bookings", summary="List bookings", tag="bookings", query=s.BookingQuery,
           response=s.BookingPage)
def list_bookings(caller: Caller, query: s.BookingQuery):
    """The household's bookings (administrators with the admin scope: every booking of the site), by start."""
    statement = bookings.visible_bookings(db.session, caller.actor, vehicle_id=query.vehicle_id,
                                          household_id=query.household_id, start=query.from_, end=query.to,
                                          statuses=(query.state,) if query.state else None)
    rows, total, next_page = paged(statement, query.page, query.per_page)
    return s.BookingPage(items=[present.booking(b, caller.actor) for b in rows], page=query.page,
                         per_page=query.per_page, total=total, next_page=next_page)


def _visible(caller: Caller, booking_id: int):
    try:
        return bookings.get_visible_booking(db.session, caller.actor, booking_id)
    except BookingNotFound:
        raise ApiProblem(404) from None


@operation(bp, "GET", "/bookings/<int:booking_id>", summary="Read a booking", tag="bookings", response=s.BookingOut)
def get_booking(caller: Caller, booking_id: int):
    """One booking of the household (administrators: of the site); 404 for any other."""
    return present.booking(_visible(caller, booking_id), caller.actor)


@operation(bp, "POST", "/availability/check", summary="Check a booking request without booking", tag="availability",
           body=s.BookingCheckIn, response=s.CheckOut)
def check_booking(caller: Caller, body: s.BookingCheckIn):
    """Every reason against the request and the alternatives, exactly as the booking page shows them."""
    zone = present.zone_of(caller.user)
    try:
        answer = bookings.check_request(db.session, caller.actor, vehicle_id=body.vehicle_id, start=body.start,
                                        end=body.end, distance_km=body.distance_km)
    except BookingRejected as rejected:
        answer = bookings.Availability(rejected.reasons, rejected.suggestions)
    from ..booking_messages import suggestions_dicts

    return s.CheckOut(ok=answer.ok, needs_approval=answer.needs_approval,
                      reasons=present.reasons(answer.reasons, zone),
                      suggestions=suggestions_dicts(answer.suggestions, zone, body.distance_km))


@operation(bp, "POST", "/bookings", summary="Book a car", tag="bookings", scope="book", body=s.BookingIn,
           response=s.BookingOut, status=201, errors=CONFLICT)
def create_booking(caller: Caller, body: s.BookingIn):
    """Book; 409 with every reason and bookable suggestions when the car is taken or a rule forbids it."""
    on_behalf = None
    if body.on_behalf_of_user_id is not None:
        if not caller.actor.is_admin:
            raise ApiProblem(403, code="not_allowed_on_behalf")
        on_behalf = db.session.get(User, body.on_behalf_of_user_id)
        if on_behalf is None or on_behalf.site_id != caller.user.site_id:
            raise ApiProblem(422, errors=[unknown("body.on_behalf_of_user_id")])
    row = bookings.create_booking(db.session, caller.actor, vehicle_id=body.vehicle_id, start=body.start,
                                  end=body.end, distance_km=body.distance_km, note=body.note, on_behalf_of=on_behalf)
    return present.booking(row, caller.actor), {"Location": f"/api/v1/bookings/{row.id}"}


def unknown(field: str) -> dict:
    from flask_babel import gettext as _

    return {"field": field, "code": "unknown", "message": _("There is no such object, or you may not see it.")}


@operation(bp, "PATCH", "/bookings/<int:booking_id>", summary="Change a booking", tag="bookings", scope="book",
           body=s.BookingChangeIn, response=s.BookingOut, errors=CONFLICT)
def change_booking(caller: Caller, booking_id: int, body: s.BookingChangeIn):
    """Move to another time or car; refused changes leave the booking as it was (409 with reasons)."""
    row = bookings.change_booking(db.session, caller.actor, booking_id, vehicle_id=body.vehicle_id, start=body.start,
                                  end=body.end, distance_km=body.distance_km, note=body.note)
    return present.booking(row, caller.actor)


@operation(bp, "POST", "/bookings/<int:booking_id>/cancel", summary="Cancel a booking", tag="bookings",
           scope="book", body=s.CancelIn, response=s.BookingOut, errors=CONFLICT)
def cancel_booking(caller: Caller, booking_id: int, body: s.CancelIn):
    """Residents until the start; administrators always (with a reason for someone else's booking)."""
    row = bookings.cancel_booking(db.session, caller.actor, booking_id, reason=body.reason)
    return present.booking(row, caller.actor)


@operation(bp, "POST", "/bookings/<int:booking_id>/pickup", summary="Pick the car up", tag="bookings",
           scope="book", body=s.PickupIn, response=s.BookingOut, errors=CONFLICT)
def pickup_booking(caller: Caller, booking_id: int, body: s.PickupIn):
    """Start the trip with the odometer and charge readings (shortly before the start at the earliest)."""
    row = bookings.pick_up(db.session, caller.actor, booking_id, odometer_km=body.odometer_km,
                           soc_percent=body.soc_percent)
    return present.booking(row, caller.actor)


@operation(bp, "POST", "/bookings/<int:booking_id>/return", summary="Return the car", tag="bookings",
           scope="book", body=s.ReturnIn, response=s.BookingOut, errors=CONFLICT)
def return_booking(caller: Caller, booking_id: int, body: s.ReturnIn):
    """End the trip with the readings; a late return warns the next booking."""
    row = bookings.return_car(db.session, caller.actor, booking_id, odometer_km=body.odometer_km,
                              soc_percent=body.soc_percent, plugged_in=body.plugged_in, damage_note=body.damage_note)
    return present.booking(row, caller.actor)


@operation(bp, "POST", "/bookings/<int:booking_id>/extend", summary="Extend a booking", tag="bookings",
           scope="book", body=s.ExtendIn, response=s.BookingOut, errors=CONFLICT)
def extend_booking(caller: Caller, booking_id: int, body: s.ExtendIn):
    """Drive longer, if the car is free afterwards and the rules allow it."""
    row = bookings.extend_booking(db.session, caller.actor, booking_id, new_end=body.end)
    return present.booking(row, caller.actor)


@operation(bp, "POST", "/bookings/<int:booking_id>/decision", summary="Approve or decline a booking",
           tag="bookings", scope="admin", admin=True, body=s.DecisionIn, response=s.BookingOut, errors=CONFLICT)
def decide_booking(caller: Caller, booking_id: int, body: s.DecisionIn):
    """Administrators: accept or decline a booking that waits for approval."""
    row = bookings.decide_approval(db.session, caller.actor, booking_id, approve=body.approve, reason=body.reason)
    return present.booking(row, caller.actor)


@operation(bp, "POST", "/series", summary="Book weekly", tag="bookings", scope="book", body=s.SeriesIn,
           response=s.SeriesOut, status=201, errors=CONFLICT)
def create_series(caller: Caller, body: s.SeriesIn):
    """Weekly bookings; with conflicts nothing is booked (409 lists them) unless book_free_only is true."""
    if any(not 0 <= day <= 6 for day in body.weekdays):
        raise BookingRejected([Reason("no_weekdays", field="weekdays")])
    result = series.create_series(db.session, caller.actor, vehicle_id=body.vehicle_id, first_date=body.first_date,
                                  local_start_time=body.start_time, duration_minutes=body.duration_minutes,
                                  weekdays=set(body.weekdays), until_date=body.until_date,
                                  distance_km=body.distance_km, note=body.note, book_free_only=body.book_free_only)
    zone = present.zone_of(caller.user)
    conflicts = [{"date": day, "slot": present.slot(slot.start, slot.end, zone) if slot else None,
                  "reasons": present.reasons(reasons, zone)} for day, slot, reasons in result.conflicts]
    if not result.booked:
        raise ApiProblem(409, code="series_conflicts", conflicts=conflicts)
    return s.SeriesOut(series_id=result.series.id if result.series else None,
                       booked=[present.booking(b, caller.actor) for b in result.booked], conflicts=conflicts)


@operation(bp, "GET", "/waitlist", summary="Waiting list entries", tag="waitlist", response=s.WaitlistList)
def list_waitlist(caller: Caller):
    """The household's entries that still wait (administrators with the admin scope: the site's)."""
    actor = caller.actor
    statement = select(WaitlistEntry).where(WaitlistEntry.site_id == actor.site_id,
                                            WaitlistEntry.status == "waiting",
                                            WaitlistEntry.end_at > utcnow())
    if not actor.is_admin:
        statement = statement.where(WaitlistEntry.household_id == actor.household_id)
    zone = present.zone_of(caller.user)
    rows = db.session.scalars(statement.order_by(WaitlistEntry.start_at, WaitlistEntry.id).limit(500)).all()
    return s.WaitlistList(items=[present.waitlist_entry(e, zone) for e in rows])


@operation(bp, "POST", "/waitlist", summary="Wait for a taken slot", tag="waitlist", scope="book",
           body=s.WaitlistIn, response=s.WaitlistOut, status=201)
def join_waitlist(caller: Caller, body: s.WaitlistIn):
    """Be told (or booked automatically) when the slot frees up."""
    entry = waitlist.join_waitlist(db.session, caller.actor, vehicle_id=body.vehicle_id, start=body.start,
                                   end=body.end, distance_km=body.distance_km, auto_book=body.auto_book)
    return present.waitlist_entry(entry, present.zone_of(caller.user))


@operation(bp, "DELETE", "/waitlist/<int:entry_id>", summary="Leave the waiting list", tag="waitlist",
           scope="book")
def leave_waitlist(caller: Caller, entry_id: int):
    """Remove the household's entry; 404 for any other."""
    try:
        waitlist.leave_waitlist(db.session, caller.actor, entry_id)
    except BookingNotFound:
        raise ApiProblem(404) from None
