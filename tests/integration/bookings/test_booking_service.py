"""The booking use cases against real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sharing.domain.errors import BookingRejected
from sharing.models import AuditEvent, Blockout, Booking, OutboxMessage
from sharing.services import bookings
from sharing.services.bookings import BookingActionNotAllowed, BookingNotFound
from tests.integration.bookings.conftest import NOW, at
from tests.mail import outbox_mails


def _kinds(error: BookingRejected) -> list[str]:
    return [r.kind for r in error.reasons]


def test_create_confirms_audits_and_mails_in_one_transaction(session, resident, car):
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4),
                                      distance_km=30, note="Einkauf", now=NOW)
    assert booking.status == "confirmed"
    assert booking.blocked_until == at(4) + timedelta(minutes=15)
    assert session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "booking.create")) == 1
    [mail] = outbox_mails(session, OutboxMessage.to_address == resident.email)
    assert "Die Blaue" in mail.subject
    assert mail.attachments[0]["filename"].endswith(".ics")
    assert "BEGIN:VEVENT" in mail.attachments[0]["content"]


def test_overlapping_request_gets_reasons_and_suggestions(session, resident, make_user, make_vehicle, car):
    other_car = make_vehicle(name="Zoe")
    neighbour = make_user()
    bookings.create_booking(session, neighbour, vehicle_id=car.id, start=at(6), end=at(8, 30), now=NOW)
    with pytest.raises(BookingRejected) as caught:
        bookings.create_booking(session, resident, vehicle_id=car.id, start=at(7), end=at(9), now=NOW)
    error = caught.value
    assert _kinds(error) == ["vehicle_booked"]
    assert error.reasons[0].interval.start == at(6)
    assert [s.vehicle_id for s in error.suggestions.other_vehicles] == [other_car.id]
    assert error.suggestions.later.slot.start == at(8, 45)  # end 08:30 + 15 min buffer
    assert error.suggestions.earlier.slot.end <= at(6) - timedelta(minutes=15)
    assert session.scalar(select(func.count()).select_from(Booking)) == 1
    # The suggestion is bookable as it stands.
    later = error.suggestions.later.slot
    bookings.create_booking(session, resident, vehicle_id=car.id, start=later.start, end=later.end, now=NOW)


def test_buffer_conflict_is_its_own_reason(session, resident, make_user, car):
    bookings.create_booking(session, make_user(), vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    with pytest.raises(BookingRejected) as caught:
        bookings.create_booking(session, resident, vehicle_id=car.id, start=at(4), end=at(5), now=NOW)
    assert _kinds(caught.value) == ["buffer_conflict"]
    bookings.create_booking(session, resident, vehicle_id=car.id, start=at(4, 15), end=at(5), now=NOW)


def test_every_reason_is_reported(session, resident, car):
    with pytest.raises(BookingRejected) as caught:
        bookings.create_booking(session, resident, vehicle_id=car.id, start=at(-3, 7), end=at(-3, 17), now=NOW,
                                distance_km=5000)
    assert set(_kinds(caught.value)) >= {"off_grid", "in_past", "too_short", "distance_exceeds_range"}


def test_blockout_and_maintenance(session, resident, car, site):
    session.add(Blockout(site_id=site.id, vehicle_id=car.id, start_at=at(24), end_at=at(48), reason="TÜV"))
    session.commit()
    with pytest.raises(BookingRejected) as caught:
        bookings.create_booking(session, resident, vehicle_id=car.id, start=at(30), end=at(32), now=NOW)
    assert _kinds(caught.value) == ["blockout"]
    car.status = "maintenance"
    session.commit()
    with pytest.raises(BookingRejected) as caught:
        bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(3), now=NOW)
    assert "vehicle_unavailable" in _kinds(caught.value)


def test_household_quota_counts_and_admins_are_exempt(session, resident, admin, make_vehicle):
    cars = [make_vehicle() for _ in range(5)]
    for i, c in enumerate(cars[:4]):
        bookings.create_booking(session, resident, vehicle_id=c.id, start=at(24 * i + 2), end=at(24 * i + 3), now=NOW)
    with pytest.raises(BookingRejected) as caught:
        bookings.create_booking(session, resident, vehicle_id=cars[4].id, start=at(2), end=at(3), now=NOW)
    assert _kinds(caught.value) == ["household_booking_limit"]
    quota = bookings.household_quota(session, resident, now=NOW)
    assert quota.future_bookings_used == 4 and quota.future_bookings_left == 0
    booking = bookings.create_booking(session, admin, vehicle_id=cars[4].id, start=at(2), end=at(3), now=NOW,
                                      on_behalf_of=resident)
    assert booking.household_id == resident.household_id


def test_hours_limit_over_any_seven_days(session, resident, make_vehicle, site):
    site.max_future_bookings = 10
    session.commit()
    car_a, car_b = make_vehicle(), make_vehicle()
    bookings.create_booking(session, resident, vehicle_id=car_a.id, start=at(24), end=at(24 + 20), now=NOW)
    with pytest.raises(BookingRejected) as caught:
        bookings.create_booking(session, resident, vehicle_id=car_b.id, start=at(24 * 6), end=at(24 * 6 + 11),
                                now=NOW)
    assert _kinds(caught.value) == ["household_hours_limit"]
    bookings.create_booking(session, resident, vehicle_id=car_b.id, start=at(24 * 8), end=at(24 * 8 + 11), now=NOW)


def test_change_is_atomic(session, resident, make_user, car, make_vehicle):
    neighbour = make_user()
    mine = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(3), now=NOW)
    bookings.create_booking(session, neighbour, vehicle_id=car.id, start=at(10), end=at(12), now=NOW)
    with pytest.raises(BookingRejected):
        bookings.change_booking(session, resident, mine.id, start=at(11), end=at(13), now=NOW)
    session.expire_all()
    kept = session.get(Booking, mine.id)
    assert (kept.start_at, kept.end_at, kept.sequence) == (at(2), at(3), 0)
    other = make_vehicle()
    changed = bookings.change_booking(session, resident, mine.id, vehicle_id=other.id, start=at(11), end=at(13),
                                      now=NOW)
    assert changed.vehicle_id == other.id and changed.sequence == 1


def test_change_may_overlap_its_own_old_time(session, resident, car):
    mine = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    moved = bookings.change_booking(session, resident, mine.id, start=at(3), end=at(5), now=NOW)
    assert moved.start_at == at(3)


def test_cancel_rules(session, resident, admin, car):
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    with pytest.raises(BookingActionNotAllowed) as caught:
        bookings.cancel_booking(session, resident, booking.id, now=at(2, 30))
    assert caught.value.code == "too_late_to_cancel"
    with pytest.raises(BookingActionNotAllowed):
        bookings.cancel_booking(session, admin, booking.id, now=at(2, 30))  # an admin needs a reason
    cancelled = bookings.cancel_booking(session, admin, booking.id, reason="Unfall", now=at(2, 30))
    assert cancelled.status == "cancelled" and cancelled.cancel_reason == "Unfall"
    mail = outbox_mails(session, OutboxMessage.to_address == resident.email)[-1]
    assert "Unfall" in mail.body_text


def test_residents_cannot_see_other_households(session, resident, make_user, car):
    neighbour = make_user()
    theirs = bookings.create_booking(session, neighbour, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    with pytest.raises(BookingNotFound):
        bookings.get_visible_booking(session, resident, theirs.id)
    with pytest.raises(BookingNotFound):
        bookings.cancel_booking(session, resident, theirs.id, now=NOW)
    assert session.scalars(bookings.visible_bookings(session, resident)).all() == []


def test_pick_up_return_and_late_return_flags_next(session, resident, make_user, car):
    neighbour = make_user()
    mine = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    nxt = bookings.create_booking(session, neighbour, vehicle_id=car.id, start=at(4, 15), end=at(6), now=NOW)
    bookings.pick_up(session, resident, mine.id, odometer_km=12000, soc_percent=88, now=at(2))
    with pytest.raises(BookingRejected) as caught:
        bookings.return_car(session, resident, mine.id, odometer_km=11000, soc_percent=50, plugged_in=True,
                            now=at(4, 30))
    assert _kinds(caught.value) == ["odometer_below_previous"]
    done = bookings.return_car(session, resident, mine.id, odometer_km=12080, soc_percent=60, plugged_in=True,
                               damage_note="Kratzer hinten links", now=at(4, 30))
    assert done.status == "completed" and car.odometer_km == 12080 and car.soc_percent == 60
    session.expire_all()
    assert session.get(Booking, nxt.id).at_risk_reason == "late_return"
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == neighbour.email,
                                                      OutboxMessage.subject.contains("Gefahr"))) is not None


def test_extend_while_driving(session, resident, make_user, car):
    mine = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    bookings.create_booking(session, make_user(), vehicle_id=car.id, start=at(6), end=at(7), now=NOW)
    bookings.pick_up(session, resident, mine.id, odometer_km=100, soc_percent=80, now=at(2))
    longer = bookings.extend_booking(session, resident, mine.id, new_end=at(5), now=at(3))
    assert longer.end_at == at(5)
    with pytest.raises(BookingRejected):
        bookings.extend_booking(session, resident, mine.id, new_end=at(6, 30), now=at(3))


def test_no_show_releases_the_car_and_is_idempotent(session, resident, car):
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    assert bookings.mark_no_shows(session, now=at(2, 10)) == []
    assert [b.id for b in bookings.mark_no_shows(session, now=at(2, 45))] == [booking.id]
    assert bookings.mark_no_shows(session, now=at(2, 50)) == []
    assert session.get(Booking, booking.id).status == "no_show"


def test_waitlist_first_in_line_gets_the_slot(session, resident, make_user, car):
    owner, second = make_user(), make_user()
    taken = bookings.create_booking(session, owner, vehicle_id=car.id, start=at(5), end=at(7), now=NOW)
    from sharing.services.waitlist import join_waitlist

    first_entry = join_waitlist(session, resident, vehicle_id=car.id, start=at(5), end=at(7), auto_book=True)
    second_entry = join_waitlist(session, second, vehicle_id=car.id, start=at(5), end=at(7), auto_book=True)
    bookings.cancel_booking(session, owner, taken.id, now=NOW)
    session.expire_all()
    from sharing.models import WaitlistEntry

    assert session.get(WaitlistEntry, first_entry.id).status == "booked"
    assert session.get(WaitlistEntry, second_entry.id).status == "waiting"
    booked = session.get(Booking, session.get(WaitlistEntry, first_entry.id).booking_id)
    assert booked.household_id == resident.household_id and booked.status == "confirmed"


def test_approval_for_long_bookings(session, resident, admin, car, site):
    site.approval_threshold_hours = 24
    session.commit()
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(30), now=NOW)
    assert booking.status == "pending"
    decided = bookings.decide_approval(session, admin, booking.id, approve=True)
    assert decided.status == "confirmed"


def test_free_vehicles(session, resident, make_vehicle, car):
    other = make_vehicle(name="Zoe")
    make_vehicle(name="Kaputt", status="maintenance")
    bookings.create_booking(session, resident, vehicle_id=car.id, start=at(2), end=at(4), now=NOW)
    assert [v.id for v in bookings.free_vehicles(session, car.site_id, at(3), at(5))] == [other.id]
    assert [v.id for v in bookings.free_vehicles(session, car.site_id, at(4, 15), at(5))] == [car.id, other.id]


def test_series_shows_conflicts_then_books_the_free_ones(session, resident, make_user, car, site):
    from datetime import date, time

    site.max_future_bookings = 10
    session.commit()
    # A neighbour has the car on the second Wednesday (2031-03-12) at the same time.
    from tests.integration.bookings.conftest import NOW as now

    bookings.create_booking(session, make_user(), vehicle_id=car.id, start=at(24 * 9 + 10), end=at(24 * 9 + 12),
                            now=now)
    kwargs = dict(vehicle_id=car.id, first_date=date(2031, 3, 5), local_start_time=time(18, 0),
                  duration_minutes=90, weekdays={2}, until_date=date(2031, 3, 26), now=now)
    preview = bookings.create_series(session, resident, **kwargs)
    assert preview.series is None and preview.booked == []
    assert [day for day, _, _ in preview.conflicts] == [date(2031, 3, 12)]
    done = bookings.create_series(session, resident, book_free_only=True, **kwargs)
    assert len(done.booked) == 3 and done.series is not None
    # Summer time starts on 30 March 2031: the local time stays 18:00.
    assert all(b.start_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin")).hour == 18
               for b in done.booked)
