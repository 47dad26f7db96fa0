"""Error pages in the site's look and language; a 500 rolls back and shows no trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db

log = logging.getLogger(__name__)


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _titles() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request could not be understood. Please go back and try again.")),
        403: (_("Access denied"), _("You are not allowed to open this page.")),
        404: (_("Page not found"), _("This page does not exist (any more). Please check the address.")),
        405: (_("Not allowed"), _("This action is not possible here.")),
        410: (_("Link no longer valid"), _("This link is no longer valid.")),
        413: (_("File too large"), _("The file you sent is too large.")),
        429: (_("Too many attempts"), _("Too many attempts. Please wait a moment and try again.")),
        500: (_("Something went wrong"), _("An error occurred on our side. Nothing was saved. Please try again "
                                           "in a moment; if it keeps happening, tell your administrator.")),
    }


def render_error(status: int, detail: str | None = None) -> Response:
    """The error page (or a problem+json document under /api/) for a status."""
    title, text = _titles().get(status, (_("Error"), _("Something went wrong.")))
    if _wants_json():
        response = jsonify({"type": "about:blank", "title": title, "status": status, "detail": detail or text})
        response.mimetype = "application/problem+json"
    else:
        response = make_response(render_template("errors/error.html", status=status, title=title, text=detail or text))
    response.status_code = status
    return response


def register_error_handlers(app: Flask) -> None:
    """One place for every error page."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(400, _("The form had expired or was sent from another page. "
                                   "Please reload the page and send it again."))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code >= 500:
            return internal_error(error)
        response = render_error(error.code)
        if error.code == 429:
            response.headers["Retry-After"] = str(getattr(error, "retry_after", None) or 60)
        if error.code == 405 and error.valid_methods:
            response.headers["Allow"] = ", ".join(error.valid_methods)
        return response

    @app.errorhandler(Exception)
    def internal_error(error: Exception):
        if isinstance(error, HTTPException) and error.code is not None and error.code < 500:
            return http_error(error)
        db.session.rollback()
        log.exception("unhandled error on %s %s", request.method, request.path)
        return render_error(500)
