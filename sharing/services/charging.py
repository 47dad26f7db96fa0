"""Charge windows in the app: build the planning problem from the database, plan, store, flag risks.

The planner itself is pure (`sharing.domain.charging`, format in shared/planning/FORMAT.md); this
module only translates: cars, charging points, live bookings and the tariff become a problem, the
plan becomes ChargeWindow rows and each booking's expected charge at pick-up.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..domain.booking_rules import BookingRequest
from ..domain.charging import PlanningInputError, plan_to_dict, problem_from_dict, solve
from ..domain.errors import Reason
from ..domain.localtime import floor_to_grid
from ..models import Booking, ChargeWindow, ChargingPoint, Site, Vehicle, live_booking, utcnow
from . import booking_events
from .tariffs import load_curve

log = logging.getLogger(__name__)

SLOT_MINUTES = 15
HORIZON = timedelta(days=7)
CHARGE_EFFICIENCY = 0.9
#: A booking short by more than this (kWh) is at risk.
AT_RISK_KWH = 0.05
#: Seconds the optimiser may spend confirming that a booking cannot be served.
CONFIRM_SECONDS = 2.0
#: Planner id of the booking being asked about.
NEW_BOOKING = "request"


@dataclass
class PlanSummary:
    """What one planning run did."""

    windows: int
    bookings: int
    at_risk: int
    cost_eur: float


def build_problem(session: Session, site: Site, start: datetime) -> tuple[dict, dict]:
    """The site's charging problem from `start` for 7 days, and a map back from planner ids to rows."""
    slot = timedelta(minutes=SLOT_MINUTES)
    slots = int(HORIZON / slot)
    end = start + HORIZON
    cars = session.scalars(select(Vehicle).where(Vehicle.site_id == site.id, Vehicle.status != "retired")
                           .order_by(Vehicle.id)).all()
    points = session.scalars(select(ChargingPoint).where(ChargingPoint.site_id == site.id,
                                                         ChargingPoint.active.is_(True))
                             .order_by(ChargingPoint.id)).all()
    bookings = session.scalars(select(Booking).where(Booking.site_id == site.id, live_booking(),
                                                     Booking.end_at > start, Booking.start_at < end)
                               .order_by(Booking.start_at)).all()
    curve = load_curve(session, site, start, end)
    problem = {
        "start": start.isoformat(),
        "slot_minutes": SLOT_MINUTES,
        "slots": slots,
        "grid_limit_kw": site.grid_limit_kw,
        "tariff_eur_per_kwh": [curve.at(start + i * slot) for i in range(slots)],
        "charge_efficiency": CHARGE_EFFICIENCY,
        "vehicles": [{"id": f"v{c.id}", "battery_kwh": c.battery_kwh,
                      "soc_kwh": min(c.battery_kwh, c.battery_kwh * c.soc_percent / 100),
                      "max_charge_kw": c.max_charge_kw,
                      "reserve_kwh": c.battery_kwh * site.reserve_percent / 100} for c in cars],
        "chargers": [{"id": f"c{p.id}", "max_kw": p.max_power_kw,
                      **({"vehicles": [f"v{v.id}" for v in p.vehicles]} if p.vehicles else {})} for p in points],
        "bookings": [],
    }
    car_ids = {c.id for c in cars}
    for booking in bookings:
        if booking.vehicle_id not in car_ids:
            continue
        first, last = _slot_range(start, booking.start_at, booking.end_at, slots)
        energy = booking.distance_km * booking.vehicle.consumption_kwh_per_100km / 100
        problem["bookings"].append({"id": f"b{booking.id}", "vehicle": f"v{booking.vehicle_id}",
                                    "start_slot": first, "end_slot": last, "energy_kwh": energy})
    _drop_overlapping_slots(problem)
    return problem, {"bookings": {f"b{b.id}": b for b in bookings}, "cars": {f"v{c.id}": c for c in cars}}


def booking_charge_reasons(session: Session, site: Site, request: BookingRequest, now: datetime) -> list[Reason]:
    """What the charge plan says against a new or changed booking (empty: it can be served).

    Plans the site's week with the request added (the booking it changes taken out): "insufficient_charge"
    if the request itself would leave short, "charge_plan_conflict" if bookings that are served now would
    not be any more. A refusal the heuristic proposes is confirmed by the optimiser (briefly) first. Requests
    beyond the planning week are left to the simple range rule, and so are sites without charging points:
    callers ask only for sites that have some (`LoadedRequest.site_can_charge`), since building the site's
    problem costs more than the whole booking.
    """
    start = floor_to_grid(now, SLOT_MINUTES, ZoneInfo(site.timezone))
    if request.slot.start >= start + HORIZON or request.slot.end <= start:
        return []
    problem, rows = build_problem(session, site, start)
    car = rows["cars"].get(f"v{request.vehicle_id}")
    if car is None or not problem["chargers"]:
        return []
    changed = f"b{request.exclude_booking_id}"
    first, last = _slot_range(start, request.slot.start, request.slot.end, problem["slots"])
    new = {"id": NEW_BOOKING, "vehicle": f"v{car.id}", "start_slot": first, "end_slot": last,
           "energy_kwh": request.distance_km * car.consumption_kwh_per_100km / 100}
    before = [b for b in problem["bookings"] if b["id"] != changed]
    problem["bookings"] = sorted([*before, new], key=lambda b: b["start_slot"])
    _drop_overlapping_slots(problem)
    try:
        with_request = problem_from_dict(problem)
    except PlanningInputError:
        log.warning("charge check skipped: the site's charging problem is invalid", exc_info=True)
        return []
    short_before: set[str] | None = None
    for method in ("heuristic", "exact"):
        plan = solve(with_request, method=method, time_limit_s=CONFIRM_SECONDS)
        short = {o.id for o in plan.bookings if o.shortfall_kwh > AT_RISK_KWH}
        if short - {NEW_BOOKING} and short_before is None:
            baseline = problem_from_dict({**problem, "bookings": before})
            short_before = {o.id for o in solve(baseline, method="heuristic").bookings if o.shortfall_kwh > AT_RISK_KWH}
        broken = short - {NEW_BOOKING} - (short_before or set())
        if NEW_BOOKING not in short and not broken:
            return []
    reasons = []
    if NEW_BOOKING in short:
        outcome = next(o for o in plan.bookings if o.id == NEW_BOOKING)
        needed = outcome.soc_at_start_kwh + outcome.shortfall_kwh
        reasons.append(Reason("insufficient_charge", field="distance_km", params={
            "available_kwh": round(outcome.soc_at_start_kwh, 1), "needed_kwh": round(needed, 1),
            "range_km": int(outcome.soc_at_start_kwh / car.consumption_kwh_per_100km * 100)}))
    if broken:
        reasons.append(Reason("charge_plan_conflict", params={"count": len(broken)}))
    return reasons


