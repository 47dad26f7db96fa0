"""Operator commands: `flask --app wsgi backup [PATH]`, `restore PATH --yes`, `purge-old-bookings`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from .extensions import db


def register_commands(app: Flask) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_command)


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
def backup_command(path: str | None) -> None:
    """Write a consistent backup of the database while the app keeps running.

    Default PATH: instance/backups/quartierauto-<UTC time>.sqlite3 (SQLite) or .dump (PostgreSQL,
    custom format of pg_dump).
    """
    from .services.backup import BackupError, backup, default_path

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        target = path or default_path(url, f"{current_app.instance_path}/backups")
        result = backup(url, target)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"backup written: {result.path} ({result.size_bytes} bytes in {result.seconds:.2f} s)")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the database without asking.")
def restore_command(path: str, yes: bool) -> None:
    """Replace the whole database with a backup (stop the web and scheduler processes first)."""
    from .services.backup import BackupError, restore

    url = db.engine.url
    if not yes:
        click.confirm(f"Replace every row of {url.render_as_string(hide_password=True)} with {path}?", abort=True)
    db.session.remove()
    db.engine.dispose()  # no pooled connection of ours holds the database during the restore
    try:
        restore(url, path)
    except BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"restored {path}; run `flask --app wsgi db upgrade` if the backup is from an older version")


@click.command("purge-old-bookings")
def retention_command() -> None:
    """Anonymise bookings that ended longer ago than BOOKING_RETENTION_DAYS (0: keep for ever)."""
    from .services import privacy

    days = current_app.config.get("BOOKING_RETENTION_DAYS", 0)
    count = privacy.apply_retention(db.session, days=days,
                                    photo_folder=privacy.photo_folder(current_app.instance_path))
    click.echo(f"anonymised {count} bookings older than {days} days" if days else
               "BOOKING_RETENTION_DAYS is 0: bookings are kept")
