"""Configuration classes; every value can be set from the environment.

`create_app()` picks the class named by ``QUARTIERAUTO_ENV`` (development, testing,
production; default development) unless a config object is passed in.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("QUARTIERAUTO_INSTANCE", BASE_DIR / "instance"))

#: Secret keys that must never reach production.
KNOWN_WEAK_SECRETS = {"", "dev", "change-me", "development-only-secret-key"}


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def default_database_url() -> str:
    """SQLite file in the instance folder: nothing to install."""
    return f"sqlite:///{INSTANCE_DIR / 'quartierauto.sqlite3'}"


def normalise_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgres:// and postgresql:// URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    ENV_NAME = "base"
    SECRET_KEY = os.environ.get("SECRET_KEY", "development-only-secret-key")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ.get("DATABASE_URL") or default_database_url())
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    #: Default time zone of new sites; each site stores its own.
    DEFAULT_TIMEZONE = os.environ.get("QUARTIERAUTO_TIMEZONE", "Europe/Berlin")
    BABEL_DEFAULT_LOCALE = os.environ.get("QUARTIERAUTO_DEFAULT_LANGUAGE", "de")
    BABEL_DEFAULT_TIMEZONE = DEFAULT_TIMEZONE
    LANGUAGES = ("de", "en")

    #: Public base URL used in e-mailed links (invitations, password reset, calendar feed).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")

    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Quartierauto <noreply@localhost>")
    MAIL_TIMEOUT_SECONDS = _env_int("MAIL_TIMEOUT_SECONDS", 10)

    INVITATION_VALID_HOURS = _env_int("INVITATION_VALID_HOURS", 7 * 24)
    PASSWORD_RESET_VALID_MINUTES = _env_int("PASSWORD_RESET_VALID_MINUTES", 60)

    #: Flask-Limiter storage; memory:// is per process, use redis:// with several workers.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    RATELIMIT_HEADERS_ENABLED = True

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION_DAYS = _env_int("REMEMBER_COOKIE_DURATION_DAYS", 30)
    MAX_CONTENT_LENGTH = 8 * 1024 * 1024

    #: The scheduler runs inside the web process only where a single process serves everything.
    SCHEDULER_EMBEDDED = _env_bool("SCHEDULER_EMBEDDED", False)
    #: Seconds between runs of the frequent jobs, and the lease a standby waits out before taking over.
    SCHEDULER_TICK_SECONDS = _env_int("SCHEDULER_TICK_SECONDS", 60)
    SCHEDULER_LEASE_SECONDS = _env_int("SCHEDULER_LEASE_SECONDS", 30)
    #: Which charger driver the scheduler uses to start and stop charge windows (sharing/services/chargers.py).
    CHARGER_DRIVER = os.environ.get("CHARGER_DRIVER", "simulated")
    LOG_JSON = _env_bool("LOG_JSON", False)
    #: "text" or "json" (one JSON object per line, with the request id); LOG_JSON=true means json too.
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json" if LOG_JSON else "text").strip().lower()
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    #: Finished bookings older than this many days lose what points to a person (0: keep them as they are).
    BOOKING_RETENTION_DAYS = _env_int("BOOKING_RETENTION_DAYS", 0)
    PREFERRED_URL_SCHEME = "http"
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto/-Host are trusted (nginx: 1).
    #: Without it every client has the proxy's address and the login throttle counts them all as one.
    PROXY_FIX_HOPS = _env_int("PROXY_FIX_HOPS", 0)
    #: Test-only switch that lets the race tests prove the database guard is what saves us.
    BOOKING_DB_GUARD = True


class DevelopmentConfig(Config):
    """Local development: SQLite, mails to the log, scheduler embedded."""

    ENV_NAME = "development"
    DEBUG = False
    SCHEDULER_EMBEDDED = _env_bool("SCHEDULER_EMBEDDED", True)


class TestingConfig(Config):
    """Automated tests: the test fixtures pass DATABASE_URL explicitly."""

    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret-key-not-for-production"
    WTF_CSRF_ENABLED = True
    RATELIMIT_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    MAIL_SERVER = ""
    SCHEDULER_EMBEDDED = False
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    #: Only the testing config can switch the guard off: the HTTP race test proves it can see a race.
    BOOKING_DB_GUARD = _env_bool("TEST_BOOKING_DB_GUARD", True)


class ProductionConfig(Config):
    """Production: refuses weak secrets; secure cookies; HSTS."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_ENABLED = _env_bool("HSTS_ENABLED", True)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "pool_recycle": 1800}

    @staticmethod
    def validate_secret(secret: str) -> None:
        """Refuse to start with a missing, short or known development secret key."""
        if secret in KNOWN_WEAK_SECRETS or len(secret) < 32:
            raise RuntimeError(
                "SECRET_KEY is missing or too weak for production. Set the environment variable "
                "SECRET_KEY to a random value of at least 32 characters, for example the output of "
                "`python -c 'import secrets; print(secrets.token_urlsafe(48))'`."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config]:
    """The config class named by QUARTIERAUTO_ENV."""
    name = os.environ.get("QUARTIERAUTO_ENV", "development").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"QUARTIERAUTO_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
