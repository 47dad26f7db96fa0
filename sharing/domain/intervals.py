"""Half-open time intervals [start, end) on aware datetimes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, order=True)
class TimeSlot:
    """A half-open interval [start, end) between two aware datetimes."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None or self.end.tzinfo is None:
            raise ValueError("TimeSlot needs time-zone-aware datetimes")
        if self.end <= self.start:
            raise ValueError("TimeSlot must end after it starts")

    @property
    def duration(self) -> timedelta:
        """Elapsed (real) time; across a DST switch this differs from the wall-clock difference."""
        return self.end - self.start

    def overlaps(self, other: TimeSlot) -> bool:
        """Whether the two share any instant; touching intervals do not overlap."""
        return overlaps(self, other)

    def padded(self, after: timedelta) -> TimeSlot:
        """The slot extended at its end (e.g. by the handover buffer)."""
        return TimeSlot(self.start, self.end + after)

    def contains(self, other: TimeSlot) -> bool:
        return self.start <= other.start and other.end <= self.end

    def shifted(self, delta: timedelta) -> TimeSlot:
        return TimeSlot(self.start + delta, self.end + delta)


def overlaps(a: TimeSlot, b: TimeSlot) -> bool:
    """The one overlap predicate; its SQL twin is `a.start < b.end AND b.start < a.end`."""
    return a.start < b.end and b.start < a.end


def merge(slots: Iterable[TimeSlot]) -> list[TimeSlot]:
    """Sorted, non-overlapping union of the slots (touching slots are joined)."""
    merged: list[TimeSlot] = []
    for slot in sorted(slots):
        if merged and slot.start <= merged[-1].end:
            if slot.end > merged[-1].end:
                merged[-1] = TimeSlot(merged[-1].start, slot.end)
        else:
            merged.append(slot)
    return merged


def free_gaps(busy: Sequence[TimeSlot], within: TimeSlot) -> list[TimeSlot]:
    """The parts of `within` not covered by any busy slot."""
    gaps: list[TimeSlot] = []
    cursor = within.start
    for slot in merge(busy):
        if slot.end <= cursor:
            continue
        if slot.start >= within.end:
            break
        if slot.start > cursor:
            gaps.append(TimeSlot(cursor, min(slot.start, within.end)))
        cursor = max(cursor, slot.end)
    if cursor < within.end:
        gaps.append(TimeSlot(cursor, within.end))
    return gaps
