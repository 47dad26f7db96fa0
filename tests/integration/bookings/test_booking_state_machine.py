"""Random sequences of booking operations by several households never break the invariants."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test
from sqlalchemy import select, text

from sharing.domain.booking_rules import max_hours_in_any_window
from sharing.domain.errors import BookingRejected
from sharing.domain.intervals import TimeSlot
from sharing.models import LIVE_STATUSES, Blockout, Booking, User
from sharing.services import bookings
from sharing.services.bookings import BookingActionNotAllowed
from tests.integration.bookings.conftest import NOW
from tests.integration.bookings.test_races import OVERLAP_SQL

QUARTER = timedelta(minutes=15)


def test_random_operations_keep_the_invariants(session, make_user, make_vehicle, admin, site):
    residents = [make_user() for _ in range(3)]
    cars = [make_vehicle(soc_percent=100) for _ in range(2)]
    blocked_car = cars[1]
    session.add(Blockout(site_id=site.id, vehicle_id=blocked_car.id, start_at=NOW + timedelta(hours=30),
                         end_at=NOW + timedelta(hours=40), reason="Inspektion"))
    session.commit()
    user_ids, car_ids, admin_id = [u.id for u in residents], [c.id for c in cars], admin.id
    outcomes = {"created": 0, "refused": 0}

    class Bookings(RuleBasedStateMachine):
        @initialize()
        def clean(self):
            session.execute(text("DELETE FROM outbox_message"))
            session.execute(text("DELETE FROM audit_event"))
            session.execute(text("DELETE FROM waitlist_entry"))
            session.execute(text("DELETE FROM booking"))
            session.commit()
            self.now = NOW

        def _user(self, index: int) -> User:
            return session.get(User, user_ids[index] if index < len(user_ids) else admin_id)

        @rule(who=st.integers(0, 3), car=st.integers(0, 1), start=st.integers(0, 4 * 24 * 5),
              length=st.integers(1, 4 * 20))
        def create(self, who, car, start, length):
            begin = NOW + QUARTER * start
            try:
                bookings.create_booking(session, self._user(who), vehicle_id=car_ids[car], start=begin,
                                        end=begin + QUARTER * length, distance_km=20, now=self.now,
                                        on_behalf_of=self._user(0) if who == 3 else None)
                outcomes["created"] += 1
            except BookingRejected:
                outcomes["refused"] += 1
                session.rollback()

        @rule(pick=st.integers(0, 50), shift=st.integers(-16, 16), car=st.integers(0, 1))
        def change(self, pick, shift, car):
            live = self._live()
            if not live:
                return
            booking = live[pick % len(live)]
            owner = session.get(User, booking.user_id)
            try:
                bookings.change_booking(session, owner, booking.id, vehicle_id=car_ids[car],
                                        start=booking.start_at + QUARTER * shift,
                                        end=booking.end_at + QUARTER * shift, now=self.now)
            except (BookingRejected, BookingActionNotAllowed):
                session.rollback()

        @rule(pick=st.integers(0, 50))
        def cancel(self, pick):
            live = self._live()
            if live:
                booking = live[pick % len(live)]
                try:
                    bookings.cancel_booking(session, session.get(User, booking.user_id), booking.id, now=self.now)
                except BookingActionNotAllowed:
                    session.rollback()

        @rule(pick=st.integers(0, 50))
        def drive_and_return(self, pick):
            live = [b for b in self._live() if b.status == "confirmed"]
            if not live:
                return
            booking = live[pick % len(live)]
            owner = session.get(User, booking.user_id)
            self.now = max(self.now, booking.start_at)
            bookings.pick_up(session, owner, booking.id, odometer_km=booking.vehicle.odometer_km, soc_percent=90,
                             now=self.now)
            bookings.return_car(session, owner, booking.id, odometer_km=booking.vehicle.odometer_km + 20,
                                soc_percent=80, plugged_in=True, now=self.now + QUARTER)

        def _live(self) -> list[Booking]:
            return list(session.scalars(select(Booking).where(Booking.status.in_(("pending", "confirmed")),
                                                              Booking.start_at > self.now).order_by(Booking.id)))

        @invariant()
        def no_overlap_including_buffer(self):
            assert session.execute(OVERLAP_SQL).scalar() == 0

        @invariant()
        def nothing_booked_on_a_blocked_car(self):
            blockouts = session.scalars(select(Blockout)).all()
            for blockout in blockouts:
                hit = session.scalar(select(Booking.id).where(
                    Booking.vehicle_id == blockout.vehicle_id, Booking.status.in_(LIVE_STATUSES),
                    Booking.start_at < blockout.end_at, Booking.end_at > blockout.start_at))
                assert hit is None

        @invariant()
        def residents_keep_their_quota(self):
            for user_id in user_ids:
                household = session.get(User, user_id).household_id
                mine = session.scalars(select(Booking).where(Booking.household_id == household,
                                                             Booking.status.in_(LIVE_STATUSES))).all()
                created_by_admin = any(b.user_id == user_id and b.id in self._admin_made() for b in mine)
                if created_by_admin:
                    continue  # admins are exempt, so their bookings may exceed a household's quota
                future = [b for b in mine if b.end_at > self.now]
                assert len(future) <= 4
                slots = [TimeSlot(b.start_at, b.end_at) for b in mine]
                for slot in slots:
                    others = [s for s in slots if s is not slot]
                    assert max_hours_in_any_window(others, slot, timedelta(days=7)) <= 30 + 1e-6

        def _admin_made(self) -> set[int]:
            from sharing.models import AuditEvent

            return set(session.scalars(select(AuditEvent.object_id).where(
                AuditEvent.action == "booking.create", AuditEvent.actor_id == admin_id)))

    run_state_machine_as_test(Bookings, settings=settings(
        max_examples=15, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
    # The machine must really have exercised both paths.
    assert outcomes["created"] > 10 and outcomes["refused"] > 4, outcomes
