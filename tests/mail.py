"""Reading the outbox in tests: each mail written as the outbox writes it before sending."""

from __future__ import annotations

from sqlalchemy import select

from sharing.models import OutboxMessage
from sharing.services import outbox


def outbox_mails(session, *where) -> list[OutboxMessage]:
    """The outbox's mails (matching `where`) in the order queued, those written when sent written now."""
    mails = session.scalars(select(OutboxMessage).where(*where).order_by(OutboxMessage.id)).all()
    for mail in mails:
        outbox.write(session, mail)
    return list(mails)
