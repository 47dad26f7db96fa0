"""The web layer: blueprints, error pages, login handling, headers."""

from __future__ import annotations

from flask import Flask, abort, g, request
from flask_babel import lazy_gettext as _l

from ..extensions import db, login_manager
from ..logging_setup import request_id_from
from ..models import User
from ..models.types import can_be_id


def register_web(app: Flask) -> None:
    """Attach login handling, blueprints, error handlers and response headers to the app."""
    _setup_login(app)
    from . import auth, errors, main, templating

    app.register_blueprint(main.bp)
    app.register_blueprint(auth.bp)
    errors.register_error_handlers(app)
    templating.register_template_helpers(app)
    _register_optional_blueprints(app)

    @app.url_value_preprocessor
    def _ids_that_can_exist(_endpoint, values) -> None:
        """An id in the path that no row can have is simply not found (the database would refuse to compare it)."""
        if values and any(isinstance(v, int) and not can_be_id(v) for v in values.values()):
            abort(404)

    @app.before_request
    def _request_id() -> None:
        g.request_id = request_id_from(request.headers)  # the proxy's id if well-formed, else a new one

    @app.after_request
    def _headers(response):
        response.headers["X-Request-ID"] = g.get("request_id", "")
        return apply_security_headers(app, response)


def _register_optional_blueprints(app: Flask) -> None:
    """Blueprints of the other parts of the app, each registering itself when present."""
    import importlib

    for module_name in ("bookings", "fleet", "account", "admin", "charging", "api", "ops"):
        try:
            module = importlib.import_module(f"{__name__}.{module_name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{module_name}":
                raise
            continue
        module.register(app)


#: Content Security Policy: no inline scripts or styles anywhere.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)


def apply_security_headers(app: Flask, response):
    """Security headers on every response (HSTS only where the production config asks for it)."""
    headers = response.headers
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if app.config.get("HSTS_ENABLED"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _setup_login(app: Flask) -> None:
    from datetime import timedelta

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"
    app.config.setdefault("REMEMBER_COOKIE_DURATION", timedelta(days=app.config["REMEMBER_COOKIE_DURATION_DAYS"]))

    @login_manager.user_loader
    def load_user(identity: str) -> User | None:
        # The identity is "id:session_version": a raised version ends older sessions and cookies.
        user_id, _, version = identity.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or user.session_version != int(version) or not user.is_active:
            return None
        return user
