"""Monthly report: utilisation, usage per household, energy (measured or estimated) and its cost."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from sharing.models import ChargeWindow
from sharing.services import reports

BERLIN = ZoneInfo("Europe/Berlin")


def _at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2025, month, day, hour, tzinfo=BERLIN)


@pytest.fixture
def month(session, site, make_vehicle, make_household, make_user, make_booking_row):
    site.monthly_fixed_costs_eur, site.cost_split_mode, site.tariff_flat_eur_per_kwh = 100.0, "hours", 0.25
    session.commit()
    blue, zoe = make_vehicle(name="Die Blaue", battery_kwh=50.0), make_vehicle(name="Zoe", battery_kwh=40.0)
    a, b = make_household(name="A"), make_household(name="B")
    anna, ben = make_user(household_id=a.id), make_user(household_id=b.id)
    done = {"status": "completed", "soc_start_percent": 80.0}
    make_booking_row(vehicle=blue, user=anna, start=_at(3, 8), end=_at(3, 14), odometer_start_km=10,
                     odometer_end_km=70, soc_end_percent=60.0, **done)               # 6 h, 60 km, 10 kWh
    make_booking_row(vehicle=blue, user=ben, start=_at(31, 22), end=_at(1, 2, month=4), odometer_start_km=70,
                     odometer_end_km=110, soc_end_percent=40.0, **done)              # 2 h in March, 40 km, 20 kWh
    make_booking_row(vehicle=zoe, user=ben, start=_at(10, 9), end=_at(10, 11), status="cancelled")  # not counted
    make_booking_row(vehicle=zoe, user=ben, start=_at(12, 9), end=_at(12, 13), status="no_show")    # 4 h held
    return site, blue, zoe, a, b


def test_utilisation_usage_energy_and_split(session, month):
    site, _blue, _zoe, _a, _b = month
    report = reports.month_report(session, site, date(2025, 3, 1))
    cars = {c.vehicle.name: c for c in report.cars}
    hours_in_march = 31 * 24 - 1  # the clocks go forward on 30 March
    assert report.month.hours == hours_in_march
    assert cars["Die Blaue"].hours == 8 and cars["Die Blaue"].utilisation == pytest.approx(8 / hours_in_march)
    assert cars["Zoe"].hours == 4
    assert cars["Die Blaue"].kwh == pytest.approx(30.0) and cars["Die Blaue"].cost_eur == pytest.approx(7.5)
    homes = {h.household.name: h for h in report.households}
    assert (homes["A"].bookings, homes["A"].hours, homes["A"].km, homes["A"].kwh) == (1, 6, 60, 10)
    assert (homes["B"].bookings, homes["B"].hours, homes["B"].km, homes["B"].kwh) == (2, 6, 40, 20)
    assert report.total_cost_eur == 107.5
    assert homes["A"].share.amount_eur == 53.75 and homes["B"].share.amount_eur == 53.75
    week_of_the_3rd = next(i for i, w in enumerate(report.weeks) if w.label == "2025-W10")
    assert cars["Die Blaue"].weekly[week_of_the_3rd] == pytest.approx(6 / 168)


def test_energy_measured_at_the_charging_point_replaces_the_estimate(session, month, make_charging_point):
    site, blue, _zoe, _a, _b = month
    point = make_charging_point()
    session.add(ChargeWindow(site_id=site.id, vehicle_id=blue.id, charging_point_id=point.id, start_at=_at(4, 1),
                             end_at=_at(4, 5), energy_kwh=36.0, energy_delivered_kwh=36.0, status="done"))
    session.commit()
    report = reports.month_report(session, site, date(2025, 3, 1))
    car = next(c for c in report.cars if c.vehicle.name == "Die Blaue")
    assert car.measured and car.kwh == 36.0 and car.cost_eur == 9.0
    homes = {h.household.name: h for h in report.households}
    assert homes["A"].kwh == pytest.approx(12.0) and homes["B"].kwh == pytest.approx(24.0)  # shared 1:2 by trips


def test_time_of_use_prices_the_estimate_after_the_return(session, month, admin):
    from sharing.services import tariffs

    site, *_ = month
    tariffs.set_time_of_use(session, admin, [{"weekdays": list(range(7)), "from": "14:00", "to": "02:00",
                                              "eur_per_kwh": 0.10}], default_eur_per_kwh=0.40)
    report = reports.month_report(session, site, date(2025, 3, 1))
    car = next(c for c in report.cars if c.vehicle.name == "Die Blaue")
    # Anna returned at 14:00: 12 h after it are all cheap; Ben returned at 02:00: 12 h expensive.
    assert car.cost_eur == pytest.approx(10 * 0.10 + 20 * 0.40)


def test_month_and_weeks_follow_the_local_calendar():
    march = reports.month_period(BERLIN, date(2025, 3, 15))
    assert march.start == _at(1, 0) and march.end == datetime(2025, 4, 1, tzinfo=BERLIN) and march.hours == 743
    weeks = reports.week_periods(BERLIN, march)
    assert weeks[0].label == "2025-W09" and weeks[-1].label == "2025-W14"
    assert weeks[0].start == datetime(2025, 2, 24, tzinfo=BERLIN)
    assert [w.hours for w in weeks] == [168, 168, 168, 168, 167, 168]
