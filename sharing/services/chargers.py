"""Charger drivers: how planned charge windows reach the charging points.

One small interface — start, change power, stop, read energy — so a real backend (an OCPP central
system, a wallbox's local API) can take the place of the simulated driver without touching the
planner or the scheduler. `drive(...)` runs every scheduler tick: it starts the windows that are due,
follows each window's power from slot to slot, stops finished windows, and books the energy the
driver reports onto the car's state of charge. Starts, power changes and stops are claimed in the
job ledger, so a retry or a second scheduler never sends a command twice; the car's charge follows
the driver's absolute meter reading, so a late, repeated or missed tick neither adds nor loses energy.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ChargeWindow, utcnow
from .ledger import claim

log = logging.getLogger(__name__)

CHARGE_EFFICIENCY = 0.9


class ChargerDriver(Protocol):
    """What Quartierauto needs from a charging point."""

    def start(self, window: ChargeWindow, power_kw: float, now: datetime) -> None:
        """Switch the window's charging point on for its car at this power."""

    def change_power(self, window: ChargeWindow, power_kw: float, now: datetime) -> None:
        """Charge at another power from now on (0 pauses)."""

    def stop(self, window: ChargeWindow, now: datetime) -> None:
        """Switch the charging point off."""

    def read_energy_kwh(self, window: ChargeWindow, now: datetime) -> float:
        """Energy the point has delivered in this window so far (its meter, from the grid side)."""


class SimulatedDriver:
    """Charges exactly as planned: the meter is the planned power integrated from the start until now.

    Stateless (it derives everything from the window), so it survives restarts and takeovers; the
    demo's cars gain charge as the plan says.
    """

    def start(self, window: ChargeWindow, power_kw: float, now: datetime) -> None:
        log.info("simulated charger: window %s starts at %.1f kW", window.id, power_kw)

    def change_power(self, window: ChargeWindow, power_kw: float, now: datetime) -> None:
        log.info("simulated charger: window %s now at %.1f kW", window.id, power_kw)

    def stop(self, window: ChargeWindow, now: datetime) -> None:
        log.info("simulated charger: window %s stops", window.id)

    def read_energy_kwh(self, window: ChargeWindow, now: datetime) -> float:
        slot = timedelta(minutes=window.slot_minutes)
        until = min(now, window.end_at)
        energy = 0.0
        for i, power in enumerate(window.power_kw):
            begin = window.start_at + i * slot
            overlap = (min(begin + slot, until) - begin).total_seconds()
            if overlap > 0:
                energy += power * overlap / 3600
        return energy


#: The drivers an installation can choose with CHARGER_DRIVER.
DRIVERS = {"simulated": SimulatedDriver}


def driver_named(name: str) -> ChargerDriver:
    try:
        return DRIVERS[name]()
    except KeyError:
        raise ValueError(f"unknown CHARGER_DRIVER {name!r}; known: {', '.join(sorted(DRIVERS))}") from None


def power_at(window: ChargeWindow, moment: datetime) -> float:
    """The planned power of the window's slot that contains `moment` (0 outside the window)."""
    index = int((moment - window.start_at) / timedelta(minutes=window.slot_minutes))
    return float(window.power_kw[index]) if 0 <= index < len(window.power_kw) else 0.0


@dataclass
class DriveSummary:
    started: int = 0
    changed: int = 0
    stopped: int = 0
    charged_kwh: float = 0.0


def drive(session: Session, driver: ChargerDriver, *, now: datetime | None = None, holder: str = "") -> DriveSummary:
    """One tick: start due windows, follow their power, stop finished ones, book the metered energy. Commits."""
    now = now or utcnow()
    summary = DriveSummary()
    windows = session.scalars(select(ChargeWindow).where(ChargeWindow.status.in_(("planned", "running")),
                                                         ChargeWindow.start_at <= now)
                              .order_by(ChargeWindow.start_at)).all()
    for window in windows:
        if window.status == "planned":
            if not claim(session, f"charge-start:{window.id}", "charger", holder):
                continue  # another scheduler started it a moment ago; it goes on from there
            driver.start(window, power_at(window, now), now)
            window.status, window.started_at = "running", now
            summary.started += 1
        slot = int((min(now, window.end_at) - window.start_at) / timedelta(minutes=window.slot_minutes))
        if (now < window.end_at and slot > 0 and power_at(window, now) != window.power_kw[slot - 1]
                and claim(session, f"charge-power:{window.id}:{slot}", "charger", holder)):
            driver.change_power(window, power_at(window, now), now)
            summary.changed += 1
        summary.charged_kwh += _book_energy(window, driver.read_energy_kwh(window, now), now)
        if now >= window.end_at and claim(session, f"charge-stop:{window.id}", "charger", holder):
            driver.stop(window, now)
            window.status, window.stopped_at = "done", window.end_at
            summary.stopped += 1
    session.commit()
    return summary


def _book_energy(window: ChargeWindow, metered_kwh: float, now: datetime) -> float:
    """Add what the meter shows beyond what was booked already to the car's charge; returns that energy."""
    new = metered_kwh - (window.energy_delivered_kwh or 0.0)
    if new <= 1e-9:
        return 0.0
    car = window.vehicle
    car.soc_percent = min(100.0, car.soc_percent + new * CHARGE_EFFICIENCY / car.battery_kwh * 100)
    car.soc_updated_at = now
    window.energy_delivered_kwh = round(metered_kwh, 6)
    return new
