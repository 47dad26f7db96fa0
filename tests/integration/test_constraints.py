"""Rules the database itself enforces, whatever the application does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError, StatementError

from sharing.models import Booking, User, Vehicle

T0 = datetime(2030, 5, 6, 8, 0, tzinfo=UTC)


def _expect_integrity_error(session, obj):
    session.add(obj)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_email_is_unique_regardless_of_case(session, resident, site):
    _expect_integrity_error(session, User(site_id=site.id, email=resident.email, name="Zwei"))
    _expect_integrity_error(session, User(site_id=site.id, email=resident.email.upper(), name="Gross"))


@pytest.mark.parametrize("soc", [-1, 100.5])
def test_state_of_charge_stays_between_0_and_100(session, site, soc):
    _expect_integrity_error(session, Vehicle(site_id=site.id, name="X", licence_plate="X 1", model="m",
                                             battery_kwh=50, consumption_kwh_per_100km=15, max_charge_kw=11,
                                             soc_percent=soc))


def test_booking_must_end_after_it_starts(session, make_vehicle, resident):
    car = make_vehicle()
    _expect_integrity_error(session, Booking(site_id=car.site_id, vehicle_id=car.id, user_id=resident.id,
                                             household_id=resident.household_id, start_at=T0, end_at=T0,
                                             blocked_until=T0))


def test_foreign_keys_are_enforced(session, resident):
    _expect_integrity_error(session, Booking(site_id=resident.site_id, vehicle_id=99999, user_id=resident.id,
                                             household_id=resident.household_id, start_at=T0,
                                             end_at=T0 + timedelta(hours=1), blocked_until=T0 + timedelta(hours=1)))


def test_naive_datetimes_are_refused(session, make_vehicle, resident):
    car = make_vehicle()
    session.add(Booking(site_id=car.site_id, vehicle_id=car.id, user_id=resident.id,
                        household_id=resident.household_id, start_at=datetime(2030, 1, 1, 8),
                        end_at=T0, blocked_until=T0))
    with pytest.raises(StatementError, match="naive datetime"):
        session.commit()
    session.rollback()


def test_times_come_back_aware_in_utc(session, make_vehicle, make_booking_row, resident):
    car = make_vehicle()
    local = T0.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    booking = make_booking_row(vehicle=car, user=resident, start=local, end=local + timedelta(hours=2))
    session.expire_all()
    stored = session.get(Booking, booking.id)
    assert stored.start_at == T0 and stored.start_at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("offset_start, offset_end, overlaps", [
    (timedelta(hours=-2), timedelta(minutes=-10), True),     # its buffer reaches into the booking
    (timedelta(hours=-2), timedelta(minutes=-15), False),    # its buffer ends exactly at the start
    (timedelta(hours=1), timedelta(hours=2), True),            # inside
    (timedelta(hours=2), timedelta(hours=3), True),            # starts at the end, within the buffer
    (timedelta(hours=2, minutes=15), timedelta(hours=3), False),  # starts after end + buffer
    (timedelta(hours=-1), timedelta(hours=5), True),           # contains
])
def test_database_refuses_overlapping_live_bookings(session, make_vehicle, make_booking_row, resident,
                                                    offset_start, offset_end, overlaps):
    car = make_vehicle()
    make_booking_row(vehicle=car, user=resident, start=T0, end=T0 + timedelta(hours=2))
    second = Booking(site_id=car.site_id, vehicle_id=car.id, user_id=resident.id,
                     household_id=resident.household_id, start_at=T0 + offset_start, end_at=T0 + offset_end,
                     blocked_until=T0 + offset_end + timedelta(minutes=15))
    if overlaps:
        _expect_integrity_error(session, second)
    else:
        session.add(second)
        session.commit()


def test_cancelled_bookings_do_not_block(session, make_vehicle, make_booking_row, resident):
    car = make_vehicle()
    first = make_booking_row(vehicle=car, user=resident, start=T0, end=T0 + timedelta(hours=2))
    first.status = "cancelled"
    session.commit()
    make_booking_row(vehicle=car, user=resident, start=T0, end=T0 + timedelta(hours=2))
    # ...but reviving the cancelled one would now overlap:
    first.status = "confirmed"
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_other_cars_are_independent(session, make_vehicle, make_booking_row, resident):
    car_a, car_b = make_vehicle(), make_vehicle()
    make_booking_row(vehicle=car_a, user=resident, start=T0, end=T0 + timedelta(hours=2))
    make_booking_row(vehicle=car_b, user=resident, start=T0, end=T0 + timedelta(hours=2))
