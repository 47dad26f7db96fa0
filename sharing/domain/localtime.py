"""Wall-clock times in a site's zone, converted to UTC without surprises around DST."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .errors import BookingRejected, Reason


def is_nonexistent(naive: datetime, zone: ZoneInfo) -> bool:
    """Whether this wall-clock time is skipped by a spring-forward switch (02:30 on 29 March 2026 in Berlin)."""
    aware = naive.replace(tzinfo=zone)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive


def local_to_utc(day: date, clock: time, zone: ZoneInfo, *, field: str = "start") -> datetime:
    """The UTC instant of a local date and time.

    A time that does not exist (skipped in spring) is refused with the reason
    "nonexistent_local_time". A time that exists twice (autumn) means the first of
    the two, i.e. still summer time (fold=0): that is what people mean by "02:30".
    """
    naive = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    if is_nonexistent(naive, zone):
        raise BookingRejected([Reason("nonexistent_local_time", field=field,
                                      params={"local": naive.isoformat(timespec="minutes"), "zone": zone.key})])
    return naive.replace(tzinfo=zone).astimezone(UTC)


def floor_to_grid(moment: datetime, grid_minutes: int, zone: ZoneInfo) -> datetime:
    """The latest grid point (in local wall-clock minutes) not after `moment`."""
    local = moment.astimezone(zone)
    excess = timedelta(minutes=local.minute % grid_minutes, seconds=local.second, microseconds=local.microsecond)
    return moment - excess


def ceil_to_grid(moment: datetime, grid_minutes: int, zone: ZoneInfo) -> datetime:
    """The earliest grid point not before `moment`."""
    floored = floor_to_grid(moment, grid_minutes, zone)
    return floored if floored == moment else floored + timedelta(minutes=grid_minutes)


def on_grid(moment: datetime, grid_minutes: int, zone: ZoneInfo) -> bool:
    """Whether the moment lies on the local time grid."""
    return floor_to_grid(moment, grid_minutes, zone) == moment
