"""Plain values of the charge-planning problem and its plan (see /work/shared/planning/FORMAT.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime


class PlanningInputError(ValueError):
    """A problem (or window list) that breaks the exchange format; carries a (field, reason) pair."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}" if field else reason)
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Vehicle:
    """A car of the fleet with its battery state at slot 0."""

    id: str
    battery_kwh: float
    soc_kwh: float
    max_charge_kw: float
    reserve_kwh: float = 0.0


@dataclass(frozen=True)
class Charger:
    """A charging point; `vehicles` (when not None) lists the only cars allowed to use it."""

    id: str
    max_kw: float
    vehicles: tuple[str, ...] | None = None

    def allows(self, vehicle_id: str) -> bool:
        """Whether the vehicle may park at this charging point."""
        return self.vehicles is None or vehicle_id in self.vehicles


@dataclass(frozen=True)
class Booking:
    """A trip: the car is away during the half-open slot range [start_slot, end_slot)."""

    id: str
    vehicle: str
    start_slot: int
    end_slot: int
    energy_kwh: float


@dataclass(frozen=True)
class Problem:
    """Everything the planner needs: horizon, site limits, prices, fleet, charging points, bookings."""

    start: datetime
    slot_minutes: int
    slots: int
    grid_limit_kw: float
    tariff_eur_per_kwh: tuple[float, ...]
    charge_efficiency: float
    vehicles: tuple[Vehicle, ...]
    chargers: tuple[Charger, ...]
    bookings: tuple[Booking, ...]
    pv_kw: tuple[float, ...] | None = None
    feed_in_eur_per_kwh: float = 0.0

    @property
    def slot_hours(self) -> float:
        """Length of one slot in hours."""
        return self.slot_minutes / 60.0

    def required_kwh(self, booking: Booking) -> float:
        """State of charge a booking needs at its start to count as served (rule 5)."""
        vehicle = self.vehicle(booking.vehicle)
        return min(booking.energy_kwh + vehicle.reserve_kwh, vehicle.battery_kwh)

    def vehicle(self, vehicle_id: str) -> Vehicle:
        """The vehicle with this id."""
        for vehicle in self.vehicles:
            if vehicle.id == vehicle_id:
                return vehicle
        raise KeyError(vehicle_id)


@dataclass(frozen=True)
class Window:
    """A contiguous run of slots in which one vehicle draws power at one charger."""

    vehicle: str
    charger: str
    start_slot: int
    end_slot: int
    power_kw: tuple[float, ...]

    def energy_kwh(self, slot_hours: float) -> float:
        """Energy drawn from the grid side during the window."""
        return sum(self.power_kw) * slot_hours


@dataclass(frozen=True)
class BookingOutcome:
    """What a plan means for one booking."""

    id: str
    soc_at_start_kwh: float
    shortfall_kwh: float

    @property
    def served(self) -> bool:
        """Whether the car leaves with enough charge."""
        return self.shortfall_kwh == 0.0


@dataclass(frozen=True)
class Plan:
    """Charge windows and the numbers they imply; `method` and `optimal` are not part of the JSON."""

    windows: tuple[Window, ...]
    bookings: tuple[BookingOutcome, ...]
    cost_eur: float
    method: str = ""
    #: True when the optimiser proved the plan optimal (within its gap tolerance).
    optimal: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def total_shortfall_kwh(self) -> float:
        """Sum of the bookings' shortfalls."""
        return sum(outcome.shortfall_kwh for outcome in self.bookings)

    @property
    def served_count(self) -> int:
        """Number of bookings served."""
        return sum(1 for outcome in self.bookings if outcome.served)

    def with_method(self, method: str, optimal: bool = False, notes: Iterable[str] = ()) -> Plan:
        """The same plan, labelled with the method that produced it."""
        return Plan(self.windows, self.bookings, self.cost_eur, method, optimal, tuple(notes))
