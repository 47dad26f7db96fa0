"""The 7-day quota window: the fast computation equals the obvious one on random households."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sharing.domain.booking_rules import max_hours_in_any_window
from sharing.domain.intervals import TimeSlot

BASE = datetime(2031, 1, 6, tzinfo=UTC)
WEEK = timedelta(days=7)


def _obvious(existing: list[TimeSlot], new: TimeSlot, length: timedelta) -> float:
    """Every candidate window, every booking: quadratic, but plainly right."""
    slots = [*existing, new]
    best = 0.0
    for window_start in {s.start for s in slots} | {s.end - length for s in slots}:
        window_end = window_start + length
        if window_end <= new.start or window_start >= new.end:
            continue
        booked = sum(max(0.0, (min(window_end, s.end) - max(window_start, s.start)).total_seconds()) for s in slots)
        best = max(best, booked / 3600)
    return best


quarter_hours = st.integers(min_value=0, max_value=4 * 24 * 30)
slots = st.builds(lambda start, length: TimeSlot(BASE + timedelta(minutes=15 * start),
                                                 BASE + timedelta(minutes=15 * (start + length))),
                  quarter_hours, st.integers(min_value=1, max_value=4 * 72))


@settings(max_examples=300, deadline=None)
@given(existing=st.lists(slots, max_size=40), new=slots)
def test_fast_window_equals_the_obvious_one(existing, new):
    assert max_hours_in_any_window(existing, new, WEEK) == pytest.approx(_obvious(existing, new, WEEK), abs=1e-6)


def test_a_household_that_books_a_lot_is_counted_quickly_and_right():
    existing = [TimeSlot(BASE + timedelta(minutes=75 * n), BASE + timedelta(minutes=75 * n + 60)) for n in range(400)]
    new = TimeSlot(BASE + timedelta(days=10), BASE + timedelta(days=10, hours=1))
    assert max_hours_in_any_window(existing, new, WEEK) == pytest.approx(_obvious(existing, new, WEEK))
