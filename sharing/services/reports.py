"""Monthly reports: how much each car was used, what each household booked, drove and charged, who pays what.

Everything is computed from a handful of queries for the month (no query per booking or car).
Months and weeks are the site's local calendar; hours are real elapsed hours.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..domain.cost_split import Share, Usage, overlap_hours, split_costs
from ..models import Booking, ChargeWindow, Household, Site, Vehicle
from .tariffs import PriceCurve, load_curve

#: Bookings that held the car (a no-show held it too); pending ones are not approved yet.
BOOKED = ("confirmed", "active", "completed", "no_show")
#: Energy estimated from a trip is priced as if charged in the hours after the return.
RECHARGE_WINDOW = timedelta(hours=12)


@dataclass(frozen=True)
class Period:
    """A local calendar period as an interval of aware UTC datetimes."""

    label: str
    start: datetime
    end: datetime

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600.0


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    # in UTC: arithmetic on two datetimes of the same zone would ignore a DST change in between
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def month_period(zone: ZoneInfo, month: date) -> Period:
    """The local calendar month that contains `month`."""
    first = month.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Period(first.strftime("%Y-%m"), _local_midnight(first, zone), _local_midnight(following, zone))


def week_periods(zone: ZoneInfo, month: Period) -> list[Period]:
    """The ISO weeks (Monday to Monday, local) that touch the month."""
    local_start = month.start.astimezone(zone).date()
    monday = local_start - timedelta(days=local_start.weekday())
    weeks = []
    while _local_midnight(monday, zone) < month.end:
        following = monday + timedelta(days=7)
        iso = monday.isocalendar()
        weeks.append(Period(f"{iso.year}-W{iso.week:02d}", _local_midnight(monday, zone),
                            _local_midnight(following, zone)))
        monday = following
    return weeks


@dataclass
class CarRow:
    """A car's figures for the month."""

    vehicle: Vehicle
    hours: float = 0.0
    utilisation: float = 0.0
    weekly: list[float] = field(default_factory=list)
    km: float = 0.0
    kwh: float = 0.0
    cost_eur: float = 0.0
    measured: bool = False  # energy from the charging points rather than estimated from trips


@dataclass
class HouseholdRow:
    """A household's figures for the month and its share of the costs."""

    household: Household
    bookings: int = 0
    hours: float = 0.0
    km: float = 0.0
    kwh: float = 0.0
    cost_eur: float = 0.0
    share: Share | None = None


@dataclass
class MonthReport:
    """Everything the report page and the CSV export show."""

    site: Site
    month: Period
    weeks: list[Period]
    cars: list[CarRow]
    households: list[HouseholdRow]
    fixed_costs_eur: float
    energy_cost_eur: float
    unassigned_kwh: float

    @property
    def total_cost_eur(self) -> float:
        return round(self.fixed_costs_eur + self.energy_cost_eur, 2)


#: The columns of a booking the report reads (plain rows: thousands of them per month).
TRIP_COLUMNS = (Booking.vehicle_id, Booking.household_id, Booking.start_at, Booking.end_at, Booking.status,
                Booking.returned_at, Booking.distance_km, Booking.odometer_start_km, Booking.odometer_end_km,
                Booking.soc_start_percent, Booking.soc_end_percent)


def driven_km(trip) -> float:
    """Kilometres of a finished trip: from the odometer, else the distance given when booking."""
    if trip.odometer_start_km is not None and trip.odometer_end_km is not None:
        return float(trip.odometer_end_km - trip.odometer_start_km)
    return float(trip.distance_km or 0)


def trip_kwh(trip, battery_kwh: float) -> float:
    """Energy a finished trip took out of the battery, from the state of charge at pick-up and return."""
    if trip.soc_start_percent is None or trip.soc_end_percent is None:
        return 0.0
    return max(0.0, trip.soc_start_percent - trip.soc_end_percent) / 100.0 * battery_kwh


