"""E-mails about bookings, written to the outbox in the booking's own transaction."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Booking, Site, User
from ..notifications import notify_user
from . import ical
from .outbox import Attachment


def _household_members(session: Session, booking: Booking) -> list[User]:
    """Who hears about a booking: the resident who booked, or (if gone) the household's members."""
    if booking.user is not None and booking.user.deleted_at is None:
        return [booking.user]
    return list(session.scalars(select(User).where(User.household_id == booking.household_id,
                                                   User.active.is_(True))))


def _ics(booking: Booking, site: Site, method: str = "REQUEST") -> list[Attachment]:
    return [Attachment("buchung.ics", f"text/calendar; method={method}; charset=utf-8",
                       ical.booking_calendar(booking, site, method=method))]


def created(session: Session, booking: Booking, *, actor: User, site: Site) -> None:
    """Confirmation (or "waiting for approval") with an .ics attachment."""
    session.flush()
    for user in _household_members(session, booking):
        if booking.status == "pending":
            notify_user(session, user, "booking_pending", subject=_l("Your booking waits for approval"),
                        booking=booking, site=site)
        else:
            notify_user(session, user, "booking_confirmed", subject=_l("Booking confirmed: %(car)s",
                                                                       car=booking.vehicle.name),
                        booking=booking, site=site, attachments=_ics(booking, site))


def changed(session: Session, booking: Booking, *, actor: User) -> None:
    """The new time or car, with an updated .ics."""
    site = session.get(Site, booking.site_id)
    for user in _household_members(session, booking):
        notify_user(session, user, "booking_changed", subject=_l("Booking changed: %(car)s", car=booking.vehicle.name),
                    booking=booking, site=site, by_admin=actor.is_admin and actor.id != booking.user_id,
                    attachments=_ics(booking, site))


def cancelled(session: Session, booking: Booking, *, actor: User) -> None:
    """Cancellation (with the administrator's reason when an admin cancelled it)."""
    site = session.get(Site, booking.site_id)
    for user in _household_members(session, booking):
        notify_user(session, user, "booking_cancelled",
                    subject=_l("Booking cancelled: %(car)s", car=booking.vehicle.name), booking=booking, site=site,
                    by_admin=actor.is_admin and actor.id != booking.user_id, reason=booking.cancel_reason,
                    attachments=_ics(booking, site, method="CANCEL"), force=actor.id != booking.user_id)


def at_risk(session: Session, booking: Booking, *, why: str) -> None:
    """The car will be late or is not available: tell the booking's resident once."""
    site = session.get(Site, booking.site_id)
    for user in _household_members(session, booking):
        notify_user(session, user, "booking_at_risk", subject=_l("Your booking of %(car)s is at risk",
                                                                 car=booking.vehicle.name),
                    booking=booking, site=site, why=why, dedupe_key=f"at-risk:{why}:{booking.id}:{user.id}",
                    force=True)


def approval_decided(session: Session, booking: Booking) -> None:
    site = session.get(Site, booking.site_id)
    for user in _household_members(session, booking):
        notify_user(session, user, "booking_approval", subject=_l("Decision on your booking of %(car)s",
                                                                  car=booking.vehicle.name),
                    booking=booking, site=site, approved=booking.status == "confirmed", force=True)


def waitlist_slot_free(session: Session, user: User, *, vehicle, slot, booked: Booking | None) -> None:
    site = session.get(Site, vehicle.site_id)
    notify_user(session, user, "waitlist_slot_free", subject=_l("A car you waited for is free"),
                vehicle=vehicle, slot=slot, booking=booked, site=site)
