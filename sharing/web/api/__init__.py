"""The JSON API (/api/v1): personal access tokens, problem+json errors, OpenAPI 3.1 from the schemas."""

from __future__ import annotations

import hashlib
import math
import os
import time

from flask import Flask, current_app, g, request
from flask_babel import force_locale
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from ...domain.errors import BookingRejected
from ...extensions import csrf, db, limiter
from ...services.admin_errors import Invalid
from ...services.booking_access import BookingActionNotAllowed, BookingNotFound
from ..admin.messages import problem_message
from ..booking_messages import action_message
from . import admin, bookings, fleet, meta  # noqa: F401  (attach their operations to bp)
from .blueprint import bp
from .present import FIELD_NAMES, rejection, zone_of
from .problems import ApiProblem, problem_response
from .registry import api_language

#: Booking reasons that are about the request's values rather than about the car being taken.
INPUT_REASONS = {"end_before_start", "off_grid", "too_short", "too_long", "in_past", "too_far_ahead",
                 "nonexistent_local_time", "unknown_vehicle", "odometer_invalid", "odometer_below_previous",
                 "soc_invalid", "extension_not_later", "no_weekdays", "until_before_first", "series_too_long"}
#: Refused actions that mean "not for you" rather than "not in this state".
FORBIDDEN_ACTIONS = {"admin_only", "not_allowed_on_behalf"}


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or os.environ.get("API_RATE_LIMIT", "300 per minute")


def _rate_key() -> str:
    """Per token (its hash, never the secret); per client address without one."""
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer " and header[7:].strip():
        return "api-token:" + hashlib.sha256(header[7:].strip().encode("utf-8", "replace")).hexdigest()[:32]
    return "api-ip:" + (request.remote_addr or "")


def register(app: Flask) -> None:
    """Attach the API: no cookies, no CSRF, per-token rate limit, problem documents for every error."""
    csrf.exempt(bp)
    limiter.limit(_rate_limit, key_func=_rate_key)(bp)
    app.register_blueprint(bp)


def _in_language(make):
    with force_locale(api_language()):
        return make()


@bp.errorhandler(ApiProblem)
def _api_problem(error: ApiProblem):
    db.session.rollback()
    return _in_language(lambda: problem_response(error.status, error.detail, headers=error.headers, **error.extra))


@bp.errorhandler(BookingRejected)
def _rejected(error: BookingRejected):
    db.session.rollback()

    def make():
        zone = zone_of(g.api_user)
        details = rejection(error, zone, _distance())
        if all(r.kind in INPUT_REASONS for r in error.reasons):
            errors = [{"field": "body." + FIELD_NAMES.get(r["field"], r["field"]) if r["field"] else None,
                       "code": r["kind"], "message": r["message"]} for r in details["reasons"]]
            return problem_response(422, errors=errors, **details)
        detail = " ".join(r["message"] for r in details["reasons"])
        return problem_response(409, detail, code="booking_conflict", **details)

    return _in_language(make)


@bp.errorhandler(BookingActionNotAllowed)
def _not_allowed(error: BookingActionNotAllowed):
    db.session.rollback()
    if error.code == "not_yours":
        return _in_language(lambda: problem_response(404))
    status = 403 if error.code in FORBIDDEN_ACTIONS else 409
    return _in_language(lambda: problem_response(status, action_message(error.code), code=error.code))


@bp.errorhandler(BookingNotFound)
def _not_found(error: BookingNotFound):
    db.session.rollback()
    return _in_language(lambda: problem_response(404))


@bp.errorhandler(Invalid)
def _invalid(error: Invalid):
    db.session.rollback()
    return _in_language(lambda: problem_response(422, errors=[
        {"field": f"body.{p.field}" if p.field else None, "code": p.code, "message": problem_message(p)}
        for p in error.problems]))


@bp.errorhandler(IntegrityError)
def _integrity(error: IntegrityError):
    """A unique value taken meanwhile (or spelled in another case): a conflict, never a server error."""
    db.session.rollback()
    return _in_language(lambda: problem_response(409, code="already_exists"))


@bp.errorhandler(HTTPException)
def _http(error: HTTPException):
    if error.code is None or error.code >= 500:
        raise error
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    if error.code == 429:
        current = limiter.current_limit
        wait = math.ceil(current.reset_at - time.time()) if current else 60
        headers["Retry-After"] = str(max(1, wait))
    return _in_language(lambda: problem_response(error.code, headers=headers))


def _distance() -> int:
    """The request's distance, echoed into each suggestion's ready-made booking request."""
    return int(getattr(g.get("api_body"), "distance_km", 0) or 0)
