"""Privacy (GDPR): a resident's data export, account deletion, and the retention period for bookings.

Bookings are the household's accounting (kilometres, costs): they stay when a resident leaves, but
without anything that points to the person (booker, notes, cancel reasons, return photo).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from ..database import begin_write
from ..domain.intervals import TimeSlot
from ..models import (
    ApiToken,
    AuditEvent,
    Booking,
    Household,
    OneTimeToken,
    OutboxMessage,
    RecurringSeries,
    User,
    WaitlistEntry,
    utcnow,
)
from ..models.user import new_calendar_token
from ..security.passwords import verify_password
from . import audit
from .accounts import AccountError

PROFILE_FIELDS = ("id", "email", "name", "role", "language", "phone", "share_contact", "notify_email",
                  "created_at", "last_login_at")
BOOKING_FIELDS = ("id", "vehicle_id", "household_id", "start_at", "end_at", "blocked_until", "status",
                  "distance_km", "note", "series_id", "created_at", "updated_at", "cancelled_at", "cancel_reason")
TRIP_FIELDS = ("id", "vehicle_id", "picked_up_at", "returned_at", "odometer_start_km", "odometer_end_km",
               "soc_start_percent", "soc_end_percent", "plugged_in_on_return", "damage_note",
               "return_photo_filename")
#: What an anonymised booking loses; the rest (car, household, times, km, status) is accounting.
PERSONAL_BOOKING_FIELDS = {"user_id": None, "note": "", "cancel_reason": None, "cancelled_by_id": None,
                           "decided_by_id": None, "damage_note": None, "return_photo_filename": None}


def _row(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return audit._jsonable({name: getattr(obj, name) for name in fields})


def export_user_data(session: Session, user: User) -> dict[str, Any]:
    """Everything stored about the user, as JSON-ready data (profile, household, bookings, trips, audit)."""
    household = session.get(Household, user.household_id) if user.household_id else None
    own = session.scalars(select(Booking).where(Booking.user_id == user.id).order_by(Booking.start_at)).all()
    events = session.scalars(select(AuditEvent).where(or_(
        AuditEvent.actor_id == user.id,
        (AuditEvent.object_type == User.__tablename__) & (AuditEvent.object_id == user.id),
    )).order_by(AuditEvent.id)).all()
    waitlist = session.scalars(select(WaitlistEntry).where(WaitlistEntry.user_id == user.id)).all()
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    return {
        "format": "quartierauto-personal-data/1",
        "exported_at": utcnow().isoformat(),
        "profile": _row(user, PROFILE_FIELDS),
        "household": {"id": household.id, "name": household.name, "address": household.address} if household else None,
        "bookings": [_row(b, BOOKING_FIELDS) for b in own],
        "trips": [_row(b, TRIP_FIELDS) for b in own if b.picked_up_at is not None],
        "waiting_list": [_row(w, ("id", "vehicle_id", "start_at", "end_at", "status")) for w in waitlist],
        "api_tokens": [_row(t, ("name", "prefix", "scopes", "created_at", "last_used_at", "revoked_at"))
                       for t in tokens],
        "audit": [{**_row(e, ("id", "action", "object_type", "object_id", "created_at")),
                   "by_you": e.actor_id == user.id, "before": e.before, "after": e.after} for e in events],
    }


def delete_account(session: Session, user: User, password: str, *, now: datetime | None = None,
                   photo_folder: Path | None = None) -> int:
    """Delete the own account after checking the password; returns how many future bookings were cancelled.

    Future bookings are cancelled (the slot is offered to the waiting list), past ones stay with the
    household, anonymised; tokens, waiting-list entries and unsent mails go; every session ends. Commits.
    """
    now = now or utcnow()
    begin_write(session)
    user = session.get(User, user.id)
    if not verify_password(user.password_hash, password):
        session.rollback()
        raise AccountError("wrong_current_password", field="password")
    if user.is_admin:
        session.rollback()
        raise AccountError("admin_cannot_delete")
    if session.scalar(select(Booking.id).where(Booking.user_id == user.id, Booking.status == "active")):
        session.rollback()
        raise AccountError("car_in_use")
    cancelled = _cancel_future_bookings(session, user, now)
    photos = _photos(session, Booking.user_id == user.id)
    _scrub_booking_audit(session, session.scalars(select(Booking.id).where(Booking.user_id == user.id)).all())
    session.execute(update(Booking).where(Booking.user_id == user.id).values(**PERSONAL_BOOKING_FIELDS))
    session.execute(update(RecurringSeries).where(RecurringSeries.user_id == user.id).values(user_id=None, note=""))
    session.execute(delete(WaitlistEntry).where(WaitlistEntry.user_id == user.id))
    session.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    session.execute(delete(OneTimeToken).where(OneTimeToken.user_id == user.id))
    session.execute(delete(OutboxMessage).where(OutboxMessage.to_address == user.email,
                                                OutboxMessage.sent_at.is_(None)))
    session.execute(update(AuditEvent).where(AuditEvent.object_type == User.__tablename__,
                                             AuditEvent.object_id == user.id).values(before=None, after=None))
    _anonymise_user(user, now)
    audit.record(session, actor=None, action="user.delete_own", obj=user, site_id=user.site_id,
                 after={"cancelled_bookings": cancelled})
    session.commit()
    _remove_photos(photo_folder, photos)
    return cancelled


def _cancel_future_bookings(session: Session, user: User, now: datetime) -> int:
    from .waitlist import offer_freed_slot

    future = session.scalars(select(Booking).where(
        Booking.user_id == user.id, Booking.status.in_(("pending", "confirmed")), Booking.end_at > now)).all()
    for booking in future:
        booking.status, booking.cancelled_at, booking.sequence = "cancelled", now, booking.sequence + 1
        booking.updated_at = now
        audit.record(session, actor=None, action="booking.cancel", obj=booking,
                     after={"status": "cancelled", "reason": "account deleted"})
    session.flush()
    for booking in future:
        offer_freed_slot(session, booking.vehicle_id, TimeSlot(booking.start_at, booking.end_at), now=now)
    return len(future)


def _anonymise_user(user: User, now: datetime) -> None:
    user.email = f"deleted-{user.id}@deleted.invalid"
    user.name = "—"
    user.phone = None
    user.password_hash = None
    user.household_id = None
    user.share_contact = False
    user.notify_email = False
    user.active = False
    user.deleted_at = now
    user.session_version = (user.session_version or 0) + 1  # every session and remember-me cookie dies
    user.calendar_token = new_calendar_token()


#: Free text in the audit snapshots of a booking that may say something about a person.
AUDIT_FREE_TEXT = ("note", "reason", "cancel_reason", "damage_note")


def _scrub_booking_audit(session: Session, booking_ids: list[int], chunk: int = 500) -> None:
    """Drop the free-text fields from the audit snapshots of these bookings (times, car, km stay)."""
    for i in range(0, len(booking_ids), chunk):
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == Booking.__tablename__, AuditEvent.object_id.in_(booking_ids[i:i + chunk])))
        for event in events:
            for name in ("before", "after"):
                value = getattr(event, name)
                if isinstance(value, dict) and any(key in value for key in AUDIT_FREE_TEXT):
                    setattr(event, name, {k: v for k, v in value.items() if k not in AUDIT_FREE_TEXT})


def photo_folder(instance_path: str) -> Path:
    """Where return photos are stored (see web/trips.py)."""
    return Path(instance_path) / "uploads" / "returns"


def _photos(session: Session, condition) -> list[str]:
    return list(session.scalars(select(Booking.return_photo_filename).where(
        condition, Booking.return_photo_filename.is_not(None))))


def _remove_photos(folder: Path | None, names: list[str]) -> None:
    """Delete return photos (after the commit: a failed transaction keeps them)."""
    if folder is None:
        return
    for name in names:
        if "/" not in name and "\\" not in name and not name.startswith("."):
            (Path(folder) / name).unlink(missing_ok=True)


def apply_retention(session: Session, *, days: int, now: datetime | None = None,
                    photo_folder: Path | None = None) -> int:
    """Anonymise finished bookings that ended more than `days` ago (0: keep everything); commits."""
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    begin_write(session)
    personal = or_(Booking.user_id.is_not(None), Booking.note != "", Booking.cancel_reason.is_not(None),
                   Booking.cancelled_by_id.is_not(None), Booking.decided_by_id.is_not(None),
                   Booking.damage_note.is_not(None), Booking.return_photo_filename.is_not(None))
    old = (Booking.end_at < cutoff) & Booking.status.not_in(("pending", "confirmed", "active")) & personal
    photos = _photos(session, old)
    _scrub_booking_audit(session, session.scalars(select(Booking.id).where(old)).all())
    result = session.execute(update(Booking).where(old).values(**PERSONAL_BOOKING_FIELDS))
    count = result.rowcount or 0
    if count:
        audit.record(session, actor=None, action="booking.retention", object_type="booking", site_id=None,
                     after={"anonymised": count, "ended_before": cutoff.isoformat()})
    session.commit()
    _remove_photos(photo_folder, photos)
    return count
