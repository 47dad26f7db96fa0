"""The booking rules, on plain values: a request in, every reason against it out."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate
from zoneinfo import ZoneInfo

from .errors import BookingRejected, Reason
from .intervals import TimeSlot, overlaps
from .localtime import floor_to_grid, on_grid

CHARGE_EFFICIENCY = 0.9


@dataclass(frozen=True)
class BookingRules:
    """A site's booking rules (defaults as agreed with residents' associations)."""

    grid_minutes: int = 15
    min_duration: timedelta = timedelta(minutes=30)
    max_duration: timedelta = timedelta(hours=72)
    max_advance: timedelta = timedelta(days=60)
    buffer: timedelta = timedelta(minutes=15)
    max_future_bookings: int = 4
    max_hours_per_7_days: float = 30
    reserve_percent: float = 10
    approval_threshold: timedelta | None = None


@dataclass(frozen=True)
class VehicleFacts:
    """What the rules need to know about a car."""

    id: int
    name: str
    status: str
    battery_kwh: float
    soc_percent: float
    consumption_kwh_per_100km: float
    max_charge_kw: float
    requires_approval: bool = False

    def trip_energy_kwh(self, distance_km: float) -> float:
        return distance_km * self.consumption_kwh_per_100km / 100.0


@dataclass(frozen=True)
class BusyInterval:
    """A live booking: its time and the end of its handover buffer."""

    booking_id: int
    vehicle_id: int
    household_id: int
    slot: TimeSlot
    blocked_until: datetime
    distance_km: float = 0

    @property
    def blocked(self) -> TimeSlot:
        return TimeSlot(self.slot.start, self.blocked_until)


@dataclass(frozen=True)
class BlockoutFacts:
    """A maintenance blockout of a car."""

    vehicle_id: int
    slot: TimeSlot
    reason: str = ""


@dataclass(frozen=True)
class BookingRequest:
    """What a resident (or an admin on their behalf) asks for."""

    vehicle_id: int
    household_id: int
    slot: TimeSlot
    distance_km: float = 0
    is_admin: bool = False
    exclude_booking_id: int | None = None


#: (request, context) -> reasons; replaceable by the charge planner's check.
EnergyCheck = Callable[["BookingRequest", "RuleContext"], list[Reason]]


@dataclass(frozen=True)
class RuleContext:
    """Everything the rules compare a request with."""

    now: datetime
    zone: ZoneInfo
    rules: BookingRules
    vehicle: VehicleFacts
    #: Live bookings of the requested car near the requested time.
    vehicle_bookings: Sequence[BusyInterval] = ()
    #: Live bookings of the household from 7 days before the request to 7 days after it.
    household_bookings: Sequence[BusyInterval] = ()
    blockouts: Sequence[BlockoutFacts] = ()
    energy_check: EnergyCheck | None = None
    #: The car's trips before the request, if the caller summed them (else taken from vehicle_bookings).
    trips_before: TripsBefore | None = None
    #: The household's live bookings not yet ended (the one being changed left out), if the caller
    #: counted them (else counted in household_bookings, which must then hold all of them).
    household_future_bookings: int | None = None


@dataclass
class Decision:
    """The answer to a request: every reason against it, and whether an admin must approve it."""

    reasons: list[Reason] = field(default_factory=list)
    needs_approval: bool = False

    @property
    def ok(self) -> bool:
        return not self.reasons


def evaluate_request(request: BookingRequest, ctx: RuleContext) -> Decision:
    """Check a request against every rule; all reasons are collected, not just the first."""
    reasons = [*time_reasons(request, ctx), *_vehicle_rules(request, ctx), *_conflicts(request, ctx)]
    if not request.is_admin:
        reasons += household_limit_reasons(request, ctx)
    reasons += (ctx.energy_check or energy_check)(request, ctx)
    rules = ctx.rules
    needs_approval = ctx.vehicle.requires_approval or (
        rules.approval_threshold is not None and request.slot.duration > rules.approval_threshold)
    return Decision(reasons=reasons, needs_approval=needs_approval and not request.is_admin)


def check_or_raise(request: BookingRequest, ctx: RuleContext) -> Decision:
    """The decision, or BookingRejected with every reason."""
    decision = evaluate_request(request, ctx)
    if not decision.ok:
        raise BookingRejected(decision.reasons)
    return decision


def car_reasons(request: BookingRequest, ctx: RuleContext) -> list[Reason]:
    """The reasons that depend on the car alone: its state and blockouts, its bookings, its charge."""
    return [*_vehicle_rules(request, ctx), *_conflicts(request, ctx),
            *(ctx.energy_check or energy_check)(request, ctx)]


def time_reasons(request: BookingRequest, ctx: RuleContext) -> list[Reason]:
    """The rules on the requested times themselves: grid, length, not in the past, not too far ahead."""
    rules, slot = ctx.rules, request.slot
    reasons = []
    for name, moment in (("start", slot.start), ("end", slot.end)):
        if not on_grid(moment, rules.grid_minutes, ctx.zone):
            reasons.append(Reason("off_grid", field=name, rule={"grid_minutes": rules.grid_minutes}))
    # Booking "now" is fine: the current grid slot has not ended yet.
    if slot.start < floor_to_grid(ctx.now, rules.grid_minutes, ctx.zone):
        reasons.append(Reason("in_past", field="start"))
    if slot.duration < rules.min_duration:
        reasons.append(Reason("too_short", field="end",
                              rule={"min_duration_minutes": int(rules.min_duration.total_seconds() // 60)}))
    if slot.duration > rules.max_duration:
        reasons.append(Reason("too_long", field="end",
                              rule={"max_duration_hours": rules.max_duration.total_seconds() / 3600}))
    if slot.start > ctx.now + rules.max_advance:
        reasons.append(Reason("too_far_ahead", field="start", rule={"max_advance_days": rules.max_advance.days}))
    return reasons


def _vehicle_rules(request: BookingRequest, ctx: RuleContext) -> list[Reason]:
    reasons = []
    if ctx.vehicle.status != "active":
        reasons.append(Reason("vehicle_unavailable", field="vehicle", params={"status": ctx.vehicle.status}))
    for blockout in ctx.blockouts:
        if blockout.vehicle_id == request.vehicle_id and overlaps(blockout.slot, request.slot):
            reasons.append(Reason("blockout", field="vehicle", interval=blockout.slot,
                                  params={"reason": blockout.reason}))
    return reasons


def _conflicts(request: BookingRequest, ctx: RuleContext) -> list[Reason]:
    """Bookings of the same car the request (with buffers on both sides) runs into."""
    wanted = request.slot.padded(ctx.rules.buffer)
    reasons = []
    for other in sorted(ctx.vehicle_bookings, key=lambda b: b.slot.start):
        if other.booking_id == request.exclude_booking_id or other.vehicle_id != request.vehicle_id:
            continue
        if not overlaps(wanted, other.blocked):
            continue
        kind = "vehicle_booked" if overlaps(request.slot, other.slot) else "buffer_conflict"
        reasons.append(Reason(kind, field="start", interval=other.slot,
                              rule={"buffer_minutes": int(ctx.rules.buffer.total_seconds() // 60)},
                              params={"own_household": other.household_id == request.household_id}))
    return reasons


def household_limit_reasons(request: BookingRequest, ctx: RuleContext) -> list[Reason]:
    """Fairness: at most N future bookings and H booked hours in any 7 days per household."""
    rules = ctx.rules
    mine = [b for b in ctx.household_bookings
            if b.household_id == request.household_id and b.booking_id != request.exclude_booking_id]
    reasons = []
    used = ctx.household_future_bookings
    if used is None:
        used = sum(1 for b in mine if b.slot.end > ctx.now)
    if used + 1 > rules.max_future_bookings:
        reasons.append(Reason("household_booking_limit", rule={"max_future_bookings": rules.max_future_bookings},
                              params={"used": used}))
    hours = max_hours_in_any_window([b.slot for b in mine], request.slot, timedelta(days=7))
    if hours > rules.max_hours_per_7_days + 1e-9:
        reasons.append(Reason("household_hours_limit", field="end",
                              rule={"max_hours_per_7_days": rules.max_hours_per_7_days},
                              params={"hours": round(hours, 2)}))
    return reasons


def max_hours_in_any_window(existing: Sequence[TimeSlot], new: TimeSlot, length: timedelta) -> float:
    """The most booked hours (existing plus new) inside any window of `length` that overlaps `new`.

    The maximum of a sum of overlaps is reached with a window starting at some booking's
    start or ending at some booking's end, so only those candidates are tried. The booked time
    in a window is B(end) - B(start), where B(t) is the time booked before t: with the starts and
    ends sorted and summed up once, each candidate costs two binary searches (households that book
    a lot would otherwise cost n squared).
    """
    # Work in seconds since the new start: plain float arithmetic.
    origin, span = new.start, length.total_seconds()
    slots = [((s.start - origin).total_seconds(), (s.end - origin).total_seconds())
             for s in existing if s.end > new.start - length and s.start < new.end + length]
    new_end = (new.end - origin).total_seconds()
    slots.append((0.0, new_end))
    starts, ends = sorted(s for s, _ in slots), sorted(e for _, e in slots)
    start_sums, end_sums = list(accumulate(starts, initial=0.0)), list(accumulate(ends, initial=0.0))

    def booked_before(t: float) -> float:
        begun, ended = bisect_left(starts, t), bisect_left(ends, t)
        return (begun * t - start_sums[begun]) - (ended * t - end_sums[ended])

    best = 0.0
    for window_start in {s for s, _ in slots} | {e - span for _, e in slots}:
        window_end = window_start + span
        if window_end <= 0.0 or window_start >= new_end:  # the window must overlap the new booking
            continue
        best = max(best, booked_before(window_end) - booked_before(window_start))
    return best / 3600


def energy_needed_kwh(vehicle: VehicleFacts, distance_km: float, rules: BookingRules) -> float:
    """Trip energy plus the reserve the rules keep in the battery."""
    return vehicle.trip_energy_kwh(distance_km) + vehicle.battery_kwh * rules.reserve_percent / 100.0


@dataclass(frozen=True)
class TripsBefore:
    """A car's other trips between now and a request's start: hours on the road and kilometres."""

    driving_hours: float = 0.0
    distance_km: float = 0.0


def trips_before(request: BookingRequest, ctx: RuleContext) -> TripsBefore:
    """The car's trips that end after now and by the request's start (the one being changed excluded).

    Summed by the caller (`ctx.trips_before`) or here from `ctx.vehicle_bookings`, which must then
    hold every booking of the car from now on.
    """
    if ctx.trips_before is not None:
        return ctx.trips_before
    earlier = [b for b in ctx.vehicle_bookings
               if b.booking_id != request.exclude_booking_id and ctx.now < b.slot.end <= request.slot.start]
    driving = sum((b.slot.end - max(b.slot.start, ctx.now)).total_seconds() for b in earlier) / 3600
    return TripsBefore(driving, sum(b.distance_km for b in earlier))


def energy_check(request: BookingRequest, ctx: RuleContext) -> list[Reason]:
    """Whether the car can have enough charge at pickup (without a charge plan).

    Available = today's charge plus charging at the car's full power while it stands
    before the start, less the energy of its other trips before then — a simple upper
    estimate the charge planner replaces with its plan.
    """
    vehicle = ctx.vehicle
    needed = energy_needed_kwh(vehicle, request.distance_km, ctx.rules)
    if needed > vehicle.battery_kwh:
        max_km = max(0, int((vehicle.battery_kwh * (1 - ctx.rules.reserve_percent / 100))
                            / vehicle.consumption_kwh_per_100km * 100))
        return [Reason("distance_exceeds_range", field="distance_km", params={"max_km": max_km})]
    trips = trips_before(request, ctx)
    parked_hours = max(0.0, (request.slot.start - ctx.now).total_seconds() / 3600 - trips.driving_hours)
    charged = vehicle.max_charge_kw * CHARGE_EFFICIENCY * parked_hours
    available = vehicle.battery_kwh * vehicle.soc_percent / 100 + charged
    available = min(vehicle.battery_kwh, available) - vehicle.trip_energy_kwh(trips.distance_km)
    if available + 1e-9 < needed:
        return [Reason("insufficient_charge", field="distance_km",
                       params={"available_kwh": round(max(available, 0), 1), "needed_kwh": round(needed, 1),
                               "range_km": max(0, int(max(available, 0) / vehicle.consumption_kwh_per_100km * 100))})]
    return []