def _slot_range(start: datetime, begin: datetime, end: datetime, slots: int) -> tuple[int, int]:
    """Slots [first, last) a trip from `begin` to `end` covers, the end rounded up to the next slot."""
    slot_seconds = SLOT_MINUTES * 60
    first = max(0, int((begin - start).total_seconds() // slot_seconds))
    ceil_end = -(-int((end - start).total_seconds()) // slot_seconds)
    return first, min(slots, max(first + 1, ceil_end))


def _drop_overlapping_slots(problem: dict) -> None:
    """Bookings of a car never overlap, but rounding to quarter hours could make neighbours touch twice."""
    last_end: dict[str, int] = {}
    for booking in problem["bookings"]:
        booking["start_slot"] = max(booking["start_slot"], last_end.get(booking["vehicle"], 0))
        booking["end_slot"] = max(booking["end_slot"], booking["start_slot"] + 1)
        last_end[booking["vehicle"]] = booking["end_slot"]
    problem["bookings"] = [b for b in problem["bookings"] if b["end_slot"] <= problem["slots"]]


def replan(session: Session, site: Site, *, now: datetime | None = None, method: str = "heuristic",
           time_limit_s: float = 20) -> PlanSummary:
    """Plan the site's charging anew; replaces the planned future windows in one transaction."""
    now = now or utcnow()
    start = floor_to_grid(now, SLOT_MINUTES, ZoneInfo(site.timezone))
    problem, rows = build_problem(session, site, start)
    if not problem["chargers"] or not problem["vehicles"]:
        session.execute(delete(ChargeWindow).where(ChargeWindow.site_id == site.id, ChargeWindow.status == "planned"))
        session.commit()
        return PlanSummary(0, len(problem["bookings"]), 0, 0.0)
    plan = plan_to_dict(solve(problem_from_dict(problem), method=method, time_limit_s=time_limit_s))
    key = uuid.uuid4().hex[:12]
    slot = timedelta(minutes=SLOT_MINUTES)
    session.execute(delete(ChargeWindow).where(ChargeWindow.site_id == site.id, ChargeWindow.status == "planned"))
    tariff = problem["tariff_eur_per_kwh"]
    for window in plan["windows"]:
        powers = window["power_kw"]
        hours = SLOT_MINUTES / 60
        session.add(ChargeWindow(
            site_id=site.id, vehicle_id=int(window["vehicle"][1:]), charging_point_id=int(window["charger"][1:]),
            start_at=start + window["start_slot"] * slot, end_at=start + window["end_slot"] * slot,
            power_kw=[round(p, 3) for p in powers], slot_minutes=SLOT_MINUTES,
            energy_kwh=round(sum(powers) * hours, 3),
            cost_eur=round(sum(p * hours * tariff[window["start_slot"] + i] for i, p in enumerate(powers)), 4),
            status="planned", plan_key=key))
    at_risk = 0
    for outcome in plan["bookings"]:
        booking = rows["bookings"][outcome["id"]]
        car = rows["cars"][f"v{booking.vehicle_id}"]
        booking.planned_soc_percent = round(min(100.0, outcome["soc_at_start_kwh"] / car.battery_kwh * 100), 1)
        if outcome["shortfall_kwh"] > AT_RISK_KWH and booking.status in ("pending", "confirmed"):
            at_risk += 1
            if booking.at_risk_reason != "insufficient_charge":
                booking.at_risk_reason = "insufficient_charge"
                booking_events.at_risk(session, booking, why="insufficient_charge")
        elif booking.at_risk_reason == "insufficient_charge":
            booking.at_risk_reason = None
    session.commit()
    return PlanSummary(len(plan["windows"]), len(plan["bookings"]), at_risk, plan["cost_eur"])


def charge_windows_between(session: Session, site_id: int, start: datetime, end: datetime) -> list[ChargeWindow]:
    """Planned and running windows of a site in [start, end) (for the timeline and the admin chart)."""
    return list(session.scalars(select(ChargeWindow).where(
        ChargeWindow.site_id == site_id, ChargeWindow.status.in_(("planned", "running")),
        ChargeWindow.start_at < end, ChargeWindow.end_at > start).order_by(ChargeWindow.start_at)))
