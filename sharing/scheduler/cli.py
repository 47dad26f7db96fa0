"""`flask --app wsgi scheduler`: the dedicated scheduler process."""

from __future__ import annotations

import logging
import signal

import click
from flask import Flask, current_app

from ..extensions import db
from . import lease
from .runner import build_scheduler


def register_commands(app: Flask) -> None:
    app.cli.add_command(scheduler_command)


@click.command("scheduler")
def scheduler_command() -> None:
    """Run the recurring jobs (one active process; start a second one as a standby)."""
    logging.basicConfig(level=current_app.config.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = current_app._get_current_object()
    scheduler, gate = build_scheduler(app, blocking=True)

    def stop(signum, frame):
        scheduler.shutdown(wait=False)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"scheduler {gate.holder} starting (standby until it holds the lease)")
    try:
        scheduler.start()
    finally:
        with app.app_context():
            lease.release(db.session, gate.holder)
