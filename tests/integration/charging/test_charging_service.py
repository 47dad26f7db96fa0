"""Planning charge windows from the database: every booking charged in time, within every limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sharing.models import ChargeWindow
from sharing.services import charging

NOW = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)


def test_plan_charges_before_each_booking_within_limits(session, site, resident, make_vehicle,
                                                         make_charging_point, make_booking_row):
    site.grid_limit_kw = 11
    session.commit()
    low = make_vehicle(name="Leer", soc_percent=10)
    full = make_vehicle(name="Voll", soc_percent=95)
    make_charging_point(max_power_kw=11)
    make_charging_point(max_power_kw=11)
    trip = make_booking_row(vehicle=low, user=resident, start=NOW + timedelta(hours=10),
                            end=NOW + timedelta(hours=13), distance_km=150)
    summary = charging.replan(session, site, now=NOW)
    assert summary.windows >= 1 and summary.at_risk == 0
    windows = session.scalars(select(ChargeWindow)).all()
    assert {w.vehicle_id for w in windows} == {low.id}
    for window in windows:
        assert window.end_at <= trip.start_at or window.start_at >= trip.end_at  # never while driving
        assert max(window.power_kw) <= 11 + 1e-6
    session.refresh(trip)
    needed = 150 * low.consumption_kwh_per_100km / 100 + low.battery_kwh * site.reserve_percent / 100
    assert trip.planned_soc_percent / 100 * low.battery_kwh >= needed - 0.01
    assert full.id not in {w.vehicle_id for w in windows}


def test_infeasible_trip_is_flagged_and_the_resident_told(session, site, resident, make_vehicle,
                                                          make_charging_point, make_booking_row):
    car = make_vehicle(name="Leer", soc_percent=5, max_charge_kw=3.7)
    make_charging_point(max_power_kw=3.7)
    trip = make_booking_row(vehicle=car, user=resident, start=NOW + timedelta(hours=1),
                            end=NOW + timedelta(hours=5), distance_km=250)
    summary = charging.replan(session, site, now=NOW)
    assert summary.at_risk == 1
    session.refresh(trip)
    assert trip.at_risk_reason == "insufficient_charge"
    from sharing.models import OutboxMessage

    assert session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == resident.email)) is not None
    charging.replan(session, site, now=NOW)  # planning again does not tell the resident twice
    assert len(session.scalars(select(OutboxMessage)).all()) == 1
