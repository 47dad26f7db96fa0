"""Shared by the load tests: databases of their own, and the query that finds overlapping bookings."""

from __future__ import annotations

import uuid

import psycopg
from sqlalchemy import text

from tests.conftest import PG_ADMIN_URL

OVERLAPS = text("""
    SELECT count(*) FROM booking a JOIN booking b
      ON a.vehicle_id = b.vehicle_id AND a.id < b.id
     AND a.start_at < b.blocked_until AND b.start_at < a.blocked_until
     AND a.status IN ('pending', 'confirmed', 'active') AND b.status IN ('pending', 'confirmed', 'active')
""")


def fresh_database(kind: str, tmp_path) -> tuple[str, callable]:
    """An empty database of its own, and how to drop it (load tests never touch the shared test database)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / f'load-{uuid.uuid4().hex[:6]}.sqlite3'}", lambda: None
    name = f"quartierauto_load_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name, drop
