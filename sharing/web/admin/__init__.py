"""The administrators' area: every view requires the admin role and stays on the admin's site."""

from __future__ import annotations

from flask import Blueprint, Flask

bp = Blueprint("admin", __name__, url_prefix="/admin")


def register(app: Flask) -> None:
    """Register the admin blueprint with all its views."""
    from . import dashboard, users  # noqa: F401  (the modules attach their views to bp)

    app.register_blueprint(bp)
