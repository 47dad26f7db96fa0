"""Blockouts and retiring a car: the bookings in the way are shown, then moved or cancelled, never dropped."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sharing.models import AuditEvent, Blockout, Booking, OutboxMessage, utcnow
from sharing.services import blockouts, fleet_admin
from sharing.services.admin_errors import Invalid
from tests.mail import outbox_mails


def _hours_from_now(hours: int):
    return (utcnow() + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def scene(make_vehicle, make_user, make_booking_row, admin):
    blue, zoe = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe")
    anna, jonas = make_user(name="Anna"), make_user(name="Jonas")
    first = make_booking_row(vehicle=blue, user=anna, start=_hours_from_now(48), end=_hours_from_now(50))
    second = make_booking_row(vehicle=blue, user=jonas, start=_hours_from_now(72), end=_hours_from_now(74))
    make_booking_row(vehicle=zoe, user=make_user(), start=_hours_from_now(71), end=_hours_from_now(75))
    return blue, zoe, anna, jonas, first, second


def test_preview_lists_each_booking_with_the_cars_free_at_its_time(session, scene):
    blue, _zoe, _, _, first, second = scene
    affected = blockouts.preview(session, blue, _hours_from_now(24), _hours_from_now(96))
    assert [a.booking.id for a in affected] == [first.id, second.id]
    assert [v.name for v in affected[0].alternatives] == ["Zoe"]
    assert affected[1].alternatives == []  # Zoe is taken then
    assert session.scalars(select(Blockout)).all() == []


def test_blockout_moves_and_cancels_as_chosen_and_tells_each_household(session, scene, admin):
    blue, zoe, anna, jonas, first, second = scene
    start, end = _hours_from_now(24), _hours_from_now(96)
    _blockout, outcomes = blockouts.create_blockout(
        session, admin, blue, start=start, end=end, reason="Reifenwechsel",
        choices={first.id: str(zoe.id), second.id: "cancel"}, expected_ids=[first.id, second.id])
    assert [o.result for o in outcomes] == ["moved", "cancelled"]
    session.expire_all()
    assert session.get(Booking, first.id).vehicle_id == zoe.id
    assert (session.get(Booking, second.id).status, session.get(Booking, second.id).cancel_reason) == (
        "cancelled", "Reifenwechsel")
    mails = outbox_mails(session)
    to_anna = [m for m in mails if m.to_address == anna.email]
    to_jonas = [m for m in mails if m.to_address == jonas.email]
    assert any("Zoe" in m.body_text and "Reifenwechsel" in m.body_text for m in to_anna)
    assert any("Reifenwechsel" in m.body_text and "kein anderes Auto" in m.body_text for m in to_jonas)
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[:1] == ["blockout.create"] and "booking.change" in actions and "booking.cancel" in actions


def test_bookings_that_changed_since_the_preview_are_refused(session, scene, admin):
    blue, _zoe, _, _, first, _second = scene
    with pytest.raises(Invalid) as refused:
        blockouts.create_blockout(session, admin, blue, start=_hours_from_now(24), end=_hours_from_now(96),
                                  reason="x", choices={first.id: "cancel"}, expected_ids=[first.id])
    assert [p.code for p in refused.value.problems] == ["bookings_changed", "resolution_missing"]
    assert session.scalars(select(Blockout)).all() == []


def test_a_move_to_a_car_that_is_not_free_is_refused(session, scene, admin):
    blue, zoe, _, _, first, second = scene
    with pytest.raises(Invalid) as refused:
        blockouts.create_blockout(session, admin, blue, start=_hours_from_now(24), end=_hours_from_now(96),
                                  reason="x", choices={first.id: "cancel", second.id: str(zoe.id)},
                                  expected_ids=[first.id, second.id])
    assert [p.code for p in refused.value.problems] == ["vehicle_not_free"]


def test_retiring_a_car_cancels_all_when_asked_and_no_booking_is_left_on_it(session, scene, admin):
    blue, _zoe, _, _, _first, _second = scene
    affected = fleet_admin.retire_preview(session, blue)
    outcomes = fleet_admin.retire_vehicle(session, admin, blue, reason="Leasing endet",
                                          choices={a.booking.id: "cancel" for a in affected},
                                          expected_ids=[a.booking.id for a in affected])
    assert [o.result for o in outcomes] == ["cancelled", "cancelled"]
    session.expire_all()
    assert blue.status == "retired"
    live = session.scalars(select(Booking).where(Booking.vehicle_id == blue.id,
                                                 Booking.status.in_(("pending", "confirmed")))).all()
    assert live == []
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("nicht mehr"))).all()
