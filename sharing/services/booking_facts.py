"""Loading what the booking rules need from the database (the first step of the two-step check).

A booking request is the app's hot path, so its reads are few: the statements are built once,
with bound parameters (no statement building or cache-key work per request), and apart from the
requested car and its site the rows stay tuples (no ORM objects). Checking a request takes two
round trips (the car with its totals, then the nearby intervals); its suggestions two more.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Float,
    Integer,
    Text,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal_column,
    null,
    select,
    union_all,
)
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
from ..models import Blockout, Booking, ChargingPoint, Site, Vehicle, live_booking
from ..models.types import UTCDateTime, can_be_id

#: The window of the hours-per-7-days rule on either side of a request.
HOUSEHOLD_WINDOW = timedelta(days=7)
#: How far before and after a refused request the same car's nearest free slots are looked for.
SAME_CAR_SEARCH = timedelta(days=3)


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


# --- The statements, built once --------------------------------------------------------------------------------

def _at(name: str):
    """A bound point in time (stored as UTC, like every column)."""
    return bindparam(name, type_=UTCDateTime())


_NOW = _at("now")
_NOT_CHANGED = Booking.id.is_distinct_from(bindparam("changed_id", type_=Integer()))
_BUSY_COLUMNS = (Booking.id, Booking.vehicle_id, Booking.household_id, Booking.start_at, Booking.end_at,
                 Booking.blocked_until, Booking.distance_km, cast(null(), Text()).label("reason"))
_BLOCKOUT_COLUMNS = (Blockout.id, Blockout.vehicle_id, cast(null(), Integer()), Blockout.start_at, Blockout.end_at,
                     Blockout.end_at, literal_column("0"), Blockout.reason)


def _rows(kind: str, columns, *where):
    return select(literal_column(f"'{kind}'").label("kind"), *columns).where(*where)


def _trips_where(until):
    """Live trips that end after now and by `until` (the changed booking left out).

    `start_at < until` follows from the others, and lets the index on (car, start) narrow the search.
    """
    return (live_booking(), Booking.end_at > _NOW, Booking.end_at <= until, Booking.start_at < until, _NOT_CHANGED)


_ON_ROAD_FROM = case((Booking.start_at > _NOW, Booking.start_at), else_=_NOW)
_DRIVING_SECONDS = func.coalesce(func.sum(seconds_between(_ON_ROAD_FROM, Booking.end_at)), 0.0)
_DISTANCE_KM = func.coalesce(func.sum(Booking.distance_km), 0)

_household_future = select(func.count()).where(
    live_booking(), Booking.household_id == bindparam("household_id"), Booking.end_at > _NOW, _NOT_CHANGED)
_car_trips = select(_DRIVING_SECONDS, _DISTANCE_KM).where(Booking.vehicle_id == Vehicle.id, *_trips_where(_at("start")))
#: The requested car and its site, with the household's bookings not yet ended, the car's trips between
#: now and the request, and whether the site has charging points: one row.
_REQUEST_HEAD = (
    select(Vehicle, Site, _household_future.scalar_subquery().label("household_future"),
           _car_trips.with_only_columns(_DRIVING_SECONDS).scalar_subquery().label("driving_seconds"),
           _car_trips.with_only_columns(_DISTANCE_KM).scalar_subquery().label("distance_km"),
           exists().where(ChargingPoint.site_id == Vehicle.site_id).label("site_can_charge"))
    .join(Site, Site.id == Vehicle.site_id).where(Vehicle.id == bindparam("vehicle_id"))
)

_car_bookings = _rows("car", _BUSY_COLUMNS, live_booking(), Booking.vehicle_id == bindparam("vehicle_id"),
                      Booking.start_at < _at("car_until"), Booking.blocked_until > _at("car_from"))
_car_blockouts = _rows("blockout", _BLOCKOUT_COLUMNS, Blockout.vehicle_id == bindparam("vehicle_id"),
                       Blockout.start_at < _at("car_until"), Blockout.end_at > _at("car_from"))
_household_bookings = _rows("household", _BUSY_COLUMNS, live_booking(),
                            Booking.household_id == bindparam("household_id"),
                            Booking.start_at < _at("household_until"), Booking.end_at > _at("household_from"))
#: The car's bookings and blockouts near a time, and the household's bookings around it.
_REQUEST_INTERVALS = union_all(_car_bookings, _car_blockouts, _household_bookings)

# The site's other active cars joined, not a list of ids: the statement's text stays the same (and short
# enough for psycopg to cache and prepare it) whatever the fleet, and each car's index is searched.
_other_car = (Vehicle.site_id == bindparam("site_id"), Vehicle.status == "active",
              Vehicle.id != bindparam("vehicle_id"))
_other_bookings = _rows("car", _BUSY_COLUMNS, live_booking(), *_other_car, Booking.start_at < _at("others_until"),
                        Booking.blocked_until > _at("others_from")).join_from(Booking, Vehicle)
_other_blockouts = _rows("blockout", _BLOCKOUT_COLUMNS, *_other_car, Blockout.start_at < _at("others_until"),
                         Blockout.end_at > _at("others_from")).join_from(Blockout, Vehicle)
#: For suggestions: the same, over days around the request, plus the other cars' intervals at its time.
_SUGGESTION_INTERVALS = union_all(_car_bookings, _car_blockouts, _household_bookings, _other_bookings,
                                  _other_blockouts)

_trips_by_car = (select(Booking.vehicle_id, _DRIVING_SECONDS.label("driving_seconds"),
                        _DISTANCE_KM.label("distance_km"))
                 .join_from(Booking, Vehicle)
                 .where(Vehicle.site_id == bindparam("site_id"), *_trips_where(_at("start")))
                 .group_by(Booking.vehicle_id).subquery())
#: The site's active cars by name, each with its trips between now and the request.
_ACTIVE_CARS = (
    select(Vehicle.id, Vehicle.name, Vehicle.status, Vehicle.battery_kwh, Vehicle.soc_percent,
           Vehicle.consumption_kwh_per_100km, Vehicle.max_charge_kw, Vehicle.requires_approval,
           func.coalesce(_trips_by_car.c.driving_seconds, 0.0).label("driving_seconds"),
           func.coalesce(_trips_by_car.c.distance_km, 0).label("distance_km"))
    .outerjoin(_trips_by_car, _trips_by_car.c.vehicle_id == Vehicle.id)
    .where(Vehicle.site_id == bindparam("site_id"), Vehicle.status == "active").order_by(Vehicle.name, Vehicle.id)
)


# --- Loading ---------------------------------------------------------------------------------------------------

@dataclass
class _Intervals:
    """Rows of an intervals statement, sorted by kind."""

    cars: dict[int, list[BusyInterval]]
    blockouts: dict[int, list[BlockoutFacts]]
    household: list[BusyInterval]


def _intervals(session: Session, statement, params: dict) -> _Intervals:
    result = _Intervals(defaultdict(list), defaultdict(list), [])
    for kind, id_, vehicle_id, household_id, start, end, blocked_until, distance_km, reason in (
            session.connection().execute(statement, params)):
        if kind == "blockout":
            result.blockouts[vehicle_id].append(BlockoutFacts(vehicle_id, TimeSlot(start, end), reason or ""))
            continue
        busy = BusyInterval(id_, vehicle_id, household_id, TimeSlot(start, end), blocked_until, distance_km)
        (result.household if kind == "household" else result.cars[vehicle_id]).append(busy)
    return result


def _interval_params(request: BookingRequest, car_from: datetime, car_until: datetime) -> dict:
    slot = request.slot
    return {"vehicle_id": request.vehicle_id, "household_id": request.household_id, "car_from": car_from,
            "car_until": car_until, "household_from": car_from - HOUSEHOLD_WINDOW,
            "household_until": max(car_until, slot.end) + HOUSEHOLD_WINDOW}


@dataclass
class LoadedRequest:
    """A booking request's car and site, and everything the rules compare the request with."""

    vehicle: Vehicle
    site: Site
    context: RuleContext
    #: Whether the charge plan must be asked too (a site without charging points has none).
    site_can_charge: bool


