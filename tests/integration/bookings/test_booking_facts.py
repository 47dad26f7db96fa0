"""What the rules are fed: the database's sums and counts agree with the domain's own, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from sharing.domain.booking_rules import BookingRequest, household_limit_reasons, trips_before
from sharing.domain.intervals import TimeSlot
from sharing.models import Blockout, Booking, live_booking
from sharing.services.booking_facts import active_vehicles_with_trips, busy_of, facts_of, rule_context
from tests.integration.bookings.conftest import NOW, at


def _every_live_booking(session, vehicle_id: int):
    return [busy_of(b) for b in session.scalars(select(Booking).where(Booking.vehicle_id == vehicle_id,
                                                                      live_booking()))]


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

    summed = dict((facts.id, trips) for facts, trips in active_vehicles_with_trips(session, site.id, NOW,
                                                                                    request_start))

    for vehicle in (first, second, idle):
        request = BookingRequest(vehicle.id, resident.household_id, TimeSlot(request_start, at(22)))
        ctx = rule_context(session, request, NOW)
        # The domain's own sum over every live booking of the car is the twin of both SQL sums.
        expected = trips_before(request, replace(ctx, trips_before=None,
                                                 vehicle_bookings=_every_live_booking(session, vehicle.id)))
        for found in (summed[vehicle.id], ctx.trips_before):
            assert found.driving_hours == pytest.approx(expected.driving_hours, abs=1e-6)
            assert found.distance_km == pytest.approx(expected.distance_km)
    assert summed[first.id].driving_hours == pytest.approx(2 + 1.5)
    assert summed[first.id].distance_km == pytest.approx(65)
    assert summed[second.id].distance_km == pytest.approx(15)
    assert summed[idle.id].distance_km == 0 and summed[idle.id].driving_hours == 0


def test_changed_booking_is_left_out_of_its_own_trips_and_of_the_count(session, site, resident, make_vehicle,
                                                                       make_booking_row):
    car = make_vehicle()
    moving = make_booking_row(vehicle=car, user=resident, start=at(2), end=at(3), distance_km=50)
    request = BookingRequest(car.id, resident.household_id, TimeSlot(at(10), at(11)), exclude_booking_id=moving.id)
    changed = rule_context(session, request, NOW)
    assert changed.trips_before.distance_km == 0 and changed.household_future_bookings == 0
    new = rule_context(session, replace(request, exclude_booking_id=None), NOW)
    assert new.trips_before.distance_km == 50 and new.household_future_bookings == 1


def test_rows_loaded_for_the_rules_match_the_stored_bookings(session, site, resident, make_vehicle,
                                                            make_booking_row):
    car, other = make_vehicle(name="Zoe", soc_percent=55), make_vehicle(name="Ami")
    booking = make_booking_row(vehicle=car, user=resident, start=at(2), end=at(3), distance_km=12)
    make_booking_row(vehicle=car, user=resident, start=at(40), end=at(41))  # far from the request
    session.add(Blockout(site_id=site.id, vehicle_id=car.id, start_at=at(3, 30), end_at=at(5), reason="TÜV"))
    make_booking_row(vehicle=other, user=resident, start=at(-24 * 5), end=at(-24 * 5 + 2), status="active")
    request = BookingRequest(car.id, resident.household_id, TimeSlot(at(3, 15), at(4)))

    ctx = rule_context(session, request, NOW)

    [busy] = ctx.vehicle_bookings
    assert (busy.booking_id, busy.vehicle_id, busy.household_id) == (booking.id, car.id, resident.household_id)
    assert busy.slot == TimeSlot(at(2), at(3)) and busy.blocked_until == booking.blocked_until
    assert busy.distance_km == 12
    [blockout] = ctx.blockouts
    assert blockout.slot == TimeSlot(at(3, 30), at(5)) and blockout.reason == "TÜV"
    # The 7-day window on either side: the trip five days ago and the one in 40 hours, not more.
    assert sorted(b.slot.start for b in ctx.household_bookings) == [at(-24 * 5), at(2), at(40)]
    assert ctx.household_future_bookings == 2  # the one five days ago has ended
    assert [facts for facts, _ in active_vehicles_with_trips(session, site.id, NOW, at(3))] == [
        facts_of(other), facts_of(car)]


def test_household_count_holds_bookings_beyond_the_window(session, site, resident, make_vehicle, make_booking_row):
    """Far-off bookings are counted in SQL, never loaded: the limit still sees them."""
    car = make_vehicle()
    site.max_future_bookings = 2
    for day in (20, 30):
        make_booking_row(vehicle=car, user=resident, start=at(24 * day), end=at(24 * day + 1))
    request = BookingRequest(car.id, resident.household_id, TimeSlot(at(2), at(3)))
    ctx = rule_context(session, request, NOW)
    assert ctx.household_bookings == []
    [reason] = household_limit_reasons(request, ctx)
    assert reason.kind == "household_booking_limit" and reason.params == {"used": 2}
