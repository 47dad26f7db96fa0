"""The recurring jobs: each a thin wrapper that calls a service inside an app context."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from ..extensions import db
from ..models import Booking, Site, utcnow
from ..notifications import notify_user
from ..services import bookings, ledger, outbox

log = logging.getLogger(__name__)


def _claim(key: str, job: str, holder: str, details: dict | None = None) -> bool:
    """Write the ledger row for an action; False if some process did it already (idempotency)."""
    return ledger.claim(db.session, key, job, holder, details)


def deliver_outbox(app: Flask) -> int:
    """Send due e-mails from the outbox (retries with back-off live in the outbox itself)."""
    with app.app_context():
        return outbox.deliver_due(db.session, app.config)


def release_no_shows(app: Flask) -> int:
    """Bookings not picked up within the grace period free the car."""
    with app.app_context():
        return len(bookings.mark_no_shows(db.session))


def complete_forgotten_returns(app: Flask) -> int:
    """Close trips that were never returned in the app, a day after their end."""
    with app.app_context():
        return len(bookings.complete_finished(db.session))


def send_reminders(app: Flask, holder: str = "") -> int:
    """Remind residents before pick-up (each booking once, whatever happens to this process)."""
    sent = 0
    with app.app_context():
        now = utcnow()
        for site in db.session.scalars(select(Site)):
            lead = timedelta(minutes=site.reminder_minutes_before)
            due = db.session.scalars(select(Booking).where(
                Booking.site_id == site.id, Booking.status == "confirmed", Booking.start_at > now,
                Booking.start_at <= now + lead)).all()
            for booking in due:
                if booking.user is None or not _claim(f"reminder:{booking.id}:{booking.sequence}", "reminder",
                                                      holder):
                    continue
                notify_user(db.session, booking.user, "booking_reminder",
                            subject=_l("Reminder: %(car)s at %(time)s", car=booking.vehicle.name,
                                       time=booking.start_at.astimezone(__import__("zoneinfo").ZoneInfo(
                                           site.timezone)).strftime("%H:%M")),
                            booking=booking, site=site, dedupe_key=f"reminder:{booking.id}:{booking.sequence}")
                sent += 1
            db.session.commit()
    return sent


def replan_charging(app: Flask) -> int:
    """Plan every site's charge windows anew (the heuristic: fast enough to run often)."""
    from ..services import charging

    with app.app_context():
        windows = 0
        for site in db.session.scalars(select(Site)).all():
            try:
                windows += charging.replan(db.session, site).windows
            except Exception:
                db.session.rollback()
                log.exception("charge planning failed for site %s", site.id)
        return windows


def drive_chargers(app: Flask, holder: str = "") -> int:
    """Start, follow and stop the charge windows through the configured charger driver."""
    from ..services import chargers

    with app.app_context():
        driver = chargers.driver_named(app.config.get("CHARGER_DRIVER", "simulated"))
        summary = chargers.drive(db.session, driver, holder=holder)
        return summary.started + summary.changed + summary.stopped


def apply_retention(app: Flask) -> int:
    """Anonymise bookings older than BOOKING_RETENTION_DAYS (daily; nothing when it is 0)."""
    from ..services import privacy

    with app.app_context():
        return privacy.apply_retention(db.session, days=app.config.get("BOOKING_RETENTION_DAYS", 0),
                                       photo_folder=privacy.photo_folder(app.instance_path))
