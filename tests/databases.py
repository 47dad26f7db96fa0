"""Databases of a test's own (beside the session's shared one), and the query that finds overlapping bookings."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy import text

from tests.conftest import PG_ADMIN_URL

OVERLAP_SQL = text("""
    SELECT count(*) FROM booking a JOIN booking b
      ON a.vehicle_id = b.vehicle_id AND a.id < b.id
     AND a.start_at < b.blocked_until AND b.start_at < a.blocked_until
     AND a.status IN ('pending', 'confirmed', 'active') AND b.status IN ('pending', 'confirmed', 'active')
""")


def fresh_database(kind: str, tmp_path, prefix: str = "own") -> tuple[str, callable]:
    """The URL of an empty database (a file for SQLite, a new PostgreSQL database) and how to drop it."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'{prefix}-{uuid.uuid4().hex[:6]}.sqlite3'}", lambda: None
    name = f"quartierauto_{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name, drop