def load_request(session: Session, request: BookingRequest, now: datetime,
                 energy_check=None) -> LoadedRequest | None:
    """The car, its site and the rule context of one request, in two round trips (None: no such car).

    The car's bookings and blockouts near the request, the household's bookings within the 7-day
    window around it, the household's bookings not yet ended (counted) and the car's trips between
    now and the request (summed): history never enters, so the cost does not grow with it.
    """
    if not can_be_id(request.vehicle_id):
        return None
    slot = request.slot
    head = session.execute(_REQUEST_HEAD, {
        "vehicle_id": request.vehicle_id, "household_id": request.household_id, "now": now, "start": slot.start,
        "changed_id": request.exclude_booking_id}).one_or_none()
    if head is None:
        return None
    vehicle, site, household_future, driving_seconds, distance_km, site_can_charge = head
    rules = rules_of(site)
    margin = rules.buffer + timedelta(minutes=1)
    near = _intervals(session, _REQUEST_INTERVALS, _interval_params(request, slot.start - margin, slot.end + margin))
    context = RuleContext(
        now=now, zone=ZoneInfo(site.timezone), rules=rules, vehicle=facts_of(vehicle),
        vehicle_bookings=near.cars[vehicle.id], household_bookings=near.household,
        blockouts=near.blockouts[vehicle.id], energy_check=energy_check,
        trips_before=TripsBefore(float(driving_seconds) / 3600, float(distance_km)),
        household_future_bookings=household_future,
    )
    return LoadedRequest(vehicle, site, context, bool(site_can_charge))


