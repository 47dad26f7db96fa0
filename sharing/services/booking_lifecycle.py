"""After booking: approval, pick-up, return, extension, no-shows, completion, quotas."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..database import begin_write
from ..domain.booking_rules import BookingRequest, evaluate_request
from ..domain.errors import BookingRejected, Reason
from ..domain.intervals import TimeSlot
from ..domain.quota import QuotaStatus, quota_status
from ..models import Blockout, Booking, Site, User, live_booking, utcnow
from . import audit, booking_events
from .booking_access import AUDITED, BookingActionNotAllowed, get_visible_booking
from .booking_facts import busy_of, load_request, rules_of
from .charging import booking_charge_reasons


def decide_approval(session: Session, admin: User, booking_id: int, *, approve: bool,
                    reason: str | None = None) -> Booking:
    """An administrator accepts or declines a booking that waits for approval."""
    if not admin.is_admin:
        raise BookingActionNotAllowed("admin_only")
    booking = get_visible_booking(session, admin, booking_id)
    if booking.status != "pending":
        raise BookingActionNotAllowed("not_pending")
    before = audit.snapshot(booking, AUDITED)
    booking.status = "confirmed" if approve else "declined"
    booking.decided_by_id, booking.decided_at = admin.id, utcnow()
    if not approve:
        booking.cancel_reason = (reason or "").strip() or None
    booking.sequence += 1
    audit.record(session, actor=admin, action="booking.approve" if approve else "booking.decline", obj=booking,
                 before=before, after={**audit.snapshot(booking, AUDITED), "reason": booking.cancel_reason})
    booking_events.approval_decided(session, booking)
    session.commit()
    return booking


def _own_active_action(session: Session, actor: User, booking_id: int) -> Booking:
    booking = get_visible_booking(session, actor, booking_id)
    if not actor.is_admin and booking.household_id != actor.household_id:
        raise BookingActionNotAllowed("not_yours")
    return booking


def _check_reading(odometer_km: int, soc_percent: float, previous_odometer: int | None) -> None:
    reasons = []
    if odometer_km < 0 or odometer_km > 2_000_000:
        reasons.append(Reason("odometer_invalid", field="odometer_km"))
    elif previous_odometer is not None and odometer_km < previous_odometer:
        reasons.append(Reason("odometer_below_previous", field="odometer_km", params={"previous": previous_odometer}))
    if not 0 <= soc_percent <= 100:
        reasons.append(Reason("soc_invalid", field="soc_percent"))
    if reasons:
        raise BookingRejected(reasons)


def pick_up(session: Session, actor: User, booking_id: int, *, odometer_km: int, soc_percent: float,
            now: datetime | None = None) -> Booking:
    """Mark the booking active and record the readings (from its grid slot before the start on)."""
    now = now or utcnow()
    booking = _own_active_action(session, actor, booking_id)
    if booking.status != "confirmed":
        raise BookingActionNotAllowed("not_confirmed")
    site = session.get(Site, booking.site_id)
    if now < booking.start_at - timedelta(minutes=max(site.buffer_minutes, 15)):
        raise BookingActionNotAllowed("too_early")
    if now >= booking.end_at:
        raise BookingActionNotAllowed("already_over")
    vehicle = booking.vehicle
    _check_reading(odometer_km, soc_percent, vehicle.odometer_km)
    before = audit.snapshot(booking, AUDITED)
    booking.status, booking.picked_up_at = "active", now
    booking.odometer_start_km, booking.soc_start_percent = odometer_km, soc_percent
    vehicle.odometer_km, vehicle.soc_percent, vehicle.soc_updated_at = odometer_km, soc_percent, now
    audit.record(session, actor=actor, action="booking.pick_up", obj=booking, before=before,
                 after={**audit.snapshot(booking, AUDITED), "odometer_km": odometer_km, "soc_percent": soc_percent})
    session.commit()
    return booking


def return_car(session: Session, actor: User, booking_id: int, *, odometer_km: int, soc_percent: float,
               plugged_in: bool, damage_note: str | None = None, now: datetime | None = None) -> Booking:
    """Complete the trip; a late return that runs into the next booking flags it and tells its resident."""
    now = now or utcnow()
    booking = _own_active_action(session, actor, booking_id)
    if booking.status != "active":
        raise BookingActionNotAllowed("not_active")
    _check_reading(odometer_km, soc_percent, booking.odometer_start_km)
    before = audit.snapshot(booking, AUDITED)
    vehicle = booking.vehicle
    booking.status, booking.returned_at = "completed", now
    booking.odometer_end_km, booking.soc_end_percent = odometer_km, soc_percent
    booking.plugged_in_on_return = plugged_in
    booking.damage_note = (damage_note or "").strip() or None
    vehicle.odometer_km, vehicle.soc_percent, vehicle.soc_updated_at = odometer_km, soc_percent, now
    if now > booking.end_at:
        _flag_next_after_late_return(session, booking, now)
    audit.record(session, actor=actor, action="booking.return", obj=booking, before=before,
                 after={**audit.snapshot(booking, AUDITED), "odometer_km": odometer_km, "soc_percent": soc_percent,
                        "damage_note": booking.damage_note, "late": now > booking.end_at})
    session.commit()
    return booking


def _flag_next_after_late_return(session: Session, booking: Booking, returned_at: datetime) -> None:
    site = session.get(Site, booking.site_id)
    buffer = timedelta(minutes=site.buffer_minutes)
    following = session.scalars(select(Booking).where(
        Booking.vehicle_id == booking.vehicle_id, Booking.status.in_(("pending", "confirmed")),
        Booking.start_at >= booking.end_at, Booking.start_at < returned_at + buffer)).all()
    for nxt in following:
        nxt.at_risk_reason = "late_return"
        booking_events.at_risk(session, nxt, why="late_return")


def extend_booking(session: Session, actor: User, booking_id: int, *, new_end: datetime,
                   now: datetime | None = None) -> Booking:
    """Drive longer, if the car is free afterwards and the rules allow the longer booking."""
    now = now or utcnow()
    begin_write(session)
    booking = _own_active_action(session, actor, booking_id)
    if booking.status not in ("active", "confirmed"):
        raise BookingActionNotAllowed("not_extendable")
    if new_end <= booking.end_at:
        raise BookingRejected([Reason("extension_not_later", field="end")])
    request = BookingRequest(booking.vehicle_id, booking.household_id, TimeSlot(booking.start_at, new_end),
                             booking.distance_km, actor.is_admin, exclude_booking_id=booking.id)
    loaded = load_request(session, request, now)
    ctx = loaded.context
    # The booking has started: only the new end matters, not "in the past" or the energy at pickup.
    ignored = {"in_past", "insufficient_charge", "distance_exceeds_range"}
    reasons = [r for r in evaluate_request(request, ctx).reasons if r.kind not in ignored]
    if not reasons and loaded.site_can_charge:  # coming back later leaves less time to charge for those after it
        reasons = [r for r in booking_charge_reasons(session, loaded.site, request, now) if r.kind not in ignored]
    if reasons:
        session.rollback()
        raise BookingRejected(reasons)
    before = audit.snapshot(booking, AUDITED)
    booking.end_at, booking.blocked_until = new_end, new_end + ctx.rules.buffer
    booking.sequence += 1
    audit.record(session, actor=actor, action="booking.extend", obj=booking, before=before,
                 after=audit.snapshot(booking, AUDITED))
    booking_events.changed(session, booking, actor=actor)
    session.commit()
    return booking


def mark_no_shows(session: Session, now: datetime | None = None) -> list[Booking]:
    """Confirmed bookings not picked up within the grace period: released (idempotent)."""
    now = now or utcnow()
    marked = []
    candidates = session.scalars(select(Booking).where(Booking.status == "confirmed", Booking.start_at < now)).all()
    for booking in candidates:
        site = session.get(Site, booking.site_id)
        if booking.start_at + timedelta(minutes=site.no_show_grace_minutes) > now:
            continue
        booking.status = "no_show"
        booking.sequence += 1
        audit.record(session, actor=None, action="booking.no_show", obj=booking, after={"status": "no_show"})
        marked.append(booking)
    if marked:
        from .waitlist import offer_freed_slot

        for booking in marked:
            offer_freed_slot(session, booking.vehicle_id, TimeSlot(max(now, booking.start_at), booking.end_at),
                             now=now)
    session.commit()
    return marked


def complete_finished(session: Session, now: datetime | None = None) -> list[Booking]:
    """Active bookings long past their end without a return are closed by the system (idempotent).

    A car still on the road is not completed: only after a day past the end, with an audit entry,
    so an administrator can follow up.
    """
    now = now or utcnow()
    stale = session.scalars(select(Booking).where(Booking.status == "active",
                                                  Booking.end_at < now - timedelta(hours=24))).all()
    for booking in stale:
        booking.status = "completed"
        booking.returned_at = booking.returned_at or now
        audit.record(session, actor=None, action="booking.auto_complete", obj=booking, after={"status": "completed"})
    session.commit()
    return list(stale)


def household_quota(session: Session, user: User, now: datetime | None = None) -> QuotaStatus:
    """How much of the household's booking quota is used and left."""
    now = now or utcnow()
    site = session.get(Site, user.site_id)
    rules = rules_of(site)
    if user.household_id is None:
        return quota_status(rules, now, [])
    bookings = session.scalars(select(Booking).where(
        Booking.household_id == user.household_id, live_booking(),
        Booking.end_at > now - timedelta(days=7))).all()
    return quota_status(rules, now, [busy_of(b).slot for b in bookings])


def vehicle_busy_intervals(session: Session, vehicle_id: int, start: datetime,
                           end: datetime) -> list[tuple[TimeSlot, str, object]]:
    """The car's bookings and blockouts that overlap [start, end), sorted."""
    bookings = session.scalars(select(Booking).where(
        Booking.vehicle_id == vehicle_id, live_booking(),
        Booking.start_at < end, Booking.end_at > start)).all()
    blockouts = session.scalars(select(Blockout).where(
        Blockout.vehicle_id == vehicle_id, Blockout.start_at < end, Blockout.end_at > start)).all()
    items = [(TimeSlot(b.start_at, b.end_at), "booking", b) for b in bookings]
    items += [(TimeSlot(b.start_at, b.end_at), "blockout", b) for b in blockouts]
    return sorted(items, key=lambda item: item[0].start)


def site_zone(site: Site) -> ZoneInfo:
    return ZoneInfo(site.timezone)
