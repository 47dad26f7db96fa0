"""Composing e-mails in the recipient's language and putting them in the outbox."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import force_locale
from jinja2 import Template, TemplateNotFound
from sqlalchemy.orm import Session

from .models import User
from .services import outbox


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute URL under BASE_URL; works without a request (scheduler, command line)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    scheme, _, rest = base.partition("://")
    host, _, script = rest.partition("/")
    adapter = current_app.url_map.bind(host, script_name="/" + script if script else "/", url_scheme=scheme)
    return adapter.build(endpoint, values, force_external=True)


def _email_template(name: str, *, optional: bool = False) -> Template | None:
    """An e-mail template, rendered without the page context processors (mails need no request, no forms).

    Missing optional templates are remembered: Jinja looks for them on disk again on every call,
    and a booking's confirmation is rendered inside the booking's transaction.
    """
    missing = current_app.extensions.setdefault("quartierauto_missing_templates", set())
    if optional and name in missing:
        return None
    try:
        return current_app.jinja_env.get_template(name)
    except TemplateNotFound:
        if not optional:
            raise
        missing.add(name)  # a plain-text mail is fine
        return None


def wants_mail(user: User, *, force: bool = False) -> bool:
    """Whether a mail goes to the user: never after their account is deleted, and only with
    notifications on, except for mails they cannot do without (``force``: invitations, password
    resets, an administrator's cancellation)."""
    return user.deleted_at is None and (user.notify_email or force)


def write_mail(user: User, template: str, *, subject: Any, attachments: list[outbox.Attachment] | None = None,
               **context: Any) -> outbox.Letter:
    """Render ``templates/email/<template>.txt`` (and .html if present) in the user's language."""
    with force_locale(user.language):
        subject_text = str(subject)
        body_text = _email_template(f"email/{template}.txt").render(user=user, **context)
        html = _email_template(f"email/{template}.html", optional=True)
        body_html = html.render(user=user, subject=subject_text, **context) if html is not None else None
    return outbox.Letter(subject_text, body_text, body_html, attachments)


def notify_user(
    session: Session,
    user: User,
    template: str,
    *,
    subject: Any,
    dedupe_key: str | None = None,
    attachments: list[outbox.Attachment] | None = None,
    force: bool = False,
    **context: Any,
) -> None:
    """Write the mail now (see write_mail) and put it in the outbox, if the user wants it (see wants_mail)."""
    if not wants_mail(user, force=force):
        return
    letter = write_mail(user, template, subject=subject, attachments=attachments, **context)
    outbox.enqueue(session, to=user.email, subject=letter.subject, body_text=letter.body_text,
                   body_html=letter.body_html, attachments=letter.attachments, dedupe_key=dedupe_key)
