"""Weekly recurring bookings: the same local wall-clock time on chosen weekdays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import BookingRejected, Reason
from .intervals import TimeSlot
from .localtime import local_to_utc

MAX_OCCURRENCES = 120


@dataclass(frozen=True)
class Occurrence:
    """One date of a series: its slot, or why that date has no valid slot."""

    day: date
    slot: TimeSlot | None
    reason: Reason | None = None


def weekly_occurrences(first_date: date, local_start: time, duration: timedelta, weekdays: set[int],
                       until: date, zone: ZoneInfo) -> list[Occurrence]:
    """Every occurrence from `first_date` to `until` (inclusive) on the weekdays (Monday = 0).

    The local start time stays the same across DST switches; the duration is real
    elapsed time. A start that does not exist on a switch night is reported, not moved.
    """
    occurrences: list[Occurrence] = []
    day = first_date
    while day <= until and len(occurrences) < MAX_OCCURRENCES:
        if day.weekday() in weekdays:
            try:
                start = local_to_utc(day, local_start, zone)
            except BookingRejected as rejected:
                occurrences.append(Occurrence(day, None, rejected.reasons[0]))
            else:
                occurrences.append(Occurrence(day, TimeSlot(start, start + duration)))
        day += timedelta(days=1)
    return occurrences


def local_wall_time(moment: datetime, zone: ZoneInfo) -> time:
    """The local clock time of an instant."""
    return moment.astimezone(zone).time().replace(tzinfo=None)
