"""E-mails about bookings, queued in the booking's own transaction.

Confirmations, changes and cancellations are queued as the template and the booking's id and
written when the outbox sends them (`write_booking_mail`): booking requests do not wait for
templates and calendar files, and the mail tells the booking as it is when it goes out, in the
recipient's language then.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Booking, OutboxMessage, Site, User
from ..notifications import notify_user, wants_mail, write_mail
from . import ical, outbox
from .outbox import Attachment

#: Mails written when sent: template -> (subject with the car's name, method of the attached .ics or None).
_WRITTEN_WHEN_SENT = {
    "booking_confirmed": (lambda car: _l("Booking confirmed: %(car)s", car=car), "REQUEST"),
    "booking_pending": (lambda car: _l("Your booking waits for approval"), None),
    "booking_changed": (lambda car: _l("Booking changed: %(car)s", car=car), "REQUEST"),
    "booking_cancelled": (lambda car: _l("Booking cancelled: %(car)s", car=car), "CANCEL"),
}


def _household_members(session: Session, booking: Booking) -> list[User]:
    """Who hears about a booking: the resident who booked, or (if gone) the household's members."""
    if booking.user is not None and booking.user.deleted_at is None:
        return [booking.user]
    return list(session.scalars(select(User).where(User.household_id == booking.household_id,
                                                   User.active.is_(True))))


def _ics(booking: Booking, site: Site, method: str = "REQUEST") -> list[Attachment]:
    return [Attachment("buchung.ics", f"text/calendar; method={method}; charset=utf-8",
                       ical.booking_calendar(booking, site, method=method))]


def _queue(session: Session, booking: Booking, template: str, *, force: bool = False, **values) -> None:
    """Queue a mail about the booking for each of its household's recipients, to be written when sent."""
    for user in _household_members(session, booking):
        if wants_mail(user, force=force):
            outbox.enqueue_later(session, to=user.email, template=template,
                                 context={"booking_id": booking.id, "user_id": user.id, **values})


@outbox.writes(*_WRITTEN_WHEN_SENT)
def write_booking_mail(session: Session, message: OutboxMessage) -> outbox.Letter | None:
    """The text of a queued booking mail, about the booking as it is now (None if it or its reader is gone)."""
    context = dict(message.context)
    booking, user = session.get(Booking, context.pop("booking_id")), session.get(User, context.pop("user_id"))
    if booking is None or user is None or user.deleted_at is not None:
        return None
    site = session.get(Site, booking.site_id)
    subject, ics_method = _WRITTEN_WHEN_SENT[message.template]
    return write_mail(user, message.template, subject=subject(booking.vehicle.name), booking=booking, site=site,
                      attachments=_ics(booking, site, ics_method) if ics_method else None, **context)


def created(session: Session, booking: Booking) -> None:
    """Confirmation (or "waiting for approval") with an .ics attachment."""
    _queue(session, booking, "booking_pending" if booking.status == "pending" else "booking_confirmed")


def changed(session: Session, booking: Booking, *, actor: User) -> None:
    """The new time or car, with an updated .ics."""
    _queue(session, booking, "booking_changed", by_admin=actor.is_admin and actor.id != booking.user_id)


def cancelled(session: Session, booking: Booking, *, actor: User) -> None:
    """Cancellation (with the administrator's reason when an admin cancelled it)."""
    _queue(session, booking, "booking_cancelled", force=actor.id != booking.user_id,
           by_admin=actor.is_admin and actor.id != booking.user_id)


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
