"""Quartierauto: booking and charge planning for a neighbourhood's shared electric cars."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from config import INSTANCE_DIR, Config, ProductionConfig, config_from_env

from .extensions import babel, csrf, db, limiter, migrate


def create_app(config: Any = None) -> Flask:
    """Build the app; `config` is a config class or object, a mapping, or None for the environment's."""
    app = Flask(__name__, template_folder="../templates", instance_path=str(INSTANCE_DIR))
    if config is None:
        config = config_from_env()
    if isinstance(config, dict):
        app.config.from_object(Config)
        app.config.update(config)
    else:
        app.config.from_object(config)
    _check_production_secret(app)
    from .logging_setup import configure_logging

    configure_logging(app)
    _trust_proxy(app)
    os.makedirs(app.instance_path, exist_ok=True)

    from . import i18n

    i18n.compile_catalogs()
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(i18n.catalog_directories())

    db.init_app(app)
    migrate.init_app(app, db, directory=str(os.path.join(app.root_path, "..", "migrations")))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale, timezone_selector=i18n.select_timezone)
    limiter.init_app(app)

    from .database import init_database

    init_database(app)

    from .web import register_web

    register_web(app)

    from .cli import register_cli

    register_cli(app)
    _maybe_start_embedded_scheduler(app)
    return app


def _maybe_start_embedded_scheduler(app: Flask) -> None:
    """Development convenience: `flask run` with SCHEDULER_EMBEDDED runs the jobs in-process.

    Only in the serving process of the development server (not in its reloader parent, not in
    other `flask` commands, never under gunicorn, where SCHEDULER_EMBEDDED stays false).
    """
    import sys

    if not app.config.get("SCHEDULER_EMBEDDED") or app.testing:
        return
    if os.path.basename(sys.argv[0]) != "flask" or "run" not in sys.argv[1:]:
        return
    from .scheduler.runner import start_embedded

    start_embedded(app)


def _trust_proxy(app: Flask) -> None:
    """Behind nginx: client address, scheme and host from the proxy's X-Forwarded-* headers."""
    hops = int(app.config.get("PROXY_FIX_HOPS") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _check_production_secret(app: Flask) -> None:
    if app.config.get("ENV_NAME") != "production":
        return
    ProductionConfig.validate_secret(app.config.get("SECRET_KEY") or "")
