"""Fixtures: the app on SQLite and on PostgreSQL, clients, and factories.

Every test that uses the `app` fixture (directly or through `client`, `session`, the
factories ...) runs twice: once on a fresh SQLite file and once on a fresh PostgreSQL
database created for this run on 127.0.0.1:5432. With CI=true an unreachable
PostgreSQL fails the run; elsewhere those tests are skipped with the reason.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from config import TestingConfig

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _pg_reachable() -> str | None:
    """None if PostgreSQL answers, else the reason."""
    import psycopg

    try:
        with psycopg.connect(PG_ADMIN_URL, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {PG_ADMIN_URL} is unreachable: {exc}".strip()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run (dropped at the end)."""
    import psycopg

    reason = _pg_reachable()
    if reason:
        if ON_CI:
            pytest.fail(f"CI=true but {reason}", pytrace=False)
        pytest.skip(f"{reason} (set up PostgreSQL or TEST_POSTGRES_URL to run these tests)")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    name = f"quartierauto_test_{worker}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory) -> str:
    """The URL of a fresh, empty database of each kind."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'test.sqlite3'}"
    return request.getfixturevalue("postgres_database")


def make_test_config(database_url: str, **overrides) -> dict:
    """The testing configuration for a database, as a mapping for create_app."""
    config = {key: getattr(TestingConfig, key) for key in dir(TestingConfig) if key.isupper()}
    config["SQLALCHEMY_DATABASE_URI"] = database_url
    config.update(overrides)
    return config


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    Without this, requests would share the test's app context, and with it `g` (where
    Flask-Login caches the user) and the SQLAlchemy session. The test's own session is
    committed before each request (so the request sees the set-up) and after it (so the
    test sees what the request wrote).
    """

    def open(self, *args, **kwargs):
        from sharing.extensions import db

        outer = _has_app_context()
        if outer:
            db.session.commit()
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if outer:
            db.session.commit()
        return response


def _has_app_context() -> bool:
    from flask import has_app_context

    return has_app_context()


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Flask]:
    """The app on a database migrated to the newest schema (once per database kind)."""
    from flask_migrate import upgrade

    from sharing import create_app

    application = create_app(make_test_config(database_url))
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        from sharing.extensions import db

        db.engine.dispose()


@pytest.fixture
def db_kind(app: Flask) -> str:
    """'sqlite' or 'postgresql'."""
    return "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


def _empty_all_tables(app: Flask) -> None:
    from sharing.extensions import db

    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
def app_ctx(app: Flask) -> Iterator[Flask]:
    """An app context on an empty database; everything written is removed afterwards."""
    _empty_all_tables(app)
    with app.app_context():
        yield app
    _empty_all_tables(app)


@pytest.fixture
def session(app_ctx: Flask):
    """The app's SQLAlchemy session."""
    from sharing.extensions import db

    return db.session


@pytest.fixture
def client(app_ctx: Flask) -> FlaskClient:
    """A test client on an empty database."""
    return app_ctx.test_client()


@pytest.fixture
def runner(app_ctx: Flask):
    """The `flask` command-line runner."""
    return app_ctx.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    """The CSRF token of the first form in the page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


def get_csrf(client: FlaskClient, url: str = "/login") -> str:
    """Fetch a page and return its form's CSRF token (the session cookie keeps it valid)."""
    return csrf_token_from(client.get(url).get_data(as_text=True))


def login(client: FlaskClient, email: str, password: str, *, remember: bool = False, next_url: str = ""):
    """Log in through the real form; returns the response (not followed)."""
    token = get_csrf(client, "/login")
    data = {"csrf_token": token, "email": email, "password": password, "next": next_url}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


pytest_plugins = ["tests.factories", "tests.live_server", "tests.browser_support"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    """Browser flows run once, on SQLite: the PostgreSQL side of the same pages is covered by the
    test-client and service tests, and a second browser pass would double the slowest part of CI."""
    kept, dropped = [], []
    for item in items:
        params = getattr(getattr(item, "callspec", None), "params", {})
        if item.get_closest_marker("browser") and params.get("database_url") == "postgresql":
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
