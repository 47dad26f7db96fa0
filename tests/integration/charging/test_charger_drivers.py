"""Charger drivers: windows started, followed and stopped once each, and the metered energy in the car."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from sharing.models import ChargeWindow, JobLedger, Vehicle
from sharing.services import chargers, charging

NOW = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)


class RecordingDriver(chargers.SimulatedDriver):
    """The simulated charger, noting every command it gets (the charging point is the boundary here)."""

    def __init__(self):
        self.commands: list[tuple[str, int, float | None]] = []

    def start(self, window, power_kw, now):
        self.commands.append(("start", window.id, power_kw))

    def change_power(self, window, power_kw, now):
        self.commands.append(("power", window.id, power_kw))

    def stop(self, window, now):
        self.commands.append(("stop", window.id, None))


@pytest.fixture
def planned(session, site, resident, make_vehicle, make_charging_point, make_booking_row):
    """A car at 20 % with a long trip in 8 hours: the plan charges it in one window or more."""
    car = make_vehicle(soc_percent=20)
    make_charging_point(max_power_kw=11)
    make_booking_row(vehicle=car, user=resident, start=NOW + timedelta(hours=8), end=NOW + timedelta(hours=9),
                     distance_km=200)
    charging.replan(session, site, now=NOW)
    windows = session.scalars(select(ChargeWindow).order_by(ChargeWindow.start_at)).all()
    assert windows, "the plan must charge the car"
    return car, windows


def test_simulated_charger_adds_the_planned_energy_once(session, planned):
    car, windows = planned
    first = windows[0]
    driver = chargers.SimulatedDriver()
    before = session.get(Vehicle, car.id).soc_percent
    an_hour_in = first.start_at + timedelta(hours=1)
    chargers.drive(session, driver, now=an_hour_in)
    chargers.drive(session, driver, now=an_hour_in)  # the same tick again (a retry): nothing more
    planned_kwh = sum(first.power_kw[:4]) * 0.25
    gained = session.get(Vehicle, car.id).soc_percent - before
    assert gained == pytest.approx(planned_kwh * 0.9 / car.battery_kwh * 100, abs=0.01)
    assert session.get(ChargeWindow, first.id).status == ("running" if first.end_at > an_hour_in else "done")


def test_missed_ticks_lose_no_energy(session, planned):
    """The car's charge follows the meter, not the number of ticks."""
    car, windows = planned
    before = session.get(Vehicle, car.id).soc_percent
    after_all = max(w.end_at for w in windows) + timedelta(minutes=5)
    chargers.drive(session, chargers.SimulatedDriver(), now=after_all)  # the only tick, long after
    total_kwh = sum(sum(w.power_kw) * w.slot_minutes / 60 for w in windows)
    expected = min(100.0, before + total_kwh * 0.9 / car.battery_kwh * 100)
    assert session.get(Vehicle, car.id).soc_percent == pytest.approx(expected, abs=0.01)
    assert {w.status for w in session.scalars(select(ChargeWindow))} == {"done"}


def test_every_window_is_started_and_stopped_exactly_once_by_two_schedulers(session, planned):
    _, windows = planned
    first, second = RecordingDriver(), RecordingDriver()
    end = max(w.end_at for w in windows)
    moment = windows[0].start_at
    while moment <= end + timedelta(minutes=15):
        # Both schedulers tick at the same moments (as during a takeover): the ledger lets one act.
        chargers.drive(session, first, now=moment, holder="host:1")
        chargers.drive(session, second, now=moment, holder="host:2")
        moment += timedelta(minutes=5)
    commands = first.commands + second.commands
    starts = sorted(c[1] for c in commands if c[0] == "start")
    stops = sorted(c[1] for c in commands if c[0] == "stop")
    assert starts == stops == sorted(w.id for w in windows)
    changes = sorted(c for c in commands if c[0] == "power")
    assert changes == sorted(("power", w.id, float(w.power_kw[i])) for w in windows
                             for i in range(1, len(w.power_kw)) if w.power_kw[i] != w.power_kw[i - 1])
    # Every command was claimed once in the ledger: none was sent by both.
    assert session.scalar(select(func.count()).select_from(JobLedger).where(JobLedger.job == "charger")) == len(
        commands)


def test_power_changes_follow_the_plan(session, planned):
    _, windows = planned
    window = windows[0]
    driver = RecordingDriver()
    slot = timedelta(minutes=window.slot_minutes)
    for i in range(len(window.power_kw)):
        chargers.drive(session, driver, now=window.start_at + i * slot + timedelta(minutes=1))
    expected = [("power", window.id, float(window.power_kw[i])) for i in range(1, len(window.power_kw))
                if window.power_kw[i] != window.power_kw[i - 1]]
    assert [c for c in driver.commands if c[0] == "power" and c[1] == window.id] == expected


def test_unknown_driver_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match="simulated"):
        chargers.driver_named("ocpp-magic")
