"""What the rules are fed: the database's sums agree with the domain's own, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest

from sharing.domain.booking_rules import BookingRequest, trips_before
from sharing.domain.intervals import TimeSlot
from sharing.services.booking_facts import (
    active_vehicle_facts,
    facts_of,
    live_bookings_near,
    rule_context,
    trips_before_by_vehicle,
)
from tests.integration.bookings.conftest import NOW, at


def test_trips_summed_in_the_database_equal_the_domain_sum(session, site, resident, make_vehicle, make_booking_row):
    first, second, idle = make_vehicle(name="A"), make_vehicle(name="B"), make_vehicle(name="C")
    # On the road since an hour ago: only the time from now on counts.
    make_booking_row(vehicle=first, user=resident, start=at(-1), end=at(2), distance_km=40, status="active")
    make_booking_row(vehicle=first, user=resident, start=at(5), end=at(6, 30), distance_km=25)
    make_booking_row(vehicle=first, user=resident, start=at(30), end=at(31), distance_km=99)  # after the request
    make_booking_row(vehicle=first, user=resident, start=at(8), end=at(9), distance_km=70, status="cancelled")
    make_booking_row(vehicle=second, user=resident, start=at(-5), end=at(-3), distance_km=10, status="completed")
    make_booking_row(vehicle=second, user=resident, start=at(10), end=at(12, 15), distance_km=15)
    request_start = at(20)

    summed = trips_before_by_vehicle(session, [first.id, second.id, idle.id], NOW, request_start)

    for vehicle in (first, second):
        request = BookingRequest(vehicle.id, resident.household_id, TimeSlot(request_start, at(22)))
        ctx = rule_context(session, site, vehicle, request, NOW)
        expected = trips_before(request, ctx)
        assert summed[vehicle.id].driving_hours == pytest.approx(expected.driving_hours, abs=1e-6)
        assert summed[vehicle.id].distance_km == pytest.approx(expected.distance_km)
    assert summed[first.id].driving_hours == pytest.approx(2 + 1.5)
    assert summed[first.id].distance_km == pytest.approx(65)
    assert summed[second.id].distance_km == pytest.approx(15)
    assert idle.id not in summed


def test_changed_booking_is_left_out_of_its_own_trips(session, site, resident, make_vehicle, make_booking_row):
    car = make_vehicle()
    moving = make_booking_row(vehicle=car, user=resident, start=at(2), end=at(3), distance_km=50)
    request = BookingRequest(car.id, resident.household_id, TimeSlot(at(10), at(11)), exclude_booking_id=moving.id)
    ctx = rule_context(session, site, car, request, NOW)
    assert trips_before(request, ctx).distance_km == 0
    assert trips_before(replace(request, exclude_booking_id=None), ctx).distance_km == 50


def test_rows_loaded_for_the_rules_match_the_stored_bookings(session, site, resident, make_vehicle,
                                                            make_booking_row):
    car = make_vehicle(name="Zoe", soc_percent=55)
    booking = make_booking_row(vehicle=car, user=resident, start=at(2), end=at(3), distance_km=12)
    [busy] = live_bookings_near(session, [car.id], at(1), at(4), margin=at(0) - at(0))
    assert (busy.booking_id, busy.vehicle_id, busy.household_id) == (booking.id, car.id, resident.household_id)
    assert busy.slot == TimeSlot(at(2), at(3)) and busy.blocked_until == booking.blocked_until
    assert busy.distance_km == 12
    assert active_vehicle_facts(session, site.id) == [facts_of(car)]
