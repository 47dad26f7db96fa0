"""Language choice and the message catalogs.

Catalogs live in ``sharing/translations/<area>/<lang>/LC_MESSAGES/messages.po``, one
area per part of the app, merged by Flask-Babel. Message ids are English; German is
the default language and must be complete (a test checks it).
"""

from __future__ import annotations

import logging
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import current_app, request, session
from flask_login import current_user

log = logging.getLogger(__name__)

TRANSLATIONS_ROOT = Path(__file__).parent / "translations"


def catalog_directories() -> list[str]:
    """Every area's translation directory."""
    return sorted(str(p) for p in TRANSLATIONS_ROOT.iterdir() if p.is_dir()) if TRANSLATIONS_ROOT.exists() else []


def compile_catalogs(*, force: bool = False) -> int:
    """Compile .po files whose .mo is missing or older; returns how many were compiled."""
    compiled = 0
    for po_path in TRANSLATIONS_ROOT.glob("*/*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if not force and mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        try:
            with mo_path.open("wb") as mo_file:
                write_mo(mo_file, catalog)
        except OSError as exc:  # a read-only install: the shipped .mo files must do
            log.warning("cannot compile %s: %s", po_path, exc)
            continue
        compiled += 1
    return compiled


def select_locale() -> str:
    """The user's saved language, else the session's choice, else the browser's, else German."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """The zone of the user's site; times are always shown in the neighbourhood's zone."""
    if current_user and current_user.is_authenticated:
        return current_user.site.timezone
    return current_app.config["DEFAULT_TIMEZONE"]
