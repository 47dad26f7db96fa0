"""The booking rules on plain values: every rule, with interval edge cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from sharing.domain.booking_rules import (
    BlockoutFacts,
    BookingRequest,
    BookingRules,
    BusyInterval,
    RuleContext,
    VehicleFacts,
    evaluate_request,
    max_hours_in_any_window,
)
from sharing.domain.errors import BookingRejected
from sharing.domain.intervals import TimeSlot, free_gaps, merge, overlaps
from sharing.domain.localtime import ceil_to_grid, floor_to_grid, local_to_utc
from sharing.domain.quota import quota_status
from sharing.domain.recurrence import weekly_occurrences
from sharing.domain.suggestions import suggest

BERLIN = ZoneInfo("Europe/Berlin")
NOW = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)
H = timedelta(hours=1)
M = timedelta(minutes=1)
CAR = VehicleFacts(1, "Die Blaue", "active", 58.0, 80.0, 15.5, 11.0)
DEFAULT_RULES = BookingRules()


def slot(start_h: float, end_h: float) -> TimeSlot:
    return TimeSlot(NOW + start_h * H, NOW + end_h * H)


def busy(booking_id: int, start_h: float, end_h: float, household: int = 2, vehicle: int = 1) -> BusyInterval:
    s = slot(start_h, end_h)
    return BusyInterval(booking_id, vehicle, household, s, s.end + 15 * M)


def decide(request_slot: TimeSlot, *, bookings=(), household=(), blockouts=(), vehicle=CAR, km=0,
           is_admin=False, rules=DEFAULT_RULES, now=NOW):
    request = BookingRequest(vehicle.id, 1, request_slot, km, is_admin)
    ctx = RuleContext(now, BERLIN, rules, vehicle, bookings, household, blockouts)
    return evaluate_request(request, ctx)


def kinds(decision) -> list[str]:
    return [r.kind for r in decision.reasons]


@pytest.mark.parametrize("a, b, expected", [
    ((10, 12), (12, 14), False),   # touching
    ((10, 12), (11, 13), True),    # overlapping
    ((10, 14), (11, 12), True),    # containing
    ((10, 12), (10, 12), True),    # identical
    ((10, 11), (13, 14), False),   # apart
])
def test_half_open_overlap(a, b, expected):
    assert overlaps(slot(*a), slot(*b)) is expected
    assert overlaps(slot(*b), slot(*a)) is expected


def test_timeslot_refuses_naive_and_empty():
    with pytest.raises(ValueError):
        TimeSlot(datetime(2031, 1, 1), datetime(2031, 1, 2))
    with pytest.raises(ValueError):
        TimeSlot(NOW, NOW)


def test_merge_and_gaps():
    merged = merge([slot(3, 4), slot(1, 2), slot(2, 2.5)])
    assert merged == [slot(1, 2.5), slot(3, 4)]
    assert free_gaps(merged, slot(0, 5)) == [slot(0, 1), slot(2.5, 3), slot(4, 5)]


@pytest.mark.parametrize("existing, wanted, expected", [
    ((4, 6), (6, 7), ["buffer_conflict"]),          # touching: the handover buffer is missing
    ((4, 6), (6.25, 7), []),                         # exactly the buffer later
    ((4, 6), (2, 3.75), []),                         # ends exactly a buffer before
    ((4, 6), (2, 4), ["buffer_conflict"]),           # touching before: its buffer reaches into the booking
    ((4, 6), (5, 7), ["vehicle_booked"]),            # overlapping
    ((4, 6), (4.5, 5), ["vehicle_booked"]),          # contained
    ((4, 6), (3, 8), ["vehicle_booked"]),            # containing
])
def test_conflicts_with_buffer(existing, wanted, expected):
    assert kinds(decide(slot(*wanted), bookings=[busy(9, *existing)])) == expected


def test_conflict_reason_carries_the_interval():
    reason = decide(slot(5, 7), bookings=[busy(9, 4, 6)]).reasons[0]
    assert reason.interval == slot(4, 6) and reason.field == "start"


def test_other_cars_do_not_conflict():
    assert kinds(decide(slot(5, 7), bookings=[busy(9, 4, 6, vehicle=2)])) == []


@pytest.mark.parametrize("start_min, end_min, expected", [
    (0, 60, []),
    (7, 60, ["off_grid"]),
    (0, 50, ["off_grid"]),
    (0, 15, ["too_short"]),
    (0, 73 * 60, ["too_long", "household_hours_limit"]),
])
def test_grid_and_duration(start_min, end_min, expected):
    assert kinds(decide(TimeSlot(NOW + H + start_min * M, NOW + H + end_min * M))) == expected


def test_past_and_advance():
    assert "in_past" in kinds(decide(slot(-2, -1)))
    assert kinds(decide(slot(0, 1))) == []  # booking "now" is fine
    assert "too_far_ahead" in kinds(decide(slot(24 * 61, 24 * 61 + 1)))


def test_vehicle_status_and_blockout():
    broken = VehicleFacts(1, "Kaputt", "maintenance", 58.0, 80.0, 15.5, 11.0)
    assert "vehicle_unavailable" in kinds(decide(slot(2, 3), vehicle=broken))
    blockout = BlockoutFacts(1, slot(2, 5), "TÜV")
    assert kinds(decide(slot(4, 6), blockouts=[blockout])) == ["blockout"]
    assert kinds(decide(slot(5, 6), blockouts=[blockout])) == []


def test_household_future_booking_limit_and_admin_exemption():
    mine = [busy(i, 24 * i + 2, 24 * i + 3, household=1) for i in range(1, 5)]
    assert kinds(decide(slot(2, 3), household=mine)) == ["household_booking_limit"]
    assert kinds(decide(slot(2, 3), household=mine, is_admin=True)) == []


def test_household_hours_in_any_seven_days():
    mine = [busy(1, 24, 44, household=1)]  # 20 h
    assert kinds(decide(slot(24 * 6, 24 * 6 + 11), household=mine)) == ["household_hours_limit"]
    assert kinds(decide(slot(24 * 6, 24 * 6 + 10), household=mine)) == []
    assert kinds(decide(slot(24 * 8, 24 * 8 + 11), household=mine)) == []  # more than 7 days apart


def test_max_hours_window_is_exact():
    existing = [slot(0, 10), slot(24 * 7 - 5, 24 * 7)]
    assert max_hours_in_any_window(existing, slot(24 * 3, 24 * 3 + 2), 24 * 7 * H) == pytest.approx(17)


def test_energy_rules():
    assert kinds(decide(slot(1, 2), km=1000)) == ["distance_exceeds_range"]
    empty = VehicleFacts(1, "Leer", "active", 58.0, 5.0, 15.5, 11.0)
    assert kinds(decide(slot(0.25, 2), km=200, vehicle=empty)) == ["insufficient_charge"]
    assert kinds(decide(slot(12, 14), km=200, vehicle=empty)) == []  # enough time to charge


def test_approval_threshold_and_per_car():
    rules = BookingRules(approval_threshold=timedelta(hours=24))
    assert decide(slot(2, 30), rules=rules).needs_approval
    assert not decide(slot(2, 20), rules=rules).needs_approval
    picky = VehicleFacts(1, "X", "active", 58.0, 80.0, 15.5, 11.0, requires_approval=True)
    assert decide(slot(2, 3), vehicle=picky).needs_approval


def test_every_reason_is_collected():
    assert set(kinds(decide(TimeSlot(NOW - H + 7 * M, NOW - H + 17 * M), km=5000))) >= {
        "off_grid", "in_past", "too_short", "distance_exceeds_range"}


def test_suggestions_other_cars_and_nearest_slots():
    other = VehicleFacts(2, "Zoe", "active", 52.0, 90.0, 17.2, 22.0)
    taken = busy(9, 4, 6)
    request = BookingRequest(1, 1, slot(5, 7), 10)
    ctx = RuleContext(NOW, BERLIN, BookingRules(), CAR, [taken], [], [])
    result = suggest(request, ctx, other_vehicles=[CAR, other], bookings_by_vehicle={}, blockouts_by_vehicle={})
    assert [s.vehicle_id for s in result.other_vehicles] == [2]
    assert result.later.slot == TimeSlot(taken.blocked_until, taken.blocked_until + 2 * H)
    assert result.earlier.slot.end <= taken.slot.start - 15 * M


def test_local_time_conversion_across_dst():
    assert local_to_utc(date(2026, 3, 29), time(1, 30), BERLIN) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    with pytest.raises(BookingRejected) as caught:
        local_to_utc(date(2026, 3, 29), time(2, 30), BERLIN)
    assert caught.value.reasons[0].kind == "nonexistent_local_time"
    # 02:30 on 25 October 2026 happens twice: the first (summer time) is meant.
    assert local_to_utc(date(2026, 10, 25), time(2, 30), BERLIN) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_booking_across_the_spring_switch_lasts_real_hours():
    start = local_to_utc(date(2026, 3, 28), time(22, 0), BERLIN)
    end = local_to_utc(date(2026, 3, 29), time(6, 0), BERLIN)
    assert TimeSlot(start, end).duration == 7 * H  # one hour of the night does not exist


def test_grid_rounding():
    moment = datetime(2031, 3, 3, 7, 7, tzinfo=UTC)
    assert floor_to_grid(moment, 15, BERLIN) == datetime(2031, 3, 3, 7, 0, tzinfo=UTC)
    assert ceil_to_grid(moment, 15, BERLIN) == datetime(2031, 3, 3, 7, 15, tzinfo=UTC)


def test_weekly_recurrence_keeps_the_local_time_over_dst():
    occurrences = weekly_occurrences(date(2026, 3, 20), time(18, 0), timedelta(hours=2), {4}, date(2026, 4, 3),
                                     BERLIN)
    assert [o.slot.start.astimezone(BERLIN).hour for o in occurrences] == [18, 18, 18]
    assert [o.slot.start.utcoffset() for o in occurrences]
    nights = weekly_occurrences(date(2026, 3, 22), time(2, 30), timedelta(hours=1), {6}, date(2026, 3, 29), BERLIN)
    assert nights[1].slot is None and nights[1].reason.kind == "nonexistent_local_time"


def test_quota_status():
    status = quota_status(BookingRules(), NOW, [slot(2, 4), slot(24 * 8, 24 * 8 + 1)])
    assert status.future_bookings_used == 2 and status.hours_used == 2 and status.hours_left == 28
