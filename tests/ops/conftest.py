"""Fixtures of the operations tests: a second, empty database of the same kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from sharing.extensions import db
from tests.databases import fresh_database


@pytest.fixture
def spare_database_url(db_kind, tmp_path) -> Iterator[str]:
    """The URL of another empty database of the same kind, dropped afterwards."""
    url, drop = fresh_database(db_kind, tmp_path, prefix="spare")
    yield url
    drop()


def table_counts(connection) -> dict[str, int]:
    """Rows per table of the app's schema."""
    return {t.name: connection.execute(select(db.func.count()).select_from(t)).scalar_one()
            for t in db.metadata.sorted_tables}
