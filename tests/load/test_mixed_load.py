"""A mixed load (browse, check, book, cancel) on gunicorn with 4 workers for a fixed time: no 5xx, no overlap."""

from __future__ import annotations

import os

import pytest
from flask_migrate import upgrade

from sharing import create_app
from sharing.extensions import db
from sharing.models import Vehicle
from tests.conftest import make_test_config
from tests.databases import OVERLAP_SQL, fresh_database
from tests.live_server import start_server
from tests.load.mixed_load import format_summary, populate, run_mixed_load, summary

SECONDS = float(os.environ.get("MIXED_LOAD_SECONDS", "15"))
RESIDENTS = 8


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_mixed_load_has_no_server_errors_and_no_overlaps(kind, request, tmp_path):
    if kind == "postgresql":
        request.getfixturevalue("postgres_database")  # skips (or fails on CI) without PostgreSQL
    url, drop = fresh_database(kind, tmp_path)
    app = create_app(make_test_config(url))
    server = None
    try:
        with app.app_context():
            upgrade()
            residents = populate(db.session, residents=RESIDENTS, cars=5)
            car_ids = list(db.session.scalars(db.select(Vehicle.id)))
            db.session.remove()
        server = start_server(url, workers=4, log_path=tmp_path / "gunicorn.log", timeout=60)
        results = run_mixed_load(server.url, residents, car_ids, SECONDS)
        table = summary(results)
        print(f"\nmixed load, {kind}, {RESIDENTS} residents, {SECONDS:.0f} s\n" + format_summary(table))
        with app.app_context():
            overlaps = db.session.execute(OVERLAP_SQL).scalar()
            db.session.remove()
    finally:
        if server is not None:
            server.stop()
        with app.app_context():
            db.engine.dispose()
        drop()
    server_errors = [r for r in results if r[1] >= 500]
    assert server_errors == [], f"{len(server_errors)} server errors; see {tmp_path / 'gunicorn.log'}"
    assert overlaps == 0
    assert {"browse_cars", "browse_bookings", "check", "book"} <= set(table), table
    assert table["browse_cars"]["statuses"] == {200: table["browse_cars"]["count"]}
    assert set(table["book"]["statuses"]) <= {201, 409} and table["book"]["statuses"].get(201, 0) > 0
