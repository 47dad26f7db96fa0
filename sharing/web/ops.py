"""Health endpoints for monitoring: /healthz (the process is up) and /readyz (it can serve)."""

from __future__ import annotations

from datetime import timedelta

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Flask, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from ..extensions import csrf, db, migrate
from ..scheduler.lease import heartbeat_age

bp = Blueprint("ops", __name__)
csrf.exempt(bp)


def register(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/healthz")
def healthz():
    """The process answers (no database access: a liveness probe must not restart on a DB outage)."""
    return jsonify(status="ok")


@bp.route("/readyz")
def readyz():
    """Database reachable, schema at the newest migration, scheduler heartbeat recent."""
    checks: dict[str, str] = {}
    ready = True
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
        with db.engine.connect() as connection:
            current = MigrationContext.configure(connection).get_current_heads()
        config = migrate.get_config(directory=migrate.directory)
        head = ScriptDirectory.from_config(config).get_heads()
        checks["migrations"] = "ok" if set(current) == set(head) else f"at {current}, head is {head}"
        ready &= checks["migrations"] == "ok"
        age = heartbeat_age(db.session)
        limit = timedelta(seconds=3 * current_app.config.get("SCHEDULER_LEASE_SECONDS", 30))
        if age is None:
            checks["scheduler"] = "never seen"
        else:
            checks["scheduler"] = "ok" if age <= limit else f"last heartbeat {int(age.total_seconds())} s ago"
        # A missing scheduler delays mails and reminders but does not stop bookings: reported, not fatal.
    except SQLAlchemyError as error:
        db.session.rollback()
        checks["database"] = f"unreachable: {type(error).__name__}"
        ready = False
    response = jsonify(status="ready" if ready else "not ready", checks=checks)
    response.status_code = 200 if ready else 503
    return response
