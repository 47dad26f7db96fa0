"""The administrators' area: every view requires the admin role and stays on the admin's site.

One module per job: dashboard, fleet (cars), charging_points, blockouts, bookings, users (with the
CSV invitation in invitations), households, site (settings, rules, tariff), reports and audit.
"""

from __future__ import annotations

from flask import Blueprint, Flask

from . import messages

bp = Blueprint("admin", __name__, url_prefix="/admin")


# Formatting helpers for the admin templates (globals, so that imported macros see them too).
for _name in ("euro", "decimal", "percent", "csv_row_message", "problem_message", "booking_state_labels",
              "audit_changes"):
    bp.add_app_template_global(getattr(messages, _name), _name)


def register(app: Flask) -> None:
    """Register the admin blueprint with all its views."""
    from . import (  # noqa: F401  (the modules attach their views to bp)
        audit,
        blockouts,
        bookings,
        charging_points,
        dashboard,
        fleet,
        households,
        invitations,
        reports,
        site,
        users,
    )

    app.register_blueprint(bp)
