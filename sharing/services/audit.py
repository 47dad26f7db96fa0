"""Recording audit events inside the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ..database import insert_values
from ..models import AuditEvent, User


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def snapshot(obj: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    """The named attributes of a model as JSON-ready values."""
    return {name: _jsonable(getattr(obj, name)) for name in fields}


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    obj: Any = None,
    site_id: int | None = None,
    before: dict | None = None,
    after: dict | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
) -> int:
    """Write an audit event in the caller's transaction (it commits with the change it describes); its id."""
    if site_id is None:
        site_id = getattr(obj, "site_id", None) if obj is not None else None
        if site_id is None and actor is not None:
            site_id = actor.site_id
    return insert_values(session, AuditEvent, {
        "site_id": site_id,
        "actor_id": actor.id if actor is not None else None,
        "action": action,
        "object_type": object_type or (obj.__tablename__ if obj is not None else ""),
        "object_id": object_id if object_id is not None else getattr(obj, "id", None),
        "before": _jsonable(before) if before is not None else None,
        "after": _jsonable(after) if after is not None else None,
    })
