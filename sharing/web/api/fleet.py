"""Cars, availability and charge windows through the API (for every resident with the read scope)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import Booking, Vehicle
from ...services import bookings, charging
from ...services.booking_lifecycle import vehicle_busy_intervals
from . import present
from . import schemas as s
from .blueprint import bp
from .problems import ApiProblem
from .registry import Caller, operation

#: The longest period one availability or charge-window request may span.
MAX_PERIOD = timedelta(days=31)


def period(query) -> tuple[datetime, datetime]:
    """The query's from/to, refused with 422 when empty, reversed or longer than 31 days."""
    from flask_babel import gettext as _

    if query.to <= query.from_:
        raise ApiProblem(422, errors=[{"field": "query.to", "code": "end_before_start",
                                       "message": _("The end must be after the start.")}])
    if query.to - query.from_ > MAX_PERIOD:
        raise ApiProblem(422, errors=[{"field": "query.to", "code": "period_too_long",
                                       "message": _("At most %(n)s days at a time.", n=MAX_PERIOD.days)}])
    return query.from_, query.to


def vehicle_in_site(caller: Caller, vehicle_id: int) -> Vehicle:
    """The car if it belongs to the caller's site; 404 otherwise (no existence leak)."""
    car = db.session.get(Vehicle, vehicle_id)
    if car is None or car.site_id != caller.user.site_id:
        raise ApiProblem(404)
    return car


@operation(bp, "GET", "/me", summary="Who am I", tag="account", response=s.MeOut)
def me(caller: Caller):
    """The token's user, household, site and scopes."""
    user = caller.user
    return s.MeOut(id=user.id, name=user.name, email=user.email, role=user.role, language=user.language,
                   household_id=user.household_id, household_name=user.household.name if user.household else None,
                   site=s.SiteOut(id=user.site.id, name=user.site.name, timezone=user.site.timezone),
                   scopes=sorted(caller.scopes))


@operation(bp, "GET", "/vehicles", summary="List cars", tag="vehicles", query=s.VehicleQuery, response=s.VehicleList)
def list_vehicles(caller: Caller, query: s.VehicleQuery):
    """Every car of the site with its charge and range now (retired cars only when asked for)."""
    statement = select(Vehicle).where(Vehicle.site_id == caller.user.site_id)
    statement = statement.where(Vehicle.status == query.status) if query.status else statement.where(
        Vehicle.status != "retired")
    cars = db.session.scalars(statement.order_by(Vehicle.name, Vehicle.id)
                              .options(selectinload(Vehicle.charging_points))).all()  # not one query per car
    return s.VehicleList(items=[present.vehicle(car) for car in cars])


@operation(bp, "GET", "/vehicles/<int:vehicle_id>", summary="Read a car", tag="vehicles", response=s.VehicleOut)
def get_vehicle(caller: Caller, vehicle_id: int):
    """One car with its state of charge and range."""
    return present.vehicle(vehicle_in_site(caller, vehicle_id))


@operation(bp, "GET", "/availability", summary="Cars free for a whole period", tag="availability",
           query=s.PeriodQuery, response=s.FreeVehicles)
def free_vehicles(caller: Caller, query: s.PeriodQuery):
    """The active cars with no booking (handover time included) and no blockout in [from, to)."""
    start, end = period(query)
    cars = bookings.free_vehicles(db.session, caller.user.site_id, start, end, with_charging_points=True)
    zone = present.zone_of(caller.user)
    return s.FreeVehicles(period=present.slot(start, end, zone), items=[present.vehicle(c) for c in cars])


@operation(bp, "GET", "/vehicles/<int:vehicle_id>/availability", summary="Free and busy times of a car",
           tag="availability", query=s.PeriodQuery, response=s.VehicleAvailability)
def vehicle_availability(caller: Caller, vehicle_id: int, query: s.PeriodQuery):
    """Busy intervals (bookings with their handover time, blockouts; others' bookings anonymous) and the gaps."""
    car = vehicle_in_site(caller, vehicle_id)
    start, end = period(query)
    zone = present.zone_of(caller.user)
    busy = []
    for slot, kind, obj in vehicle_busy_intervals(db.session, car.id, start, end):
        until = obj.blocked_until if isinstance(obj, Booking) else slot.end
        own = isinstance(obj, Booking) and obj.household_id == caller.user.household_id
        busy.append((max(slot.start, start), min(until, end), kind, own))
    free, cursor = [], start
    for begin, finish, _kind, _own in sorted(busy):
        if begin > cursor:
            free.append((cursor, begin))
        cursor = max(cursor, finish)
    if cursor < end:
        free.append((cursor, end))
    return s.VehicleAvailability(
        vehicle_id=car.id, timezone=zone.key, period=present.slot(start, end, zone),
        busy=[{"kind": kind, "own": own, **present.slot(a, b, zone)} for a, b, kind, own in busy],
        free=[{"kind": "free", **present.slot(a, b, zone)} for a, b in free])


@operation(bp, "GET", "/charge-windows", summary="Planned charging", tag="charging", query=s.ChargeWindowQuery,
           response=s.ChargeWindowList)
def list_charge_windows(caller: Caller, query: s.ChargeWindowQuery):
    """Planned and running charge windows of the site's cars in [from, to)."""
    start, end = period(query)
    windows = charging.charge_windows_between(db.session, caller.user.site_id, start, end)
    if query.vehicle_id is not None:
        windows = [w for w in windows if w.vehicle_id == query.vehicle_id]
    zone = present.zone_of(caller.user)
    return s.ChargeWindowList(items=[present.charge_window(w, zone) for w in windows])
