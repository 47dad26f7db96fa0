"""The booking engine asks the charge planner: a booking it cannot serve, or one that breaks others, is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from sharing.domain.errors import BookingRejected, Reason
from sharing.services import bookings
from sharing.web.booking_messages import reason_message

NOW = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin, on the quarter-hour grid


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def test_a_slow_charging_point_refuses_what_the_range_estimate_allows(
    session, site, resident, make_vehicle, make_charging_point
):
    # 5.8 kWh now; the trip needs 23.25 + 5.8 reserve. At the car's 11 kW three hours would do (the
    # rules' estimate), at the only point's 3.7 kW they give 10 kWh.
    car = make_vehicle(soc_percent=10)
    make_charging_point(max_power_kw=3.7)
    with pytest.raises(BookingRejected) as refused:
        bookings.create_booking(session, resident, vehicle_id=car.id, start=at(3), end=at(6), distance_km=150, now=NOW)
    (reason,) = refused.value.reasons
    assert reason.kind == "insufficient_charge" and reason.field == "distance_km"
    assert reason.params["available_kwh"] == pytest.approx(5.8 + 3.7 * 0.9 * 3, abs=0.1)
    assert reason.params["needed_kwh"] == pytest.approx(23.25 + 5.8, abs=0.1)
    # a shorter trip fits
    booking = bookings.create_booking(
        session, resident, vehicle_id=car.id, start=at(3), end=at(6), distance_km=40, now=NOW
    )
    assert booking.id is not None


def test_a_booking_that_takes_the_charging_time_of_the_next_one_is_refused(
    session, site, resident, make_vehicle, make_charging_point
):
    car = make_vehicle(soc_percent=30)  # 17.4 kWh
    make_charging_point(max_power_kw=11)
    later = bookings.create_booking(
        session, resident, vehicle_id=car.id, start=at(4), end=at(8), distance_km=160, now=NOW
    )  # needs 30.6 kWh: about 1.4 h at the point
    with pytest.raises(BookingRejected) as refused:
        # a short trip, easily served itself, but the car would be away until 15 minutes before `later`
        bookings.create_booking(session, resident, vehicle_id=car.id, start=at(1), end=at(3.75), distance_km=5, now=NOW)
    (reason,) = refused.value.reasons
    assert reason.kind == "charge_plan_conflict" and reason.params == {"count": 1}
    # changing the later booking itself is judged without its old version
    bookings.change_booking(session, resident, later.id, distance_km=170, now=NOW)


def test_without_charging_points_the_planner_stays_out(session, site, resident, make_vehicle):
    car = make_vehicle(soc_percent=10)
    booking = bookings.create_booking(
        session, resident, vehicle_id=car.id, start=at(3), end=at(6), distance_km=150, now=NOW
    )
    assert booking.id is not None  # the rules' estimate (charging at the car's own power) lets it through


def test_the_availability_check_gives_the_same_answer(session, site, resident, make_vehicle, make_charging_point):
    car = make_vehicle(soc_percent=10)
    make_charging_point(max_power_kw=3.7)
    answer = bookings.check_request(
        session, resident, vehicle_id=car.id, start=at(3), end=at(6), distance_km=150, now=NOW
    )
    assert [r.kind for r in answer.reasons] == ["insufficient_charge"]


def test_the_refusal_reads_in_german(app):
    with app.test_request_context():
        text = reason_message(Reason("charge_plan_conflict", params={"count": 1}), ZoneInfo("Europe/Berlin"))
    assert text.startswith("Mit dieser Buchung könnte der Wagen für bereits bestehende Buchungen nicht rechtzeitig")


def test_an_extension_that_leaves_the_next_booking_short_is_refused(
    session, site, resident, make_vehicle, make_charging_point, make_booking_row
):
    car = make_vehicle(soc_percent=30)  # 17.4 kWh
    make_charging_point(max_power_kw=11)
    now_driving = make_booking_row(vehicle=car, user=resident, start=at(-1), end=at(2), distance_km=5, status="active")
    make_booking_row(vehicle=car, user=resident, start=at(4), end=at(8), distance_km=160, status="confirmed")
    # back at 2 h: two hours at 11 kW serve the 160 km trip; back at 3.75 h they do not
    with pytest.raises(BookingRejected) as refused:
        bookings.extend_booking(session, resident, now_driving.id, new_end=at(3.75), now=NOW)
    assert [r.kind for r in refused.value.reasons] == ["charge_plan_conflict"]
    longer = bookings.extend_booking(session, resident, now_driving.id, new_end=at(2.5), now=NOW)
    assert longer.end_at == at(2.5)
