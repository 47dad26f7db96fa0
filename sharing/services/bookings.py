"""Booking use cases: check, create, change, cancel. Every function commits at most once.

The rules live in `sharing.domain.booking_rules`; this module loads the facts, applies
the rules, writes, and turns a firing database guard (a race lost) into the same clean
`BookingRejected` the rules would have given.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..database import begin_write, commit_keeping_loaded, insert_row
from ..domain.booking_rules import BookingRequest, Decision, evaluate_request
from ..domain.errors import BookingRejected, Reason
from ..domain.intervals import TimeSlot
from ..domain.suggestions import Suggestions
from ..models import Blockout, Booking, Household, Site, User, Vehicle, live_booking, utcnow
from ..models.types import UTCDateTime
from . import audit, booking_events
from .booking_access import (  # noqa: F401  (re-exported: the booking API in one place)
    AUDITED,
    BookingActionNotAllowed,
    BookingNotFound,
    get_visible_booking,
    visible_bookings,
)
from .booking_facts import LoadedRequest, load_request, suggestions_for
from .booking_lifecycle import (  # noqa: F401
    complete_finished,
    decide_approval,
    extend_booking,
    household_quota,
    mark_no_shows,
    pick_up,
    return_car,
    vehicle_busy_intervals,
)
from .charging import booking_charge_reasons

#: The energy check used by the rules; the charge planner replaces it (see services.charging).
energy_check_hook = None


@dataclass
class Availability:
    """The answer to "may I book this?": reasons against it and alternatives."""

    reasons: list[Reason]
    suggestions: Suggestions
    needs_approval: bool = False

    @property
    def ok(self) -> bool:
        return not self.reasons


def _now(now: datetime | None) -> datetime:
    return now or utcnow()


def _household_for(session: Session, actor: User, on_behalf_of: User | None) -> int:
    booker = on_behalf_of or actor
    if on_behalf_of is not None and (not actor.is_admin or on_behalf_of.site_id != actor.site_id):
        raise BookingActionNotAllowed("not_allowed_on_behalf")
    if booker.household_id is None:
        raise BookingRejected([Reason("no_household")])
    return booker.household_id


def _load(session: Session, actor: User, request: BookingRequest, now: datetime) -> LoadedRequest:
    """The requested car (of the actor's site), its site and the rule context; an unknown car is refused."""
    loaded = load_request(session, request, now, energy_check=energy_check_hook)
    if loaded is None or loaded.site.id != actor.site_id:
        raise BookingRejected([Reason("unknown_vehicle", field="vehicle")])
    return loaded


def _decide(session: Session, loaded: LoadedRequest, request: BookingRequest, now: datetime) -> Decision:
    decision = evaluate_request(request, loaded.context)
    if decision.ok and loaded.site_can_charge:
        # the rules' range estimate passed: now the charge plan, which knows the points and the other bookings
        decision.reasons += booking_charge_reasons(session, loaded.site, request, now)
    return decision


def _rejection(session: Session, loaded: LoadedRequest, request: BookingRequest,
               reasons: list[Reason]) -> BookingRejected:
    return BookingRejected(reasons, suggestions_for(session, loaded.site, request, loaded.context))


def check_request(session: Session, actor: User, *, vehicle_id: int, start: datetime, end: datetime,
                  distance_km: float = 0, exclude_booking_id: int | None = None, household_id: int | None = None,
                  now: datetime | None = None) -> Availability:
    """Whether a booking could be made now, with every reason and the alternatives (writes nothing)."""
    now = _now(now)
    try:
        slot = TimeSlot(start, end)
    except ValueError:
        return Availability([Reason("end_before_start", field="end")], Suggestions())
    household = household_id or actor.household_id
    request = BookingRequest(vehicle_id, household, slot, distance_km, actor.is_admin, exclude_booking_id)
    loaded = _load(session, actor, request, now)
    if household is None:
        return Availability([Reason("no_household")], Suggestions())
    decision = _decide(session, loaded, request, now)
    suggestions = Suggestions() if decision.ok else suggestions_for(session, loaded.site, request, loaded.context)
    return Availability(decision.reasons, suggestions, decision.needs_approval)


def create_booking(session: Session, actor: User, *, vehicle_id: int, start: datetime, end: datetime,
                   distance_km: float = 0, note: str = "", on_behalf_of: User | None = None,
                   now: datetime | None = None, series_id: int | None = None, commit: bool = True) -> Booking:
    """Book a car; BookingRejected with every reason and suggestions if that is not possible."""
    now = _now(now)
    if _guard_enabled():
        begin_write(session)
    household_id = _household_for(session, actor, on_behalf_of)
    try:
        slot = TimeSlot(start, end)
    except ValueError:
        raise BookingRejected([Reason("end_before_start", field="end")]) from None
    request = BookingRequest(vehicle_id, household_id, slot, distance_km, actor.is_admin)
    loaded = _load(session, actor, request, now)
    decision = _decide(session, loaded, request, now)
    if not decision.ok:
        rejection = _rejection(session, loaded, request, decision.reasons)
        session.rollback()
        raise rejection
    try:
        booking = insert_row(session, Booking, {
            "site_id": loaded.site.id, "vehicle_id": vehicle_id, "user_id": (on_behalf_of or actor).id,
            "household_id": household_id, "start_at": slot.start, "end_at": slot.end,
            "blocked_until": slot.end + loaded.context.rules.buffer, "distance_km": int(distance_km),
            "note": note.strip(), "status": "pending" if decision.needs_approval else "confirmed",
            "series_id": series_id, "sequence": 0, "created_at": now, "updated_at": now})
    except IntegrityError as error:
        _raise_race_lost(session, error, request, now)
    set_committed_value(booking, "vehicle", loaded.vehicle)  # what the caller shows next, without a query
    audit.record(session, actor=actor, action="booking.create", obj=booking, after=audit.snapshot(booking, AUDITED))
    booking_events.created(session, booking)
    if commit:
        _commit_guarded(session, request, now)
    return booking


def _guard_enabled() -> bool:
    return current_app.config.get("BOOKING_DB_GUARD", True)


def _is_overlap_violation(error: IntegrityError) -> bool:
    return "booking_no_overlap" in str(error.orig)


def _flush_guarded(session: Session, request: BookingRequest, now: datetime) -> None:
    """Flush; if the database's overlap guard fires (a race was lost), answer like the rules would."""
    try:
        session.flush()
    except IntegrityError as error:
        _raise_race_lost(session, error, request, now)


def _commit_guarded(session: Session, request: BookingRequest, now: datetime) -> None:
    try:
        commit_keeping_loaded(session)  # the caller presents the booking, its car and its site next
    except IntegrityError as error:
        _raise_race_lost(session, error, request, now)


def _raise_race_lost(session: Session, error: IntegrityError, request: BookingRequest, now: datetime):
    """Another request booked the car first: the conflict it made, as the rules would have named it."""
    session.rollback()
    if not _is_overlap_violation(error):
        raise error
    loaded = load_request(session, request, now, energy_check=energy_check_hook)
    reasons = [r for r in evaluate_request(request, loaded.context).reasons
               if r.kind in ("vehicle_booked", "buffer_conflict")] or [Reason("vehicle_booked", field="start")]
    rejection = _rejection(session, loaded, request, reasons)
    session.rollback()
    raise rejection from None


def change_booking(session: Session, actor: User, booking_id: int, *, vehicle_id: int | None = None,
                   start: datetime | None = None, end: datetime | None = None, distance_km: float | None = None,
                   note: str | None = None, now: datetime | None = None) -> Booking:
    """Move a booking to another time or car, atomically: if refused, the old booking stays as it was."""
    now = _now(now)
    if _guard_enabled():
        begin_write(session)
    booking = get_visible_booking(session, actor, booking_id)
    if booking.status not in ("pending", "confirmed"):
        raise BookingActionNotAllowed("not_changeable")
    if booking.start_at <= now and not actor.is_admin:
        raise BookingActionNotAllowed("already_started")
    try:
        slot = TimeSlot(start or booking.start_at, end or booking.end_at)
    except ValueError:
        raise BookingRejected([Reason("end_before_start", field="end")]) from None
    request = BookingRequest(vehicle_id or booking.vehicle_id, booking.household_id, slot,
                             booking.distance_km if distance_km is None else distance_km,
                             actor.is_admin, exclude_booking_id=booking.id)
    loaded = _load(session, actor, request, now)
    decision = _decide(session, loaded, request, now)
    if not decision.ok:
        rejection = _rejection(session, loaded, request, decision.reasons)
        session.rollback()
        raise rejection
    before = audit.snapshot(booking, AUDITED)
    old_slot = TimeSlot(booking.start_at, booking.end_at)
    old_vehicle = booking.vehicle_id
    booking.vehicle, booking.start_at, booking.end_at = loaded.vehicle, slot.start, slot.end
    booking.blocked_until = slot.end + loaded.context.rules.buffer
    booking.distance_km = int(request.distance_km)
    if note is not None:
        booking.note = note.strip()
    booking.sequence += 1
    booking.updated_at = now
    _flush_guarded(session, request, now)
    audit.record(session, actor=actor, action="booking.change", obj=booking, before=before,
                 after=audit.snapshot(booking, AUDITED))
    booking_events.changed(session, booking, actor=actor)
    from .waitlist import offer_freed_slot

    offer_freed_slot(session, old_vehicle, old_slot, now=now)
    _commit_guarded(session, request, now)
    return booking


def cancel_booking(session: Session, actor: User, booking_id: int, *, reason: str | None = None,
                   now: datetime | None = None) -> Booking:
    """Cancel: residents until the start; administrators always (with a reason if it is someone else's)."""
    now = _now(now)
    booking = get_visible_booking(session, actor, booking_id)
    if booking.status not in ("pending", "confirmed"):
        raise BookingActionNotAllowed("not_cancellable")
    if not actor.is_admin and booking.start_at <= now:
        raise BookingActionNotAllowed("too_late_to_cancel")
    if actor.is_admin and booking.household_id != actor.household_id and not (reason or "").strip():
        raise BookingActionNotAllowed("reason_required")
    before = audit.snapshot(booking, AUDITED)
    booking.status = "cancelled"
    booking.cancelled_at = now
    booking.cancelled_by_id = actor.id
    booking.cancel_reason = (reason or "").strip() or None
    booking.sequence += 1
    booking.updated_at = now
    audit.record(session, actor=actor, action="booking.cancel", obj=booking, before=before,
                 after={**audit.snapshot(booking, AUDITED), "reason": booking.cancel_reason})
    booking_events.cancelled(session, booking, actor=actor)
    from .waitlist import offer_freed_slot

    offer_freed_slot(session, booking.vehicle_id, TimeSlot(booking.start_at, booking.end_at), now=now)
    session.commit()
    return booking


_booked = select(Booking.id).where(Booking.vehicle_id == Vehicle.id, live_booking(),
                                   Booking.start_at < bindparam("booked_until", type_=UTCDateTime()),
                                   Booking.blocked_until > bindparam("start", type_=UTCDateTime()))
_blocked = select(Blockout.id).where(Blockout.vehicle_id == Vehicle.id,
                                     Blockout.start_at < bindparam("end", type_=UTCDateTime()),
                                     Blockout.end_at > bindparam("start", type_=UTCDateTime()))
#: Active cars with no live booking (buffers included) and no blockout in a period (built once).
_FREE_VEHICLES = select(Vehicle).where(Vehicle.site_id == bindparam("site_id"), Vehicle.status == "active",
                                       ~_booked.exists(), ~_blocked.exists()).order_by(Vehicle.name)
_FREE_VEHICLES_WITH_POINTS = _FREE_VEHICLES.options(selectinload(Vehicle.charging_points))


def free_vehicles(session: Session, site_id: int, start: datetime, end: datetime, *,
                  with_charging_points: bool = False) -> list[Vehicle]:
    """Active cars with no live booking (buffers included) and no blockout in [start, end): one query
    (and one more for their charging points, if asked for)."""
    site = session.get(Site, site_id)
    buffer = timedelta(minutes=site.buffer_minutes if site else 0)
    statement = _FREE_VEHICLES_WITH_POINTS if with_charging_points else _FREE_VEHICLES
    return list(session.scalars(statement, {"site_id": site_id, "start": start, "end": end,
                                            "booked_until": end + buffer}))


def household_name(session: Session, household_id: int) -> str:
    household = session.get(Household, household_id)
    return household.name if household else ""


def create_series(session: Session, actor: User, **kwargs):
    """Weekly recurring bookings (see services.series.create_series)."""
    from .series import create_series as _create_series  # series builds on this module

    return _create_series(session, actor, **kwargs)


def join_waitlist(session: Session, actor: User, **kwargs):
    """Queue for a taken slot (see services.waitlist)."""
    from .waitlist import join_waitlist as _join

    return _join(session, actor, **kwargs)


def leave_waitlist(session: Session, actor: User, entry_id: int) -> None:
    """Leave the waitlist (see services.waitlist)."""
    from .waitlist import leave_waitlist as _leave

    _leave(session, actor, entry_id)

