"""Loading what the booking rules need from the database (the first step of the two-step check)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.booking_rules import BlockoutFacts, BookingRequest, BookingRules, BusyInterval, RuleContext, VehicleFacts
from ..domain.intervals import TimeSlot
from ..domain.suggestions import Suggestions, suggest
from ..models import Blockout, Booking, Site, Vehicle, live_booking

#: How far around a request bookings are loaded: the longest booking plus the 7-day quota window.
HOUSEHOLD_WINDOW = timedelta(days=7)


def rules_of(site: Site) -> BookingRules:
    """The site's booking rules as a plain value."""
    return BookingRules(
        grid_minutes=site.grid_minutes,
        min_duration=timedelta(minutes=site.min_duration_minutes),
        max_duration=timedelta(minutes=site.max_duration_minutes),
        max_advance=timedelta(days=site.max_advance_days),
        buffer=timedelta(minutes=site.buffer_minutes),
        max_future_bookings=site.max_future_bookings,
        max_hours_per_7_days=site.max_hours_per_7_days,
        reserve_percent=site.reserve_percent,
        approval_threshold=(timedelta(hours=site.approval_threshold_hours)
                            if site.approval_threshold_hours is not None else None),
    )


def facts_of(vehicle: Vehicle) -> VehicleFacts:
    """A car as the rules see it."""
    return VehicleFacts(
        id=vehicle.id, name=vehicle.name, status=vehicle.status, battery_kwh=vehicle.battery_kwh,
        soc_percent=vehicle.soc_percent, consumption_kwh_per_100km=vehicle.consumption_kwh_per_100km,
        max_charge_kw=vehicle.max_charge_kw, requires_approval=vehicle.requires_approval,
    )


def busy_of(booking: Booking) -> BusyInterval:
    return BusyInterval(booking.id, booking.vehicle_id, booking.household_id,
                        TimeSlot(booking.start_at, booking.end_at), booking.blocked_until, booking.distance_km)


def live_bookings_near(session: Session, vehicle_ids: list[int], start: datetime, end: datetime,
                       margin: timedelta) -> list[Booking]:
    """Live bookings of these cars whose blocked time comes within `margin` of [start, end)."""
    if not vehicle_ids:
        return []
    return list(session.scalars(
        select(Booking).where(
            Booking.vehicle_id.in_(vehicle_ids),
            live_booking(),
            Booking.start_at < end + margin,
            Booking.blocked_until > start - margin,
        )
    ))


def blockouts_near(session: Session, vehicle_ids: list[int], start: datetime, end: datetime) -> list[Blockout]:
    if not vehicle_ids:
        return []
    return list(session.scalars(
        select(Blockout).where(Blockout.vehicle_id.in_(vehicle_ids), Blockout.start_at < end, Blockout.end_at > start)
    ))


def household_bookings(session: Session, household_id: int, start: datetime, end: datetime,
                       now: datetime) -> list[Booking]:
    """The household's live bookings that matter for its quotas around [start, end)."""
    return list(session.scalars(
        select(Booking).where(
            Booking.household_id == household_id,
            live_booking(),
            Booking.end_at > min(now, start - HOUSEHOLD_WINDOW),
        )
    ))


def rule_context(session: Session, site: Site, vehicle: Vehicle, request: BookingRequest, now: datetime,
                 energy_check=None) -> RuleContext:
    """The rule context for one request: the car's nearby bookings and blockouts, the household's bookings."""
    rules = rules_of(site)
    slot = request.slot
    # Earlier trips since now matter for the charge estimate, so load from now on as well.
    window_start = min(slot.start, now) if slot.start > now else slot.start
    margin = rules.buffer + timedelta(minutes=1)
    near = live_bookings_near(session, [vehicle.id], window_start, slot.end, margin)
    blockouts = blockouts_near(session, [vehicle.id], slot.start, slot.end)
    household = household_bookings(session, request.household_id, slot.start, slot.end, now)
    return RuleContext(
        now=now, zone=ZoneInfo(site.timezone), rules=rules, vehicle=facts_of(vehicle),
        vehicle_bookings=[busy_of(b) for b in near],
        household_bookings=[busy_of(b) for b in household],
        blockouts=[BlockoutFacts(b.vehicle_id, TimeSlot(b.start_at, b.end_at), b.reason) for b in blockouts],
        energy_check=energy_check,
    )


def suggestions_for(session: Session, site: Site, request: BookingRequest, ctx: RuleContext) -> Suggestions:
    """Alternatives for a refused request, from one query for all cars' bookings around the time."""
    vehicles = list(session.scalars(
        select(Vehicle).where(Vehicle.site_id == site.id, Vehicle.status == "active").order_by(Vehicle.name)))
    ids = [v.id for v in vehicles if v.id != request.vehicle_id]
    margin = ctx.rules.buffer + timedelta(minutes=1)
    by_vehicle: dict[int, list[BusyInterval]] = defaultdict(list)
    for booking in live_bookings_near(session, ids, min(request.slot.start, ctx.now), request.slot.end, margin):
        by_vehicle[booking.vehicle_id].append(busy_of(booking))
    blocked: dict[int, list[BlockoutFacts]] = defaultdict(list)
    for blockout in blockouts_near(session, ids, request.slot.start, request.slot.end):
        blocked[blockout.vehicle_id].append(BlockoutFacts(blockout.vehicle_id,
                                                          TimeSlot(blockout.start_at, blockout.end_at)))
    # The same car at another time needs its bookings over a wider range.
    wide = timedelta(days=3) + request.slot.duration
    ctx_wide = _widen(session, ctx, request, wide)
    return suggest(request, ctx_wide, other_vehicles=[facts_of(v) for v in vehicles],
                   bookings_by_vehicle=by_vehicle, blockouts_by_vehicle=blocked)


def _widen(session: Session, ctx: RuleContext, request: BookingRequest, wide: timedelta) -> RuleContext:
    from dataclasses import replace

    start, end = request.slot.start - wide, request.slot.end + wide
    near = live_bookings_near(session, [request.vehicle_id], start, end, ctx.rules.buffer)
    blockouts = blockouts_near(session, [request.vehicle_id], start, end)
    return replace(ctx, vehicle_bookings=[busy_of(b) for b in near],
                   blockouts=[BlockoutFacts(b.vehicle_id, TimeSlot(b.start_at, b.end_at), b.reason)
                              for b in blockouts])
