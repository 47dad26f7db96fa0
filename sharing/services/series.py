"""Recurring bookings: every occurrence checked; the resident books the free ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ..domain.errors import BookingRejected, Reason
from ..domain.intervals import TimeSlot
from ..domain.recurrence import weekly_occurrences
from ..models import RecurringSeries, Site, User, utcnow
from . import audit
from .bookings import check_request, create_booking


@dataclass
class SeriesResult:
    """What a series request gave: the stored series (if any), booked occurrences, and the refused ones."""

    series: RecurringSeries | None
    booked: list = field(default_factory=list)
    conflicts: list[tuple[date, TimeSlot | None, list[Reason]]] = field(default_factory=list)
    free: list[TimeSlot] = field(default_factory=list)


def create_series(session: Session, actor: User, *, vehicle_id: int, first_date: date, local_start_time: time,
                  duration_minutes: int, weekdays: set[int], until_date: date, distance_km: float = 0,
                  note: str = "", book_free_only: bool = False, now: datetime | None = None) -> SeriesResult:
    """Book weekly occurrences. With conflicts and book_free_only=False nothing is stored: the
    caller shows which occurrences conflict and asks whether to book the rest."""
    now = now or utcnow()
    if not weekdays:
        raise BookingRejected([Reason("no_weekdays", field="weekdays")])
    if until_date < first_date:
        raise BookingRejected([Reason("until_before_first", field="until_date")])
    if until_date > first_date + timedelta(days=366):
        raise BookingRejected([Reason("series_too_long", field="until_date")])
    site = session.get(Site, actor.site_id)
    zone = ZoneInfo(site.timezone)
    occurrences = weekly_occurrences(first_date, local_start_time, timedelta(minutes=duration_minutes),
                                     weekdays, until_date, zone)
    result = SeriesResult(series=None)
    for occurrence in occurrences:
        if occurrence.slot is None:
            result.conflicts.append((occurrence.day, None, [occurrence.reason]))
            continue
        answer = check_request(session, actor, vehicle_id=vehicle_id, start=occurrence.slot.start,
                               end=occurrence.slot.end, distance_km=distance_km, now=now)
        if answer.ok:
            result.free.append(occurrence.slot)
        else:
            result.conflicts.append((occurrence.day, occurrence.slot, answer.reasons))
    if (result.conflicts and not book_free_only) or not result.free:
        session.rollback()
        return result
    series = RecurringSeries(site_id=site.id, user_id=actor.id, household_id=actor.household_id,
                             vehicle_id=vehicle_id, weekdays="".join(str(d) for d in sorted(weekdays)),
                             local_start_time=local_start_time, duration_minutes=duration_minutes,
                             first_date=first_date, until_date=until_date, distance_km=int(distance_km), note=note)
    session.add(series)
    session.commit()
    result.series = series
    for slot in result.free:
        try:
            result.booked.append(create_booking(session, actor, vehicle_id=vehicle_id, start=slot.start,
                                                end=slot.end, distance_km=distance_km, note=note, now=now,
                                                series_id=series.id))
        except BookingRejected as rejected:  # taken meanwhile, or the quota is reached by the earlier ones
            result.conflicts.append((slot.start.astimezone(zone).date(), slot, rejected.reasons))
    audit.record(session, actor=actor, action="series.create", obj=series,
                 after={"booked": len(result.booked), "conflicts": len(result.conflicts)})
    session.commit()
    return result
