"""Operational tables: the e-mail outbox, the job ledger and the scheduler lease."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, Enum, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .types import UTCDateTime, utcnow

OUTBOX_STATUSES = ("pending", "sent", "failed")


class OutboxMessage(db.Model):
    """An e-mail queued in the same transaction as the change it reports; sent later.

    Most mails are written when queued. Mails about a booking are queued as a `template` and the
    ids it needs (`context`) and written when they are sent, in the recipient's language and about
    the booking as it is then; subject and body are empty until then.
    """

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[Optional[str]] = mapped_column(String(200))
    body_text: Mapped[Optional[str]] = mapped_column(Text)
    body_html: Mapped[Optional[str]] = mapped_column(Text)
    #: The e-mail template of a mail written when it is sent ("booking_confirmed"); None when written already.
    template: Mapped[Optional[str]] = mapped_column(String(60))
    #: What the template is about, as ids and plain values ({"booking_id": 42, "user_id": 7}).
    context: Mapped[Optional[dict]] = mapped_column(JSON)
    #: [{"filename": ..., "content_type": ..., "content": text}]
    attachments: Mapped[Optional[list]] = mapped_column(JSON)
    #: Unique key that makes enqueuing idempotent ("reminder:booking:42").
    dedupe_key: Mapped[Optional[str]] = mapped_column(String(120), unique=True)
    status: Mapped[str] = mapped_column(
        Enum(*OUTBOX_STATUSES, name="outbox_status", native_enum=False, create_constraint=True, length=16),
        default="pending",
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_error: Mapped[Optional[str]] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class JobLedger(db.Model):
    """One row per action a scheduled job has carried out; the unique key makes jobs idempotent."""

    __tablename__ = "job_ledger"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    job: Mapped[str] = mapped_column(String(60))
    details: Mapped[Optional[dict]] = mapped_column(JSON)
    #: Which scheduler process did it (host:pid).
    holder: Mapped[str] = mapped_column(String(120), default="")
    done_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchedulerLease(db.Model):
    """The lease that lets exactly one scheduler process run jobs; renewed as a heartbeat."""

    __tablename__ = "scheduler_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
