"""Administering people: finding them, roles, households, deactivation and reactivation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from ..models import LIVE_STATUSES, Booking, Household, User, utcnow
from . import accounts, audit, bookings
from .accounts import IssuedToken
from .admin_errors import refuse

STATES = ("active", "invited", "deactivated")


def search_users(session: Session, site_id: int, *, text: str = "", role: str | None = None,
                 state: str | None = None, household_id: int | None = None) -> Select:
    """People of the site matching a search text (name or e-mail) and filters, by name."""
    query = select(User).where(User.site_id == site_id, User.deleted_at.is_(None))
    if text.strip():
        pattern = f"%{text.strip().lower()}%"
        query = query.where(or_(func.lower(User.name).like(pattern), User.email.like(pattern)))
    if role:
        query = query.where(User.role == role)
    if state == "active":
        query = query.where(User.active.is_(True), User.password_hash.is_not(None))
    elif state == "invited":
        query = query.where(User.active.is_(True), User.password_hash.is_(None))
    elif state == "deactivated":
        query = query.where(User.active.is_(False))
    if household_id:
        query = query.where(User.household_id == household_id)
    return query.order_by(func.lower(User.name), User.id)


def future_bookings_of(session: Session, user: User) -> list[Booking]:
    """Live bookings the person made that have not ended yet, soonest first."""
    return list(session.scalars(select(Booking).where(
        Booking.user_id == user.id, Booking.status.in_(LIVE_STATUSES), Booking.end_at > utcnow())
        .order_by(Booking.start_at)))


def _not_self(admin: User, user: User, code: str) -> None:
    if admin.id == user.id:
        raise refuse(None, code)


def change_role(session: Session, admin: User, user: User, role: str) -> None:
    """Make someone an administrator or a resident (never oneself: no one locks themselves out). Commits."""
    _not_self(admin, user, "not_on_yourself")
    if role == user.role:
        return
    if role == "resident" and user.household_id is None:
        raise refuse("role", "household_required")
    before = {"role": user.role}
    user.role = role
    user.session_version += 1  # pages open with the old rights end
    audit.record(session, actor=admin, action="user.role", obj=user, before=before, after={"role": role})
    session.commit()


def move_to_household(session: Session, admin: User, user: User, household: Household | None) -> None:
    """Move a person to another household (their past bookings stay with the old one). Commits."""
    if household is None and user.role == "resident":
        raise refuse("household_id", "household_required")
    new_id = household.id if household else None
    if new_id == user.household_id:
        return
    before = {"household_id": user.household_id}
    user.household_id = new_id
    audit.record(session, actor=admin, action="user.household", obj=user, before=before,
                 after={"household_id": new_id})
    session.commit()


def deactivate(session: Session, admin: User, user: User, *, reason: str) -> list[Booking]:
    """Lock an account: its upcoming bookings are cancelled (each household told), every session ends.

    Bookings on the road right now stay and end normally. The data stays for a reactivation.
    Returns the cancelled bookings. One commit per booking, then one for the account.
    """
    _not_self(admin, user, "not_on_yourself")
    if not user.active:
        return []
    cancelled = []
    for booking in future_bookings_of(session, user):
        if booking.status == "active":
            continue
        cancelled.append(bookings.cancel_booking(session, admin, booking.id, reason=reason))
    user.active = False
    user.session_version += 1
    audit.record(session, actor=admin, action="user.deactivate", obj=user, before={"active": True},
                 after={"active": False, "cancelled_booking_ids": [b.id for b in cancelled]})
    session.commit()
    return cancelled


def reactivate(session: Session, admin: User, user: User) -> None:
    """Unlock an account; the person logs in with their old password. Commits."""
    if user.active:
        return
    user.active = True
    audit.record(session, actor=admin, action="user.reactivate", obj=user, before={"active": False},
                 after={"active": True})
    session.commit()


def resend_invitation(session: Session, admin: User, user: User, *, valid_for: timedelta,
                      send: Callable[[IssuedToken], str]) -> str:
    """A fresh invitation link (older ones stop working), queued by `send`; returns the link. Commits."""
    issued = accounts.reissue_invitation(session, admin, user, valid_for=valid_for)
    link = send(issued)
    session.commit()
    return link


def send_password_reset(session: Session, admin: User, user: User, *, valid_for: timedelta,
                        send: Callable[[IssuedToken], str]) -> str:
    """E-mail the person a link to set a new password (their current one keeps working until then). Commits."""
    if not user.is_active:
        raise refuse(None, "inactive_account")
    issued = accounts.request_password_reset(session, user.email, valid_for=valid_for)
    link = send(issued)
    audit.record(session, actor=admin, action="user.password_reset_sent", obj=user)
    session.commit()
    return link
