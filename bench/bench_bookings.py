"""Booking engine benchmark: create-with-checks, free cars, suggestions — 1,000 vs 100,000 stored bookings.

    .venv/bin/python bench/bench_bookings.py [--sizes 1000 100000] [--samples 200] [--databases sqlite postgresql]

Prints p50/p95 per operation and the ratio of the large to the small store measured in the
same run (the cost must not grow with the number of stored bookings). Both stores are built
first; each operation is then timed in runs of its own, the stores taking turns in blocks, so
that the machine's drift during the run touches both alike.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg
from flask_migrate import upgrade
from sqlalchemy import insert

from sharing import create_app
from sharing.domain.errors import BookingRejected
from sharing.extensions import db
from sharing.models import Booking, Household, Site, User, Vehicle
from sharing.services import bookings
from tests.conftest import PG_ADMIN_URL, make_test_config

CARS = 50
NOW = datetime(2031, 1, 6, 7, 0, tzinfo=UTC)
QUARTER = timedelta(minutes=15)


def _database(kind: str) -> tuple[str, callable]:
    if kind == "sqlite":
        path = Path(tempfile.mkdtemp()) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: None
    name = f"quartierauto_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop():
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    return PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name, drop


def _populate(stored: int) -> tuple[list[int], User]:
    """50 cars; `stored` bookings spread over the past (history) and the next weeks, no overlaps."""
    site = Site(name="Bench", max_future_bookings=10_000, max_hours_per_7_days=100_000)
    db.session.add(site)
    db.session.flush()
    homes = [Household(site_id=site.id, name=f"H{i}") for i in range(40)]
    db.session.add_all(homes)
    db.session.flush()
    users = [User(site_id=site.id, household_id=h.id, email=f"u{h.id}@bench.example", name="U") for h in homes]
    db.session.add_all(users)
    cars = [Vehicle(site_id=site.id, name=f"Car {i:02d}", licence_plate=f"B-{i}", model="VW ID.3",
                    battery_kwh=58, consumption_kwh_per_100km=15.5, max_charge_kw=11, soc_percent=90)
            for i in range(CARS)]
    db.session.add_all(cars)
    db.session.commit()
    per_car = stored // CARS
    rows = []
    for car in cars:
        # History back from now, 2 h bookings every 6 h; the latest 20 per car lie in the future.
        for i in range(per_car):
            start = NOW + timedelta(hours=6 * (i - per_car + 20))
            user = users[(car.id + i) % len(users)]
            rows.append({"site_id": site.id, "vehicle_id": car.id, "user_id": user.id,
                         "household_id": user.household_id, "start_at": start, "end_at": start + timedelta(hours=2),
                         "blocked_until": start + timedelta(hours=2, minutes=15), "distance_km": 10,
                         "status": "completed" if start < NOW else "confirmed", "note": "", "sequence": 0,
                         "created_at": NOW, "updated_at": NOW})
    for chunk in range(0, len(rows), 5000):
        db.session.execute(insert(Booking), rows[chunk:chunk + 5000])
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # What autovacuum does within a minute of such a load: planner statistics and the visibility map.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM ANALYZE")
    return [c.id for c in cars], users[0]


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.95) - 1] * 1000


@dataclass
class Store:
    """One populated database and its app."""

    app: object
    car_ids: list[int]
    user_id: int
    site_id: int
    drop: Callable[[], None]
    rng: random.Random = field(default_factory=lambda: random.Random(7))

    def free_slot(self) -> tuple[int, datetime]:
        """A car and a start in the gap 02:15..06:00 after one of its bookings in the coming days."""
        booking = self.rng.randrange(0, 16)  # one of the next 16 six-hour periods
        start = NOW + timedelta(hours=6 * booking, minutes=135 + 15 * self.rng.randrange(0, 6))
        return self.rng.choice(self.car_ids), start


def _signed_in(store: Store) -> User:
    """The acting user, loaded as the request's login loads it (before the timer starts)."""
    return db.session.get(User, store.user_id, populate_existing=True)


def _create(store: Store) -> float:
    car, start = store.free_slot()
    with store.app.test_request_context("/api/v1/bookings", method="POST"):  # a booking request's transaction
        actor = _signed_in(store)
        t0 = time.perf_counter()
        try:
            booking = bookings.create_booking(db.session, actor, vehicle_id=car, start=start,
                                              end=start + timedelta(hours=1), now=NOW)
        except BookingRejected:
            db.session.rollback()
            booking = None
        elapsed = time.perf_counter() - t0
        if booking is not None:  # keep the store the same size
            db.session.delete(booking)
            db.session.commit()
    return elapsed


def _free_cars(store: Store) -> float:
    _car, start = store.free_slot()
    t0 = time.perf_counter()
    bookings.free_vehicles(db.session, store.site_id, start, start + timedelta(hours=2))
    elapsed = time.perf_counter() - t0
    db.session.rollback()
    return elapsed


def _suggestions(store: Store) -> float:
    car, _start = store.free_slot()
    taken = NOW + timedelta(hours=6 * (store.rng.randrange(0, 4) * 4 + 1), minutes=30)  # inside a booking
    actor = _signed_in(store)
    t0 = time.perf_counter()
    answer = bookings.check_request(db.session, actor, vehicle_id=car, start=taken, end=taken + timedelta(hours=1),
                                    now=NOW)
    elapsed = time.perf_counter() - t0
    assert not answer.ok and answer.suggestions.all(), "the suggestion case must really compute suggestions"
    db.session.rollback()
    return elapsed


OPERATIONS = {"create": _create, "free cars": _free_cars, "suggestions": _suggestions}
BLOCKS = 4


def _build(kind: str, size: int) -> Store:
    url, drop = _database(kind)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
        car_ids, user = _populate(size)
        return Store(app, car_ids, user.id, user.site_id, drop)


def _measure(stores: dict[int, Store], samples: int) -> dict[int, dict[str, tuple[float, float]]]:
    """Each operation timed in runs of its own; the stores take turns in blocks, so drift hits both alike."""
    times: dict[int, dict[str, list[float]]] = {size: {op: [] for op in OPERATIONS} for size in stores}
    for op, run in OPERATIONS.items():
        for block in range(BLOCKS):
            for size in (sorted(stores) if block % 2 == 0 else sorted(stores, reverse=True)):
                store = stores[size]
                with store.app.app_context():
                    for _ in range(5):  # warm up this store's connection and statements again
                        run(store)
                    times[size][op] += [run(store) for _ in range(samples // BLOCKS)]
    return {size: {op: _percentiles(t) for op, t in ops.items()} for size, ops in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    print(f"Booking engine, {CARS} cars, {args.samples} samples per figure (ms)")
    print(f"{'database':<11}{'stored':>9}  {'operation':<12}{'p50':>8}{'p95':>8}")
    for kind in args.databases:
        stores = {size: _build(kind, size) for size in args.sizes}
        try:
            results = _measure(stores, args.samples)
        finally:
            for store in stores.values():
                with store.app.app_context():
                    db.session.remove()
                    db.engine.dispose()
                store.drop()
        for size in args.sizes:
            for op, (p50, p95) in results[size].items():
                print(f"{kind:<11}{size:>9}  {op:<12}{p50:>8.2f}{p95:>8.2f}")
        small, large = min(args.sizes), max(args.sizes)
        ratios = ", ".join(f"{op} {results[large][op][0] / results[small][op][0]:.2f}x" for op in OPERATIONS)
        print(f"{kind}: p50 at {large:,} / at {small:,} stored bookings: {ratios}")


if __name__ == "__main__":
    main()
