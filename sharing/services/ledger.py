"""The job ledger: one row per action carried out, so a retry or a second process never repeats it."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import JobLedger


def claim(session: Session, key: str, job: str, holder: str = "", details: dict | None = None) -> bool:
    """Write the ledger row for an action in the caller's transaction; False if it was done already.

    The row commits together with the action's own changes, so either both happen or neither.
    """
    try:
        with session.begin_nested():
            session.add(JobLedger(key=key, job=job, holder=holder, details=details))
    except IntegrityError:
        return False
    return True
