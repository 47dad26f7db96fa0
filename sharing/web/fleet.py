"""The fleet overview: every car with its range and a week timeline (a table, readable by screen readers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, Flask, render_template, request
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..extensions import db
from ..models import Blockout, Booking, ChargeWindow, Household, Vehicle, live_booking, utcnow

bp = Blueprint("fleet", __name__)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@dataclass
class Block:
    """One thing in a car's day: a booking (own or someone's), a blockout, or charging."""

    kind: str  # "own", "booked", "blocked", "charging"
    start: datetime
    end: datetime
    label: str
    #: Position in the day's bar, in percent of 24 hours (for the SVG bar).
    x: float = 0
    width: float = 0
    #: "14:00–16:30" in the site's zone (24-hour clock in both languages, as on timetables).
    times: str = ""


@dataclass
class CarWeek:
    vehicle: Vehicle
    days: dict[date, list[Block]] = field(default_factory=dict)


def _week_start(requested: str | None, zone: ZoneInfo) -> date:
    today = datetime.now(zone).date()
    try:
        day = date.fromisoformat(requested) if requested else today
    except ValueError:
        day = today
    if abs((day - today).days) > 800:
        day = today
    return day - timedelta(days=day.weekday())


def _day_bounds(days: list[date], zone: ZoneInfo) -> list[tuple[date, datetime, datetime, float]]:
    """Each day's local midnight to midnight, and its length in seconds (23 or 25 hours on DST switch days:
    aware datetimes of one zone subtract as wall clocks, so the length is taken in UTC)."""
    bounds = []
    for day in days:
        begin = datetime.combine(day, time(0), zone)
        finish = datetime.combine(day + timedelta(days=1), time(0), zone)
        bounds.append((day, begin, finish, (finish.astimezone(UTC) - begin.astimezone(UTC)).total_seconds()))
    return bounds


def _split_by_day(items: list[Block], bounds: list[tuple[date, datetime, datetime, float]],
                  zone: ZoneInfo) -> dict[date, list[Block]]:
    """Cut each block at local midnights and place the pieces on their days (one pass over the blocks)."""
    result: dict[date, list[Block]] = {day: [] for day, *_ in bounds}
    for item in items:
        for day, begin, finish, seconds in bounds:
            if item.end <= begin or item.start >= finish:
                continue
            start, end = max(item.start, begin), min(item.end, finish)
            times = f"{start.astimezone(zone):%H:%M}–{end.astimezone(zone):%H:%M}"
            result[day].append(Block(item.kind, start, end, item.label,
                                     round((start - begin).total_seconds() / seconds * 100, 2),
                                     max(0.8, round((end - start).total_seconds() / seconds * 100, 2)), times))
    for pieces in result.values():
        pieces.sort(key=lambda b: b.start)
    return result


@bp.route("/cars")
@login_required
def overview():
    """The week (or the chosen date's week) of every car; others' bookings stay anonymous to residents."""
    zone = ZoneInfo(current_user.site.timezone)
    monday = _week_start(request.args.get("week") or request.args.get("date"), zone)
    days = [monday + timedelta(days=i) for i in range(7)]
    begin = datetime.combine(monday, time(0), zone)
    finish = datetime.combine(monday + timedelta(days=7), time(0), zone)
    cars = db.session.scalars(select(Vehicle).where(Vehicle.site_id == current_user.site_id,
                                                    Vehicle.status != "retired").order_by(Vehicle.name)).all()
    items: dict[int, list[Block]] = {car.id: [] for car in cars}

    def place(vehicle_id: int, block: Block) -> None:
        if vehicle_id in items:  # a retired car's leftovers are not shown
            items[vehicle_id].append(block)

    # Plain rows, not ORM objects: a busy week has hundreds of bookings.
    rows = db.session.execute(
        select(Booking.vehicle_id, Booking.household_id, Household.name, Booking.start_at, Booking.end_at)
        .join(Household, Household.id == Booking.household_id)
        .where(Booking.site_id == current_user.site_id, live_booking(), Booking.start_at < finish,
               Booking.end_at > begin))
    household_id, is_admin = current_user.household_id, current_user.is_admin
    own_label, other_label = _("your booking"), _("booked")
    for vehicle_id, booking_household, household_name, start_at, end_at in rows:
        own = booking_household == household_id
        label = own_label if own else (_("booked by %(name)s", name=household_name) if is_admin else other_label)
        place(vehicle_id, Block("own" if own else "booked", start_at, end_at, label))
    for blockout in db.session.scalars(select(Blockout).where(Blockout.site_id == current_user.site_id,
                                                              Blockout.start_at < finish, Blockout.end_at > begin)):
        place(blockout.vehicle_id, Block("blocked", blockout.start_at, blockout.end_at,
                                         _("maintenance") + (f": {blockout.reason}" if blockout.reason else "")))
    charging_label = _("charging")
    for window in db.session.scalars(select(ChargeWindow).where(
            ChargeWindow.site_id == current_user.site_id, ChargeWindow.status.in_(("planned", "running")),
            ChargeWindow.start_at < finish, ChargeWindow.end_at > begin)):
        place(window.vehicle_id, Block("charging", window.start_at, window.end_at, charging_label))
    bounds = _day_bounds(days, zone)
    weeks = [CarWeek(car, _split_by_day(items.get(car.id, []), bounds, zone)) for car in cars]
    today = datetime.now(zone).date()
    # Formatted once here, not once per car in the template.
    day_names = {day: (format_date(day, "EEE d.M."), format_date(day, "EEEE d.M.")) for day in days}
    return render_template("fleet/overview.html", weeks=weeks, days=days, day_names=day_names, monday=monday,
                           today=today,
                           previous_week=monday - timedelta(days=7), next_week=monday + timedelta(days=7),
                           now=utcnow(), zone=zone)