def month_report(session: Session, site: Site, month: date) -> MonthReport:
    """Utilisation, usage, energy and the cost split of one local month."""
    zone = ZoneInfo(site.timezone)
    period = month_period(zone, month)
    weeks = week_periods(zone, period)
    span_start, span_end = min(period.start, weeks[0].start), max(period.end, weeks[-1].end)
    trips = session.execute(select(*TRIP_COLUMNS).where(
        Booking.site_id == site.id, Booking.status.in_(BOOKED), Booking.start_at < span_end,
        Booking.end_at > span_start)).all()
    vehicles = list(session.scalars(select(Vehicle).where(Vehicle.site_id == site.id).order_by(Vehicle.name)))
    households = list(session.scalars(select(Household).where(Household.site_id == site.id).order_by(Household.name)))
    windows = list(session.scalars(select(ChargeWindow).where(
        ChargeWindow.site_id == site.id, ChargeWindow.energy_delivered_kwh.is_not(None),
        ChargeWindow.start_at >= period.start, ChargeWindow.start_at < period.end)))
    curve = load_curve(session, site, period.start, period.end + RECHARGE_WINDOW)

    cars = {v.id: CarRow(v, weekly=[0.0] * len(weeks)) for v in vehicles}
    homes = {h.id: HouseholdRow(h) for h in households}
    trip_energy: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))  # car -> household -> kWh
    trip_cost: dict[int, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for b in trips:
        car, home = cars[b.vehicle_id], homes[b.household_id]
        for i, week in enumerate(weeks):
            if b.start_at < week.end and week.start < b.end_at:
                car.weekly[i] += overlap_hours(b.start_at, b.end_at, week.start, week.end)
        hours = overlap_hours(b.start_at, b.end_at, period.start, period.end)
        if hours <= 0:
            continue
        car.hours += hours
        home.hours += hours
        if not period.start <= b.start_at < period.end:
            continue
        home.bookings += 1
        if b.status == "completed":
            km = driven_km(b)
            car.km += km
            home.km += km
            kwh = trip_kwh(b, car.vehicle.battery_kwh)
            returned = b.returned_at or b.end_at
            trip_energy[b.vehicle_id][b.household_id] += kwh
            trip_cost[b.vehicle_id][b.household_id] += kwh * curve.mean(returned, returned + RECHARGE_WINDOW)

    _measured_energy(cars, windows, curve)
    unassigned = _energy_per_car_and_household(cars, homes, trip_energy, trip_cost)
    for car in cars.values():
        car.utilisation = car.hours / period.hours
        car.weekly = [h / w.hours for h, w in zip(car.weekly, weeks, strict=True)]
    energy_cost = round(sum(c.cost_eur for c in cars.values()), 2)
    usage = {h: Usage(r.km, r.hours) for h, r in homes.items()}
    shares = split_costs(usage, site.monthly_fixed_costs_eur + energy_cost, mode=site.cost_split_mode,
                         mix_km_weight=site.cost_split_km_weight)
    for h, share in shares.items():
        homes[h].share = share
    shown_cars = [c for c in cars.values() if c.vehicle.status != "retired" or c.hours or c.kwh]
    return MonthReport(site, period, weeks, shown_cars, list(homes.values()), site.monthly_fixed_costs_eur,
                       energy_cost, unassigned)


def _measured_energy(cars: dict[int, CarRow], windows: list[ChargeWindow], curve: PriceCurve) -> None:
    for w in windows:
        car = cars.get(w.vehicle_id)
        if car is None:
            continue
        car.measured = True
        car.kwh += w.energy_delivered_kwh
        car.cost_eur += w.energy_delivered_kwh * curve.mean(w.start_at, w.stopped_at or w.end_at)


def _energy_per_car_and_household(cars: dict[int, CarRow], homes: dict[int, HouseholdRow],
                                  trip_energy: dict[int, dict[int, float]],
                                  trip_cost: dict[int, dict[int, float]]) -> float:
    """Car energy (measured or estimated) shared out to households by their trips' energy; returns kWh unassigned."""
    unassigned = 0.0
    for car_id, car in cars.items():
        by_home = trip_energy.get(car_id, {})
        trips_total = sum(by_home.values())
        if not car.measured:
            car.kwh = trips_total
            car.cost_eur = sum(trip_cost.get(car_id, {}).values())
            for h, kwh in by_home.items():
                homes[h].kwh += kwh
                homes[h].cost_eur += trip_cost[car_id][h]
        elif trips_total > 0:
            for h, kwh in by_home.items():
                homes[h].kwh += car.kwh * kwh / trips_total
                homes[h].cost_eur += car.cost_eur * kwh / trips_total
        else:
            unassigned += car.kwh
    for car in cars.values():
        car.cost_eur = round(car.cost_eur, 2)
    return unassigned
