"""The transactional e-mail outbox: mails are rows written with the change they report.

A mail enqueued in a transaction that rolls back is never sent; a mail whose SMTP
delivery fails stays in the outbox and is retried with back-off by the scheduler.
Most mails are written when enqueued; mails enqueued with `enqueue_later` are written
by their template's writer (see `writes`) just before they are sent.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import insert_values
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


@dataclass(frozen=True)
class Letter:
    """A written mail: subject, text (and HTML), attachments."""

    subject: str
    body_text: str
    body_html: str | None = None
    attachments: list[Attachment] | None = None


#: (session, message) -> the written mail, or None if there is nothing to write about any more.
Writer = Callable[[Session, OutboxMessage], "Letter | None"]
_WRITERS: dict[str, Writer] = {}


def writes(*templates: str) -> Callable[[Writer], Writer]:
    """Register the writer of mails enqueued with `enqueue_later` for these templates."""

    def register(writer: Writer) -> Writer:
        for template in templates:
            _WRITERS[template] = writer
        return writer

    return register


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    body_text: str,
    body_html: str | None = None,
    attachments: list[Attachment] | None = None,
    dedupe_key: str | None = None,
) -> int | None:
    """Add a mail to the outbox in the caller's transaction; its id, or None if its dedupe key was used."""
    if dedupe_key is not None:
        existing = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    values = {"to_address": to, "subject": subject, "body_text": body_text, "body_html": body_html,
              "attachments": [a.__dict__ for a in attachments] if attachments else None, "dedupe_key": dedupe_key}
    if dedupe_key is None:
        return insert_values(session, OutboxMessage, values)
    # A concurrent writer may enqueue the same key: the unique constraint decides.
    try:
        with session.begin_nested():
            return insert_values(session, OutboxMessage, values)
    except IntegrityError:
        return None


def enqueue_later(session: Session, *, to: str, template: str, context: dict) -> int:
    """Add a mail to be written when it is sent, by the writer registered for its template; its id."""
    if template not in _WRITERS:
        raise LookupError(f"no writer for mail template {template!r}")
    return insert_values(session, OutboxMessage, {"to_address": to, "template": template, "context": context})


def write(session: Session, message: OutboxMessage) -> bool:
    """Write a mail enqueued with `enqueue_later` (nothing to do for others); False if it is not to be sent.

    A mail about something gone meanwhile (a booking deleted, an account closed) is marked failed
    with the reason instead.
    """
    if message.body_text is not None:
        return True
    letter = _WRITERS[message.template](session, message)
    if letter is None:
        message.status, message.last_error = "failed", "nothing to write any more (its subject is gone)"
        return False
    message.subject, message.body_text, message.body_html = letter.subject, letter.body_text, letter.body_html
    message.attachments = [a.__dict__ for a in letter.attachments] if letter.attachments else None
    return True


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
        try:
            writable = write(session, message)
        except Exception as exc:  # a template that fails must not hold up the mails queued after it
            log.exception("mail %s to %s could not be written", message.id, message.to_address)
            message.attempts += 1
            _retry_later(message, now, exc)
            writable = False
        if writable:
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
        _retry_later(message, now, exc)
        return 0
    message.status = "sent"
    message.sent_at = utcnow()
    return 1


def _retry_later(message: OutboxMessage, now: datetime, exc: Exception) -> None:
    """After a failed attempt: try again after the next delay, or give up after the last one."""
    message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if message.attempts > len(RETRY_DELAYS):
        message.status = "failed"
        log.error("mail %s to %s failed for good: %s", message.id, message.to_address, exc)
    else:
        message.next_attempt_at = now + RETRY_DELAYS[message.attempts - 1]
        log.warning("mail %s to %s failed (attempt %s), will retry: %s",
                    message.id, message.to_address, message.attempts, exc)
