"""A lease row decides which scheduler process is active; the others wait and take over when it lapses."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..database import begin_write
from ..models import SchedulerLease, utcnow

LEASE_NAME = "scheduler"


def holder_id() -> str:
    """This process, as host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


def try_acquire(session: Session, holder: str, ttl: timedelta, now: datetime | None = None) -> bool:
    """Take or renew the lease; True if this holder is the active scheduler now.

    The update only succeeds if the lease is ours or has lapsed, in one statement, so two
    processes can never both believe they hold it.
    """
    now = now or utcnow()
    begin_write(session)
    renewed = session.execute(
        update(SchedulerLease)
        .where(SchedulerLease.name == LEASE_NAME,
               (SchedulerLease.holder == holder) | (SchedulerLease.expires_at < now))
        .values(holder=holder, heartbeat_at=now, expires_at=now + ttl)
        .execution_options(synchronize_session=False)
    ).rowcount
    if renewed:
        session.commit()
        return True
    exists = session.scalar(select(SchedulerLease.name).where(SchedulerLease.name == LEASE_NAME))
    if exists:
        session.rollback()
        return False
    try:
        session.add(SchedulerLease(name=LEASE_NAME, holder=holder, acquired_at=now, heartbeat_at=now,
                                   expires_at=now + ttl))
        session.commit()
        return True
    except IntegrityError:  # another process created it first
        session.rollback()
        return False


def release(session: Session, holder: str) -> None:
    """Give the lease up on a clean shutdown, so a standby takes over at once."""
    session.execute(update(SchedulerLease).where(SchedulerLease.name == LEASE_NAME, SchedulerLease.holder == holder)
                    .values(expires_at=utcnow() - timedelta(seconds=1)))
    session.commit()


def heartbeat_age(session: Session, now: datetime | None = None) -> timedelta | None:
    """How long ago the active scheduler last renewed its lease (None: never ran)."""
    lease = session.get(SchedulerLease, LEASE_NAME)
    if lease is None:
        return None
    return (now or utcnow()) - lease.heartbeat_at
