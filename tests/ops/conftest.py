"""Fixtures of the operations tests: a second, empty database of the same kind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import select, text

from sharing.extensions import db
from tests.conftest import PG_ADMIN_URL


@pytest.fixture
def spare_database_url(db_kind, tmp_path) -> Iterator[str]:
    """The URL of another empty database (a file for SQLite, a new PostgreSQL database), dropped afterwards."""
    if db_kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'spare-{uuid.uuid4().hex[:6]}.sqlite3'}"
        return
    import psycopg

    name = f"quartierauto_spare_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    yield f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def table_counts(connection) -> dict[str, int]:
    """Rows per table of the app's schema."""
    return {t.name: connection.execute(select(db.func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables}


OVERLAP_SQL = text("""
    SELECT count(*) FROM booking a JOIN booking b
      ON a.vehicle_id = b.vehicle_id AND a.id < b.id
     AND a.start_at < b.blocked_until AND b.start_at < a.blocked_until
     AND a.status IN ('pending', 'confirmed', 'active') AND b.status IN ('pending', 'confirmed', 'active')
""")
