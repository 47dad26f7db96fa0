"""Jinja helpers: local times, numbers, the language form."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from flask import Flask, has_request_context, request
from flask_babel import format_date, format_datetime, format_decimal, format_time, get_locale

from .forms import LanguageForm


def register_template_helpers(app: Flask) -> None:
    """Filters and globals every template may use."""

    @app.template_filter("local_datetime")
    def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
        return format_datetime(value, fmt) if value else ""

    @app.template_filter("local_date")
    def local_date(value: datetime | None, fmt: str = "medium") -> str:
        return format_date(value, fmt) if value else ""

    @app.template_filter("local_time")
    def local_time(value: datetime | None, fmt: str = "short") -> str:
        return format_time(value, fmt) if value else ""

    @app.template_filter("site_datetime")
    def site_datetime(value: datetime | None, site, fmt: str = "EEEE, d. MMMM y, HH:mm") -> str:
        """A time in the site's zone (also outside a request: e-mails from the scheduler)."""
        if value is None:
            return ""
        locale = get_locale() or "de"
        pattern = fmt if str(locale) == "de" else fmt.replace("d. MMMM", "d MMMM")
        return babel_dates.format_datetime(value, pattern, tzinfo=ZoneInfo(site.timezone), locale=locale)

    @app.template_filter("number")
    def number(value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return ""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern)

    @app.context_processor
    def inject_globals() -> dict:
        if not has_request_context():  # e-mails rendered by the scheduler or the command line
            return {"has_endpoint": lambda endpoint: endpoint in app.view_functions}
        return {
            "has_endpoint": lambda endpoint: endpoint in app.view_functions,
            "current_locale": str(get_locale() or "de"),
            "language_form": LanguageForm(formdata=None, language=str(get_locale() or "de"),
                                          next=request.full_path.rstrip("?")),
        }
