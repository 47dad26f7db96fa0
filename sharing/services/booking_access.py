"""Who may see which booking, and the errors for refused actions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..models import Booking, User
from ..models.types import can_be_id

#: Fields of a booking recorded in the audit trail.
AUDITED = ("vehicle_id", "household_id", "start_at", "end_at", "status", "distance_km", "note")


class BookingNotFound(Exception):
    """No such booking, or not one the acting user may see (the two look the same)."""


class BookingActionNotAllowed(Exception):
    """The booking is not in a state (or not the actor's) for this action; `code` says why."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def get_visible_booking(session: Session, actor: User, booking_id: int) -> Booking:
    """The booking if the actor may see it: their household's, or any of their site for admins."""
    booking = session.get(Booking, booking_id) if can_be_id(booking_id) else None
    if booking is None or booking.site_id != actor.site_id:
        raise BookingNotFound(booking_id)
    if not actor.is_admin and booking.household_id != actor.household_id:
        raise BookingNotFound(booking_id)
    return booking


def visible_bookings(session: Session, actor: User, *, vehicle_id: int | None = None,
                     household_id: int | None = None, start: datetime | None = None, end: datetime | None = None,
                     statuses: tuple[str, ...] | None = None) -> Select:
    """A query of the bookings the actor may see, filtered; ordered by start."""
    query = select(Booking).where(Booking.site_id == actor.site_id)
    if not actor.is_admin:
        query = query.where(Booking.household_id == actor.household_id)
    elif household_id is not None:
        query = query.where(Booking.household_id == household_id)
    if vehicle_id is not None:
        query = query.where(Booking.vehicle_id == vehicle_id)
    if start is not None:
        query = query.where(Booking.end_at > start)
    if end is not None:
        query = query.where(Booking.start_at < end)
    if statuses:
        query = query.where(Booking.status.in_(statuses))
    return query.order_by(Booking.start_at, Booking.id)
