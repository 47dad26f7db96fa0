"""The waitlist: refused requests that want to be told (or booked) when their slot frees up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import BookingRejected, Reason
from ..domain.intervals import TimeSlot
from ..models import User, Vehicle, WaitlistEntry, utcnow
from ..models.types import can_be_id
from . import audit, booking_events
from .booking_access import BookingNotFound


def join_waitlist(session: Session, actor: User, *, vehicle_id: int, start: datetime, end: datetime,
                  distance_km: float = 0, auto_book: bool = False) -> WaitlistEntry:
    """Queue for a slot; the first in line gets it when it frees up."""
    vehicle = session.get(Vehicle, vehicle_id) if can_be_id(vehicle_id) else None
    if vehicle is None or vehicle.site_id != actor.site_id:
        raise BookingRejected([Reason("unknown_vehicle", field="vehicle")])
    if actor.household_id is None:
        raise BookingRejected([Reason("no_household")])
    if end <= start:
        raise BookingRejected([Reason("end_before_start", field="end")])
    entry = WaitlistEntry(site_id=actor.site_id, user_id=actor.id, household_id=actor.household_id,
                          vehicle_id=vehicle.id, start_at=start, end_at=end, distance_km=int(distance_km),
                          auto_book=auto_book)
    session.add(entry)
    session.flush()
    audit.record(session, actor=actor, action="waitlist.join", obj=entry,
                 after={"vehicle_id": vehicle.id, "start_at": start, "end_at": end, "auto_book": auto_book})
    session.commit()
    return entry


def leave_waitlist(session: Session, actor: User, entry_id: int) -> None:
    """Leave the queue (own household's entries only)."""
    entry = session.get(WaitlistEntry, entry_id)
    if entry is None or entry.site_id != actor.site_id or (
            not actor.is_admin and entry.household_id != actor.household_id):
        raise BookingNotFound(entry_id)
    entry.status, entry.resolved_at = "cancelled", utcnow()
    audit.record(session, actor=actor, action="waitlist.leave", obj=entry)
    session.commit()


def offer_freed_slot(session: Session, vehicle_id: int, freed: TimeSlot, *, now: datetime) -> None:
    """Offer a freed slot to the first waiting entry it covers (in the caller's transaction).

    With auto-booking the entry's booking is tried at once (through the full rules, in a
    savepoint); otherwise its resident is told the slot is free.
    """
    waiting = session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.vehicle_id == vehicle_id, WaitlistEntry.status == "waiting",
        WaitlistEntry.start_at < freed.end, WaitlistEntry.end_at > freed.start,
        WaitlistEntry.start_at >= now).order_by(WaitlistEntry.created_at, WaitlistEntry.id)).all()
    vehicle = session.get(Vehicle, vehicle_id)
    for entry in waiting:
        slot = TimeSlot(entry.start_at, entry.end_at)
        booked = _try_auto_book(session, entry, now) if entry.auto_book else None
        if entry.auto_book and booked is None:
            continue  # still not bookable (e.g. only part of it freed up): stays in line
        entry.status = "booked" if booked else "notified"
        entry.booking_id = booked.id if booked else None
        entry.resolved_at = now
        booking_events.waitlist_slot_free(session, entry.user, vehicle=vehicle, slot=slot, booked=booked)
        return  # the first in line gets it


def _try_auto_book(session: Session, entry: WaitlistEntry, now: datetime):
    from ..domain.booking_rules import BookingRequest, evaluate_request
    from ..models import Booking, Site
    from .booking_facts import rule_context

    site = session.get(Site, entry.site_id)
    vehicle = session.get(Vehicle, entry.vehicle_id)
    request = BookingRequest(vehicle.id, entry.household_id, TimeSlot(entry.start_at, entry.end_at),
                             entry.distance_km)
    session.flush()
    ctx = rule_context(session, request, now)
    if not evaluate_request(request, ctx).ok:
        return None
    booking = Booking(site_id=site.id, vehicle_id=vehicle.id, user_id=entry.user_id,
                      household_id=entry.household_id, start_at=entry.start_at, end_at=entry.end_at,
                      blocked_until=entry.end_at + ctx.rules.buffer, distance_km=entry.distance_km,
                      status="confirmed", note="")
    session.add(booking)
    session.flush()
    audit.record(session, actor=None, action="booking.create_from_waitlist", obj=booking,
                 after={"waitlist_entry": entry.id})
    return booking
