"""Bookings hit by a blockout or a retired car: shown before, then moved or cancelled one by one, never dropped.

The administrator sees each affected booking with the cars free at its time and chooses per booking:
move it to one of them, or cancel it. Each change goes through the booking service (audit, calendar
update, e-mail) and each household also gets a mail saying why and which cars are free instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.errors import BookingRejected
from ..models import LIVE_STATUSES, Booking, Site, User, Vehicle
from ..notifications import external_url, notify_user
from . import audit, bookings
from .admin_errors import Invalid, Problem

CANCEL = "cancel"


@dataclass
class Affected:
    """A booking in the way, and the cars free for exactly its time."""

    booking: Booking
    alternatives: list[Vehicle] = field(default_factory=list)

    @property
    def in_use(self) -> bool:
        return self.booking.status == "active"


@dataclass(frozen=True)
class Outcome:
    """What happened to one booking: "moved" (to `vehicle`), "cancelled", or "cancelled_instead" (move failed)."""

    booking: Booking
    result: str
    vehicle: Vehicle | None = None


def live_bookings_between(session: Session, vehicle_id: int, start: datetime, end: datetime | None) -> list[Booking]:
    """Live bookings of the car that overlap [start, end) (end None: open-ended), soonest first."""
    query = select(Booking).where(Booking.vehicle_id == vehicle_id, Booking.status.in_(LIVE_STATUSES),
                                  Booking.end_at > start)
    if end is not None:
        query = query.where(Booking.start_at < end)
    return list(session.scalars(query.order_by(Booking.start_at, Booking.id)))


def with_alternatives(session: Session, site_id: int, found: list[Booking], blocked_vehicle_id: int) -> list[Affected]:
    """Each booking with the other cars free at its time (one query per booking, few bookings)."""
    return [Affected(b, [v for v in bookings.free_vehicles(session, site_id, b.start_at, b.end_at)
                         if v.id != blocked_vehicle_id]) for b in found]


def check_choices(affected: list[Affected], choices: dict[int, str], expected_ids: list[int]) -> None:
    """Refuse if the bookings changed since the preview, one is on the road, or a choice is missing or stale."""
    problems = []
    if sorted(a.booking.id for a in affected) != sorted(expected_ids):
        problems.append(Problem(None, "bookings_changed"))
    for a in affected:
        if a.in_use:
            problems.append(Problem(None, "car_in_use", {"until": a.booking.end_at}))
            continue
        choice = choices.get(a.booking.id)
        if choice is None:
            problems.append(Problem(f"choice-{a.booking.id}", "resolution_missing"))
        elif choice != CANCEL and choice not in {str(v.id) for v in a.alternatives}:
            problems.append(Problem(f"choice-{a.booking.id}", "vehicle_not_free"))
    if problems:
        raise Invalid(*problems)


def resolve(session: Session, admin: User, vehicle_id: int, start: datetime, end: datetime | None,
            choices: dict[int, str], *, reason: str, template: str, now: datetime | None = None) -> list[Outcome]:
    """Move or cancel each booking still in the way, through the booking service; tell each household why.

    Call it after the blockout or the retirement is committed, so no new booking can slip in. A booking
    that appeared after the preview is cancelled (and its household told); a move that is no longer
    possible becomes a cancellation. One commit per booking.
    """
    site_id = session.get(Vehicle, vehicle_id).site_id
    affected = with_alternatives(session, site_id, live_bookings_between(session, vehicle_id, start, end), vehicle_id)
    outcomes = []
    for item in affected:
        booking_id, choice = item.booking.id, choices.get(item.booking.id, CANCEL)
        if item.in_use:
            outcomes.append(Outcome(item.booking, "in_use"))
            continue
        vehicle = _move(session, admin, booking_id, choice, now) if choice != CANCEL else None
        booking = session.get(Booking, booking_id)
        result = "moved" if vehicle is not None else ("cancelled" if choice == CANCEL else "cancelled_instead")
        _tell(session, booking, template, reason=reason, result=result, moved_to=vehicle,
              alternatives=[v for v in item.alternatives if vehicle is None or v.id != vehicle.id])
        if vehicle is None:
            try:
                bookings.cancel_booking(session, admin, booking_id, reason=reason, now=now)  # commits the mail too
            except bookings.BookingActionNotAllowed:
                session.rollback()  # picked up or ended meanwhile: nothing to cancel
                result = "unchanged"
        else:
            session.commit()
        outcomes.append(Outcome(session.get(Booking, booking_id), result, vehicle))
    return outcomes


def _move(session: Session, admin: User, booking_id: int, choice: str, now: datetime | None) -> Vehicle | None:
    try:
        bookings.change_booking(session, admin, booking_id, vehicle_id=int(choice), now=now)
    except (BookingRejected, bookings.BookingActionNotAllowed):
        session.rollback()  # taken in the meantime: cancel rather than leave it on a blocked car
        return None
    return session.get(Vehicle, int(choice))


def _recipients(session: Session, booking: Booking) -> list[User]:
    if booking.user is not None and booking.user.deleted_at is None:
        return [booking.user]
    return list(session.scalars(select(User).where(User.household_id == booking.household_id,
                                                   User.active.is_(True))))


def _tell(session: Session, booking: Booking, template: str, **context) -> None:
    site = session.get(Site, booking.site_id)
    endpoint = "bookings.new" if "bookings.new" in current_app.view_functions else "main.index"
    subjects = {"vehicle_retired": _l("A car you booked is no longer available"),
                "blockout_affects_booking": _l("Maintenance: your booking of %(car)s", car=booking.vehicle.name)}
    for user in _recipients(session, booking):
        notify_user(session, user, template, subject=subjects[template], booking=booking, site=site,
                    book_link=external_url(endpoint), force=True, **context)



def move_with_reason(session: Session, admin: User, booking_id: int, *, vehicle_id: int, start: datetime,
                     end: datetime, reason: str) -> Booking:
    """An administrator moves someone's booking; the household gets the new booking and the reason.

    BookingRejected (with suggestions) if the new time or car is not possible; the booking stays then.
    """
    booking = bookings.change_booking(session, admin, booking_id, vehicle_id=vehicle_id, start=start, end=end)
    site = session.get(Site, booking.site_id)
    for user in _recipients(session, booking):
        notify_user(session, user, "booking_moved_by_admin", subject=_l("Why your booking was changed"),
                    booking=booking, site=site, reason=reason.strip(), force=True)
    audit.record(session, actor=admin, action="booking.move_reason", obj=booking, after={"reason": reason.strip()})
    session.commit()
    return booking
