"""Maintenance blockouts: times a car cannot be booked, with the bookings they hit handled explicitly."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..models import Blockout, User, Vehicle, utcnow
from . import audit
from .admin_errors import refuse
from .affected_bookings import Affected, Outcome, check_choices, live_bookings_between, resolve, with_alternatives

FIELDS = ("vehicle_id", "start_at", "end_at", "reason")


def blockouts_of_site(session: Session, site_id: int, *, include_past: bool = False) -> Select:
    """The site's blockouts, soonest first (by default only those not over yet)."""
    query = select(Blockout).where(Blockout.site_id == site_id)
    if not include_past:
        query = query.where(Blockout.end_at > utcnow())
    return query.order_by(Blockout.start_at, Blockout.id)


def _check_period(start: datetime, end: datetime, now: datetime) -> None:
    if end <= start:
        raise refuse("end", "end_before_start")
    if end <= now:
        raise refuse("end", "start_in_past")


def preview(session: Session, vehicle: Vehicle, start: datetime, end: datetime,
            now: datetime | None = None) -> list[Affected]:
    """The bookings a blockout would hit, each with the cars free at its time. Writes nothing."""
    _check_period(start, end, now or utcnow())
    found = live_bookings_between(session, vehicle.id, start, end)
    return with_alternatives(session, vehicle.site_id, found, vehicle.id)


def create_blockout(session: Session, admin: User, vehicle: Vehicle, *, start: datetime, end: datetime, reason: str,
                    choices: dict[int, str], expected_ids: list[int],
                    now: datetime | None = None) -> tuple[Blockout, list[Outcome]]:
    """Block the car, then move or cancel each booking in the way as chosen in the preview."""
    check_choices(preview(session, vehicle, start, end, now), choices, expected_ids)
    blockout = Blockout(site_id=vehicle.site_id, vehicle_id=vehicle.id, start_at=start, end_at=end,
                        reason=reason.strip(), created_by_id=admin.id)
    session.add(blockout)
    session.flush()
    audit.record(session, actor=admin, action="blockout.create", obj=blockout,
                 after={**audit.snapshot(blockout, FIELDS), "bookings": {str(k): v for k, v in choices.items()}})
    session.commit()
    outcomes = resolve(session, admin, vehicle.id, start, end, choices, reason=blockout.reason,
                       template="blockout_affects_booking", now=now)
    return blockout, outcomes


def delete_blockout(session: Session, admin: User, blockout: Blockout) -> None:
    """End a blockout (the car can be booked again at that time). Commits."""
    audit.record(session, actor=admin, action="blockout.delete", obj=blockout, before=audit.snapshot(blockout, FIELDS))
    session.delete(blockout)
    session.commit()
