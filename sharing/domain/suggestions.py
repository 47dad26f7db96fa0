"""Alternatives for a refused request: other cars at that time, or the same car at the nearest free time."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from .booking_rules import (
    BlockoutFacts,
    BookingRequest,
    BusyInterval,
    RuleContext,
    TripsBefore,
    VehicleFacts,
    car_reasons,
    evaluate_request,
    household_limit_reasons,
    time_reasons,
)
from .intervals import TimeSlot
from .localtime import ceil_to_grid, floor_to_grid


@dataclass(frozen=True)
class Suggestion:
    """A bookable alternative: a car and a time."""

    kind: str  # "other_vehicle", "earlier", "later"
    vehicle_id: int
    vehicle_name: str
    slot: TimeSlot
    enough_range: bool = True


@dataclass
class Suggestions:
    """Other cars free for exactly the requested time, and the nearest free slots on the requested car."""

    other_vehicles: list[Suggestion] = field(default_factory=list)
    earlier: Suggestion | None = None
    later: Suggestion | None = None

    def all(self) -> list[Suggestion]:
        return [*self.other_vehicles, *(s for s in (self.earlier, self.later) if s is not None)]


#: Reasons that another car or another time cannot cure, so alternatives are pointless.
_NOT_ABOUT_THE_CAR = {"off_grid", "too_short", "too_long", "in_past", "too_far_ahead", "household_booking_limit",
                      "nonexistent_local_time"}


def suggest(
    request: BookingRequest,
    ctx: RuleContext,
    *,
    other_vehicles: Sequence[VehicleFacts],
    bookings_by_vehicle: Mapping[int, Sequence[BusyInterval]],
    blockouts_by_vehicle: Mapping[int, Sequence[BlockoutFacts]],
    trips_by_vehicle: Mapping[int, TripsBefore] | None = None,
    limit: int = 5,
) -> Suggestions:
    """Alternatives that pass every rule, best first (cars with enough range before the others).

    `bookings_by_vehicle` needs the other cars' bookings near the requested time; their trips
    between now and then come either from there too or, summed per car, from `trips_by_vehicle`.
    """
    result = Suggestions()
    candidates = []
    # The times and the household's quota are the same whichever car it books: checked once, not per car.
    same_for_every_car = time_reasons(request, ctx) or (not request.is_admin and household_limit_reasons(request, ctx))
    for vehicle in other_vehicles if not same_for_every_car else ():
        if vehicle.id == request.vehicle_id or vehicle.status != "active":
            continue
        alt_ctx = replace(ctx, vehicle=vehicle, vehicle_bookings=bookings_by_vehicle.get(vehicle.id, ()),
                          blockouts=blockouts_by_vehicle.get(vehicle.id, ()),
                          trips_before=None if trips_by_vehicle is None else trips_by_vehicle.get(vehicle.id,
                                                                                                  TripsBefore()))
        reasons = car_reasons(replace(request, vehicle_id=vehicle.id), alt_ctx)
        if not reasons:
            candidates.append(Suggestion("other_vehicle", vehicle.id, vehicle.name, request.slot, True))
        elif all(r.kind == "insufficient_charge" for r in reasons):
            candidates.append(Suggestion("other_vehicle", vehicle.id, vehicle.name, request.slot, False))
    candidates.sort(key=lambda s: (not s.enough_range, s.vehicle_name))
    result.other_vehicles = candidates[:limit]
    result.earlier, result.later = nearest_free_slots(request, ctx)
    return result


def nearest_free_slots(request: BookingRequest, ctx: RuleContext) -> tuple[Suggestion | None, Suggestion | None]:
    """The free slots of the same length on the requested car closest before and after the request."""
    rules, zone, duration = ctx.rules, ctx.zone, request.slot.duration
    forbidden = _forbidden_starts(request, ctx, duration)
    earliest = floor_to_grid(ctx.now, rules.grid_minutes, zone)
    if earliest < ctx.now:
        earliest += timedelta(minutes=rules.grid_minutes)
    latest = ctx.now + rules.max_advance
    step = timedelta(minutes=rules.grid_minutes)

    def acceptable(start: datetime) -> bool:
        alternative = replace(request, slot=TimeSlot(start, start + duration))
        return evaluate_request(alternative, ctx).ok

    later = _walk(ceil_to_grid(request.slot.start, rules.grid_minutes, zone), forbidden, step, +1, earliest, latest,
                  acceptable, zone, rules.grid_minutes)
    earlier = _walk(floor_to_grid(request.slot.start, rules.grid_minutes, zone), forbidden, step, -1, earliest,
                    latest, acceptable, zone, rules.grid_minutes)
    vehicle = ctx.vehicle

    def make(kind: str, start: datetime | None) -> Suggestion | None:
        if start is None or start == request.slot.start:
            return None
        return Suggestion(kind, vehicle.id, vehicle.name, TimeSlot(start, start + duration))

    return make("earlier", earlier), make("later", later)


def _forbidden_starts(request: BookingRequest, ctx: RuleContext,
                      duration: timedelta) -> list[tuple[datetime, datetime]]:
    """Open intervals (a, b) of start times that would collide with a booking (incl. buffers) or a blockout."""
    spans = []
    for other in ctx.vehicle_bookings:
        if other.booking_id != request.exclude_booking_id and other.vehicle_id == request.vehicle_id:
            spans.append((other.slot.start - ctx.rules.buffer - duration, other.blocked_until))
    for blockout in ctx.blockouts:
        if blockout.vehicle_id == request.vehicle_id:
            spans.append((blockout.slot.start - duration, blockout.slot.end))
    spans.sort()
    merged: list[tuple[datetime, datetime]] = []
    for a, b in spans:
        if merged and a < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _walk(start, forbidden, step, direction, earliest, latest, acceptable, zone, grid, max_tries: int = 400):
    """Step over forbidden spans in one direction until a start passes every rule (or the horizon ends)."""
    candidate = start
    for _ in range(max_tries):
        if candidate < earliest or candidate > latest:
            return None
        blocking = next(((a, b) for a, b in forbidden if a < candidate < b), None)
        if blocking is not None:
            if direction > 0:
                candidate = ceil_to_grid(blocking[1], grid, zone)
            else:
                candidate = floor_to_grid(blocking[0], grid, zone)
            continue
        if acceptable(candidate):
            return candidate
        candidate += step * direction
    return None
