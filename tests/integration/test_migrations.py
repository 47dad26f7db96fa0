"""The migrations build exactly the schema the models describe, and walk down and up again."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from sharing import create_app
from sharing.extensions import db
from tests.conftest import PG_ADMIN_URL, make_test_config


@pytest.fixture
def empty_database_url(database_url, tmp_path):
    """A second, empty database of the same kind, just for this test."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        return
    name = f"quartierauto_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _schema_diff(app) -> list:
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


@pytest.fixture
def fresh_app(empty_database_url):
    """An app on the empty database; its connections are closed afterwards."""
    app = create_app(make_test_config(empty_database_url))
    yield app
    with app.app_context():
        db.engine.dispose()


def test_models_and_migrations_agree(fresh_app):
    with fresh_app.app_context():
        upgrade()
    assert _schema_diff(fresh_app) == []


def test_upgrade_downgrade_upgrade(fresh_app):
    app = fresh_app
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"booking", "vehicle", "user_account", "site", "charge_window", "audit_event"} <= tables
    assert _schema_diff(app) == []
