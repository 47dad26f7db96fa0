"""Role checks and load-or-404 helpers shared by the blueprints."""

from __future__ import annotations

from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

from ..extensions import db
from ..models.types import can_be_id

M = TypeVar("M")


def admin_required(view):
    """Only administrators; others get 403, anonymous users the login page."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def get_in_site_or_404(model: type[M], object_id: int) -> M:
    """The object with this id if it belongs to the current user's site; 404 otherwise (no existence leak)."""
    obj = db.session.get(model, object_id) if can_be_id(object_id) else None
    if obj is None or getattr(obj, "site_id", None) != current_user.site_id:
        abort(404)
    return obj
