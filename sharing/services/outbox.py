"""The transactional e-mail outbox: mails are rows written with the change they report.

A mail enqueued in a transaction that rolls back is never sent; a mail whose SMTP
delivery fails stays in the outbox and is retried with back-off by the scheduler.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import OutboxMessage, utcnow

log = logging.getLogger(__name__)

#: Waits between attempts; after the last one the message is marked failed.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=12),
)


@dataclass(frozen=True)
class Attachment:
    """A text attachment such as an .ics file."""

    filename: str
    content_type: str
    content: str


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    attachments: list[Attachment] | None = None,
    dedupe_key: str | None = None,
) -> OutboxMessage | None:
    """Add a mail to the outbox in the caller's transaction; None if its dedupe key was used."""
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    message = OutboxMessage(
        to_address=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        attachments=[a.__dict__ for a in attachments] if attachments else None,
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        session.add(message)
        return message
    # A concurrent writer may enqueue the same key: the unique constraint decides.
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        return None
    return message


def build_email(message: OutboxMessage, sender: str) -> EmailMessage:
    """The MIME message for an outbox row."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="quartierauto")
    email.set_content(message.body_text)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    for attachment in message.attachments or []:
        maintype, _, subtype = attachment["content_type"].partition("/")
        params = {}
        if "; " in subtype:
            subtype, _, rest = subtype.partition("; ")
            params = dict(p.split("=", 1) for p in rest.split("; ") if "=" in p)
        email.add_attachment(
            attachment["content"].encode(),
            maintype=maintype,
            subtype=subtype,
            filename=attachment["filename"],
            params=params,
        )
    return email


def _send_smtp(email: EmailMessage, settings: Mapping) -> None:
    host, port = settings["MAIL_SERVER"], int(settings["MAIL_PORT"])
    timeout = settings.get("MAIL_TIMEOUT_SECONDS", 10)
    if settings.get("MAIL_USE_SSL"):
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if settings.get("MAIL_USE_TLS") and not settings.get("MAIL_USE_SSL"):
            smtp.starttls(context=ssl.create_default_context())
        if settings.get("MAIL_USERNAME"):
            smtp.login(settings["MAIL_USERNAME"], settings["MAIL_PASSWORD"])
        smtp.send_message(email)


def deliver_due(session: Session, settings: Mapping, *, now: datetime | None = None, limit: int = 50) -> int:
    """Send the due outbox messages one by one (each in its own transaction); returns how many were sent."""
    now = now or utcnow()
    sent = 0
    for _ in range(limit):
        # One row at a time, locked, so a second sender (should one run) skips it.
        message = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        ).first()
        if message is None:
            break
        sent += _attempt(message, settings, now)
        session.commit()
    return sent


def _attempt(message: OutboxMessage, settings: Mapping, now: datetime) -> int:
    email = build_email(message, settings["MAIL_DEFAULT_SENDER"])
    message.attempts += 1
    try:
        if settings.get("MAIL_SERVER"):
            _send_smtp(email, settings)
        else:
            log.info("mail (no SMTP server configured) to=%s subject=%s\n%s",
                     message.to_address, message.subject, message.body_text)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
        if message.attempts > len(RETRY_DELAYS):
            message.status = "failed"
            log.error("mail %s to %s failed for good: %s", message.id, message.to_address, exc)
        else:
            message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]
            log.warning("mail %s to %s failed (attempt %s), will retry: %s",
                        message.id, message.to_address, message.attempts, exc)
        return 0
    message.status = "sent"
    message.sent_at = utcnow()
    return 1
