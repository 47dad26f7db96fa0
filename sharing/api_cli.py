"""`flask --app wsgi create-token EMAIL [--scope ...]`: a personal access token for an integration."""

from __future__ import annotations

import click
from flask import Flask
from sqlalchemy import func, select

from .extensions import db


def register_commands(app: Flask) -> None:
    """Attach the API's commands to the app's `flask` CLI."""
    app.cli.add_command(create_token_command)


@click.command("create-token")
@click.argument("email")
@click.option("--scope", "scopes", multiple=True, type=click.Choice(["read", "book", "admin"]),
              help="Repeat for several scopes (read is always included). Default: read.")
@click.option("--name", default="command line", show_default=True, help="Name shown on the account page.")
def create_token_command(email: str, scopes: tuple[str, ...], name: str) -> None:
    """Create a personal access token for EMAIL; the token is printed alone on the last line (shown once)."""
    from .models import User
    from .services import api_tokens
    from .services.admin_errors import Invalid

    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_active:
        raise click.ClickException(f"no active account with the e-mail address {email}")
    try:
        issued = api_tokens.create_token(db.session, user, name=name, scopes=scopes or ("read",))
    except Invalid as error:
        db.session.rollback()
        reasons = {"admin_scope_for_admins": "the admin scope is only for administrators",
                   "too_many_tokens": f"this account has {api_tokens.MAX_TOKENS_PER_USER} tokens already; "
                                      "revoke one on the account page",
                   "too_long": "the name is too long (at most 80 characters)", "required": "the name is empty"}
        raise click.ClickException(", ".join(reasons.get(p.code, p.code) for p in error.problems)) from error
    click.echo(f"Token {issued.token.prefix}… for {user.email} (scopes: {issued.token.scopes}). "
               "It is shown only now; store it safely:")
    click.echo(issued.secret)
