"""How much of a household's quota is used: for the "what is left" display."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from .booking_rules import BookingRules
from .intervals import TimeSlot


@dataclass(frozen=True)
class QuotaStatus:
    """Future bookings and hours in the coming 7 days: used and allowed."""

    future_bookings_used: int
    future_bookings_limit: int
    hours_used: float
    hours_limit: float

    @property
    def future_bookings_left(self) -> int:
        return max(0, self.future_bookings_limit - self.future_bookings_used)

    @property
    def hours_left(self) -> float:
        return max(0.0, self.hours_limit - self.hours_used)


def quota_status(rules: BookingRules, now: datetime, bookings: Sequence[TimeSlot]) -> QuotaStatus:
    """Count the household's live bookings: those not yet ended, and hours in the 7 days from now."""
    window = TimeSlot(now, now + timedelta(days=7))
    future = [b for b in bookings if b.end > now]
    hours = sum(max(0.0, (min(b.end, window.end) - max(b.start, window.start)).total_seconds()) for b in bookings)
    return QuotaStatus(len(future), rules.max_future_bookings, round(hours / 3600, 2), rules.max_hours_per_7_days)
