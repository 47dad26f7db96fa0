"""Loading what the booking rules need from the database (the first step of the two-step check)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Float, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from ..domain.booking_rules import (
    BlockoutFacts,
    BookingRequest,
    BookingRules,
    BusyInterval,
    RuleContext,
    TripsBefore,
    VehicleFacts,
)
from ..domain.intervals import TimeSlot
from ..domain.suggestions import Suggestions, suggest
from ..models import Blockout, Booking, Site, Vehicle, live_booking
from ..models.types import UTCDateTime

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



#: The columns the rules read of a booking, loaded as plain rows (no ORM objects: a suggestion
#: reads hundreds of bookings, and building entities for them costs more than the query).
_BUSY_COLUMNS = (Booking.id, Booking.vehicle_id, Booking.household_id, Booking.start_at, Booking.end_at,
                 Booking.blocked_until, Booking.distance_km)


def active_vehicle_facts(session: Session, site_id: int) -> list[VehicleFacts]:
    """The site's active cars as the rules see them, by name (plain rows: no ORM objects needed)."""
    rows = session.execute(
        select(Vehicle.id, Vehicle.name, Vehicle.status, Vehicle.battery_kwh, Vehicle.soc_percent,
               Vehicle.consumption_kwh_per_100km, Vehicle.max_charge_kw, Vehicle.requires_approval)
        .where(Vehicle.site_id == site_id, Vehicle.status == "active").order_by(Vehicle.name))
    return [VehicleFacts(*row) for row in rows]


def busy_of(booking: Booking) -> BusyInterval:
    return BusyInterval(booking.id, booking.vehicle_id, booking.household_id,
                        TimeSlot(booking.start_at, booking.end_at), booking.blocked_until, booking.distance_km)


def _busy_intervals(session: Session, *conditions) -> list[BusyInterval]:
    rows = session.execute(select(*_BUSY_COLUMNS).where(live_booking(), *conditions))
    return [BusyInterval(id_, vehicle_id, household_id, TimeSlot(start, end), blocked_until, distance_km)
            for id_, vehicle_id, household_id, start, end, blocked_until, distance_km in rows]


def live_bookings_near(session: Session, vehicle_ids: list[int], start: datetime, end: datetime,
                       margin: timedelta) -> list[BusyInterval]:
    """Live bookings of these cars whose blocked time comes within `margin` of [start, end)."""
    if not vehicle_ids:
        return []
    return _busy_intervals(session, Booking.vehicle_id.in_(vehicle_ids), Booking.start_at < end + margin,
                           Booking.blocked_until > start - margin)


def blockouts_near(session: Session, vehicle_ids: list[int], start: datetime, end: datetime) -> list[BlockoutFacts]:
    if not vehicle_ids:
        return []
    rows = session.execute(select(Blockout.vehicle_id, Blockout.start_at, Blockout.end_at, Blockout.reason).where(
        Blockout.vehicle_id.in_(vehicle_ids), Blockout.start_at < end, Blockout.end_at > start))
    return [BlockoutFacts(vehicle_id, TimeSlot(start_at, end_at), reason or "")
            for vehicle_id, start_at, end_at, reason in rows]


def household_bookings(session: Session, household_id: int, start: datetime, end: datetime,
                       now: datetime) -> list[BusyInterval]:
    """The household's live bookings that matter for its quotas around [start, end)."""
    return _busy_intervals(session, Booking.household_id == household_id,
                           Booking.end_at > min(now, start - HOUSEHOLD_WINDOW))


class seconds_between(FunctionElement):
    """Seconds from one timestamp to another, in SQL (each database spells the difference its own way)."""

    type = Float()
    inherit_cache = True


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(seconds_between)
def _seconds_between_postgresql(element, compiler, **kw):
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"EXTRACT(EPOCH FROM ({end} - {start}))"


def trips_before_by_vehicle(session: Session, vehicle_ids: list[int], now: datetime,
                            until: datetime) -> dict[int, TripsBefore]:
    """Per car, its live trips that end after `now` and by `until`, summed in the database.

    The same sums as `booking_rules.trips_before`, without loading every booking of every car
    between now and a request far ahead (suggestions look at all cars at once).
    """
    if not vehicle_ids or until <= now:
        return {}
    on_road_from = case((Booking.start_at > now, Booking.start_at), else_=literal(now, UTCDateTime()))
    rows = session.execute(
        select(Booking.vehicle_id, func.sum(seconds_between(on_road_from, Booking.end_at)),
               func.sum(Booking.distance_km))
        .where(live_booking(), Booking.vehicle_id.in_(vehicle_ids), Booking.end_at > now, Booking.end_at <= until)
        .group_by(Booking.vehicle_id))
    return {vehicle_id: TripsBefore(float(seconds or 0) / 3600, float(km or 0)) for vehicle_id, seconds, km in rows}


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
        vehicle_bookings=near,
        household_bookings=household,
        blockouts=blockouts,
        energy_check=energy_check,
    )


def suggestions_for(session: Session, site: Site, request: BookingRequest, ctx: RuleContext) -> Suggestions:
    """Alternatives for a refused request, from one query for all cars' bookings around the time."""
    vehicles = active_vehicle_facts(session, site.id)
    ids = [v.id for v in vehicles if v.id != request.vehicle_id]
    margin = ctx.rules.buffer + timedelta(minutes=1)
    by_vehicle: dict[int, list[BusyInterval]] = defaultdict(list)
    for busy in live_bookings_near(session, ids, request.slot.start, request.slot.end, margin):
        by_vehicle[busy.vehicle_id].append(busy)
    trips = trips_before_by_vehicle(session, ids, ctx.now, request.slot.start)
    blocked: dict[int, list[BlockoutFacts]] = defaultdict(list)
    for blockout in blockouts_near(session, ids, request.slot.start, request.slot.end):
        blocked[blockout.vehicle_id].append(blockout)
    # The same car at another time needs its bookings over a wider range.
    wide = timedelta(days=3) + request.slot.duration
    ctx_wide = _widen(session, ctx, request, wide)
    return suggest(request, ctx_wide, other_vehicles=vehicles,
                   bookings_by_vehicle=by_vehicle, blockouts_by_vehicle=blocked, trips_by_vehicle=trips)


def _widen(session: Session, ctx: RuleContext, request: BookingRequest, wide: timedelta) -> RuleContext:
    from dataclasses import replace

    start, end = request.slot.start - wide, request.slot.end + wide
    return replace(ctx, vehicle_bookings=live_bookings_near(session, [request.vehicle_id], start, end,
                                                           ctx.rules.buffer),
                   blockouts=blockouts_near(session, [request.vehicle_id], start, end))
