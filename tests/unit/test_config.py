"""Production refuses to start without a real secret key."""

from __future__ import annotations

import pytest

from config import ProductionConfig, normalise_database_url
from sharing import create_app


@pytest.mark.parametrize("secret", ["", "dev", "development-only-secret-key", "short"])
def test_production_refuses_weak_secret_keys(secret):
    config = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    config.update(SECRET_KEY=secret, ENV_NAME="production", SQLALCHEMY_DATABASE_URI="sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret_and_secure_cookies():
    config = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    config.update(SECRET_KEY="x" * 48, SQLALCHEMY_DATABASE_URI="sqlite://")
    app = create_app(config)
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize("url, expected", [
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_urls_use_psycopg3(url, expected):
    assert normalise_database_url(url) == expected