def rule_context(session: Session, request: BookingRequest, now: datetime, energy_check=None) -> RuleContext:
    """The rule context of a request for a car known to exist (see load_request)."""
    loaded = load_request(session, request, now, energy_check)
    if loaded is None:
        raise LookupError(f"no vehicle {request.vehicle_id}")
    return loaded.context


def active_vehicles_with_trips(session: Session, site_id: int, now: datetime,
                               until: datetime) -> list[tuple[VehicleFacts, TripsBefore]]:
    """The site's active cars by name, each with its live trips that end after `now` and by `until`."""
    rows = session.connection().execute(_ACTIVE_CARS, {"site_id": site_id, "now": now, "start": until,
                                                       "changed_id": None})
    return [(VehicleFacts(*row[:8]), TripsBefore(float(row.driving_seconds) / 3600, float(row.distance_km)))
            for row in rows]


def suggestions_for(session: Session, site: Site, request: BookingRequest, ctx: RuleContext) -> Suggestions:
    """Alternatives for a refused request: the cars and their trips, then every interval they need."""
    cars = active_vehicles_with_trips(session, site.id, ctx.now, request.slot.start)
    # The same car at another time needs its bookings (and the household's) over days around the request.
    wide = SAME_CAR_SEARCH + request.slot.duration
    margin = ctx.rules.buffer + timedelta(minutes=1)
    params = {**_interval_params(request, request.slot.start - wide, request.slot.end + wide), "site_id": site.id,
              "others_from": request.slot.start - margin, "others_until": request.slot.end + margin}
    found = _intervals(session, _SUGGESTION_INTERVALS, params)
    # Trips before each alternative start are summed from the wide list instead of the request's own sum (trips
    # before the window are left out: an estimate for a suggestion; booking it checks everything again).
    ctx_wide = replace(ctx, vehicle_bookings=found.cars.pop(request.vehicle_id, []),
                       blockouts=found.blockouts.pop(request.vehicle_id, []), household_bookings=found.household,
                       trips_before=None)
    return suggest(request, ctx_wide, other_vehicles=[facts for facts, _ in cars], bookings_by_vehicle=found.cars,
                   blockouts_by_vehicle=found.blockouts, trips_by_vehicle={facts.id: trips for facts, trips in cars})
