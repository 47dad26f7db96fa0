"""Backup and restore drill: a backup taken while a writer books cars is one consistent snapshot,
restores cleanly over an existing database, and the app runs on the restored data."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, insert, text

from sharing import create_app
from sharing.extensions import db
from sharing.models import AuditEvent, Site, User
from sharing.services import backup, bookings
from tests.conftest import make_test_config
from tests.databases import OVERLAP_SQL
from tests.factories import DEFAULT_PASSWORD
from tests.ops.conftest import table_counts

NOW = datetime(2031, 3, 3, 7, 0, tzinfo=UTC)
PADDING_ROWS = 20_000  # makes the backup take long enough for the writer to commit during it


class Writer(threading.Thread):
    """Books 30-minute slots one after another (one transaction each) until stopped."""

    def __init__(self, app, user_id: int, car_ids: list[int]):
        super().__init__(daemon=True)
        self.app, self.user_id, self.car_ids = app, user_id, car_ids
        self.committed: list[int] = []  # booking ids in commit order
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with self.app.app_context():
            i = 0
            while not self.stop.is_set() and i < 4000:
                start = NOW + timedelta(days=1, minutes=45 * (i // len(self.car_ids)))
                try:
                    booking = bookings.create_booking(
                        db.session, db.session.get(User, self.user_id), vehicle_id=self.car_ids[i % len(self.car_ids)],
                        start=start, end=start + timedelta(minutes=30), now=NOW)
                    self.committed.append(booking.id)
                except Exception as error:  # the test reports it
                    db.session.rollback()
                    self.errors.append(f"{type(error).__name__}: {error}")
                    return
                i += 1
            db.session.remove()

    def wait_for(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while len(self.committed) < count and not self.errors and time.monotonic() < deadline:
            time.sleep(0.01)


@pytest.fixture
def world(session, site, make_user, make_vehicle):
    """A resident allowed to book a lot, four cars, and padding rows in the audit log."""
    site.max_future_bookings = 100_000
    site.max_hours_per_7_days = 100_000
    site.max_advance_days = 400
    resident = make_user(email="drill@example.org")
    cars = [make_vehicle(soc_percent=100).id for _ in range(4)]
    session.execute(insert(AuditEvent), [
        {"site_id": site.id, "action": "drill.padding", "object_type": "drill", "object_id": n,
         "after": {"n": n, "text": "x" * 40}} for n in range(PADDING_ROWS)])
    session.commit()
    return resident.id, cars


def test_backup_under_write_load_restores_a_consistent_snapshot(app, session, world, db_kind, tmp_path,
                                                                spare_database_url, capsys):
    user_id, cars = world
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    writer = Writer(app, user_id, cars)
    writer.start()
    try:
        writer.wait_for(20)
        before = len(writer.committed)
        result = backup.backup(url, tmp_path / ("drill" + (".sqlite3" if db_kind == "sqlite" else ".dump")))
        after = len(writer.committed)
        writer.wait_for(after + 20)  # the writer keeps going after the backup
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert writer.errors == []
    total = len(writer.committed)
    assert total > after

    # Restore over an existing database that holds other data (the operator's path).
    spare = create_app(make_test_config(spare_database_url))
    with spare.app_context():
        from flask_migrate import upgrade

        upgrade()
        db.session.add(Site(name="Stale", timezone="UTC"))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    backup.restore(spare_database_url, result.path)

    engine = create_engine(spare_database_url)
    try:
        with engine.connect() as conn:
            counts = table_counts(conn)
            ids = sorted(conn.execute(text("SELECT id FROM booking")).scalars())
            created_events = conn.execute(text("SELECT count(*) FROM audit_event WHERE action = 'booking.create'"))\
                .scalar_one()
            stale = conn.execute(text("SELECT count(*) FROM site WHERE name = 'Stale'")).scalar_one()
            overlaps = conn.execute(OVERLAP_SQL).scalar_one()
            if db_kind == "sqlite":
                integrity = conn.execute(text("PRAGMA integrity_check")).scalar_one()
                foreign = conn.execute(text("PRAGMA foreign_key_check")).fetchall()
            else:
                integrity, foreign = "ok", []  # pg_restore re-validated every constraint in one transaction
    finally:
        engine.dispose()

    # A consistent snapshot: exactly the first n commits of the writer, each with its audit event.
    assert before <= len(ids) <= after
    assert ids == writer.committed[:len(ids)]
    assert created_events == len(ids) == counts["booking"]
    assert counts["audit_event"] == PADDING_ROWS + len(ids)
    assert counts["user_account"] == 1 and counts["vehicle"] == 4 and counts["site"] == 1 and stale == 0
    assert integrity == "ok" and foreign == [] and overlaps == 0
    with capsys.disabled():
        print(f"\n[backup drill {db_kind}] {result.size_bytes / 1e6:.1f} MB in {result.seconds:.2f} s; "
              f"writer committed {before}..{after} bookings around it, {total} in all; snapshot holds {len(ids)}; "
              f"{sum(counts.values())} rows restored")

    _app_works_on(spare_database_url)


def _app_works_on(url: str) -> None:
    restored = create_app(make_test_config(url))
    try:
        client = restored.test_client()
        with restored.app_context():
            from tests.conftest import login

            assert login(client, "drill@example.org", DEFAULT_PASSWORD).status_code == 302
            for page in ("/cars", "/bookings", "/account"):
                assert client.get(page).status_code == 200, page
            assert client.get("/readyz").status_code == 200
    finally:
        with restored.app_context():
            db.engine.dispose()
