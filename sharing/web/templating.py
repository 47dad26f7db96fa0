"""Jinja helpers: local times, numbers, the language form."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, request
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

    @app.template_filter("number")
    def number(value: float | int | None, digits: int = 0) -> str:
        if value is None:
            return ""
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, format=pattern)

    @app.context_processor
    def inject_globals() -> dict:
        return {
            "has_endpoint": lambda endpoint: endpoint in app.view_functions,
            "current_locale": str(get_locale() or "de"),
            "language_form": LanguageForm(formdata=None, language=str(get_locale() or "de"),
                                          next=request.full_path.rstrip("?")),
        }
