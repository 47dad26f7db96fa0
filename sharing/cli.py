"""Command-line tools: `flask --app wsgi create-admin`, `seed-demo`, `translate` ..."""

from __future__ import annotations

import sys

import click
from flask import Flask, current_app

from .extensions import db


def register_cli(app: Flask) -> None:
    """Attach the commands to the app's `flask` CLI."""
    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(translate_group)
    _register_optional_commands(app)


def _register_optional_commands(app: Flask) -> None:
    """Commands of other parts (scheduler, backup, tokens), each registering itself when present."""
    import importlib

    for module_name in ("scheduler.cli", "ops_cli", "api_cli"):
        try:
            module = importlib.import_module(f"{__package__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name and exc.name.startswith(f"{__package__}.{module_name.split('.')[0]}"):
                continue
            raise
        module.register_commands(app)


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the part before the @).")
@click.option("--site", "site_name", default="Quartier", show_default=True, help="Site (neighbourhood) name.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (for scripts).")
def create_admin_command(email: str, name: str, site_name: str, password_stdin: bool) -> None:
    """Create the first administrator (or make an existing user an administrator)."""
    from .services import accounts

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    existing_site = _first_site_or_none(site_name)
    site = existing_site or accounts.default_site(db.session, name=site_name,
                                                   timezone=current_app.config["DEFAULT_TIMEZONE"])
    try:
        user = accounts.create_admin(db.session, email=email, password=password, name=name, site=site)
    except accounts.AccountError as error:
        db.session.rollback()
        reasons = {
            "email_invalid": "that is not a valid e-mail address",
            "password_too_short": "the password must have at least 10 characters",
            "password_is_email": "the password must not be the e-mail address",
        }
        raise click.ClickException(reasons.get(error.code, error.code)) from error
    click.echo(f"Administrator {user.email} is ready (site: {site.name}).")


def _first_site_or_none(name: str):
    from sqlalchemy import select

    from .models import Site

    site = db.session.scalar(select(Site).where(Site.name == name))
    if site is None and name == "Quartier":
        site = db.session.scalar(select(Site).order_by(Site.id))  # the only site of a fresh install
    return site


@click.command("seed-demo")
def seed_demo_command() -> None:
    """Create a believable demo neighbourhood and print its logins."""
    from .services import demo

    try:
        summary = demo.seed_demo(db.session, timezone=current_app.config["DEFAULT_TIMEZONE"])
    except ValueError:
        click.echo(f"The demo site {demo.DEMO_SITE!r} exists already; nothing changed.")
    else:
        click.echo(
            f"Created {summary.site.name}: {summary.vehicles} cars, {summary.households} households, "
            f"{summary.residents} residents, {summary.bookings} bookings."
        )
    click.echo("Demo logins:")
    click.echo(f"  administrator: {demo.DEMO_ADMIN[0]}  password: {demo.DEMO_ADMIN[1]}")
    click.echo(f"  resident:      {demo.DEMO_RESIDENT[0]}  password: {demo.DEMO_RESIDENT[1]}")
    click.echo(f"  every other demo resident: password {demo.DEMO_PASSWORD}")


@click.group("translate")
def translate_group() -> None:
    """Message catalogs."""


@translate_group.command("compile")
def translate_compile() -> None:
    """Compile every .po catalog to .mo."""
    from .i18n import compile_catalogs

    click.echo(f"compiled {compile_catalogs(force=True)} catalogs")
