"""Week view benchmark: 20 cars and a busy week, server time of /cars (and /bookings) per request.

    .venv/bin/python bench/bench_week_view.py [--requests 200] [--database sqlite|postgresql]

Measured in-process through the WSGI app (no network), against /healthz of the same app in the same
run as the baseline.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_bookings import _database
from flask_migrate import upgrade
from sqlalchemy import insert

from sharing import create_app
from sharing.extensions import db
from sharing.models import Booking, Household, Site, User, Vehicle
from sharing.security.passwords import hash_password
from tests.conftest import csrf_token_from, make_test_config

CARS = 20


def _populate() -> User:
    site = Site(name="Bench", max_future_bookings=1000, max_hours_per_7_days=10_000)
    db.session.add(site)
    db.session.flush()
    homes = [Household(site_id=site.id, name=f"H{i}") for i in range(20)]
    db.session.add_all(homes)
    db.session.flush()
    users = [User(site_id=site.id, household_id=h.id, email=f"u{h.id}@bench.example", name=f"U{h.id}",
                  password_hash=hash_password("bench-password")) for h in homes]
    db.session.add_all(users)
    cars = [Vehicle(site_id=site.id, name=f"Car {i:02d}", licence_plate=f"B-{i}", model="VW ID.3",
                    battery_kwh=58, consumption_kwh_per_100km=15.5, max_charge_kw=11) for i in range(CARS)]
    db.session.add_all(cars)
    db.session.commit()
    monday = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0)
    monday -= timedelta(days=monday.weekday())
    rng = random.Random(1)
    rows = []
    for car in cars:  # a busy week: 4 bookings a day on every car
        for day in range(7):
            for slot in range(4):
                start = monday + timedelta(days=day, hours=1 + 4 * slot)
                user = rng.choice(users)
                rows.append({"site_id": site.id, "vehicle_id": car.id, "user_id": user.id,
                             "household_id": user.household_id, "start_at": start,
                             "end_at": start + timedelta(hours=3),
                             "blocked_until": start + timedelta(hours=3, minutes=15),
                             "distance_km": 10, "status": "confirmed", "note": "", "sequence": 0,
                             "created_at": monday, "updated_at": monday})
    db.session.execute(insert(Booking), rows)
    db.session.commit()
    return users[0]


def _timed(client, path: str, n: int) -> tuple[float, float]:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - t0)
        assert response.status_code == 200, (path, response.status_code)
    samples.sort()
    return statistics.median(samples) * 1000, samples[int(len(samples) * 0.95) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default="sqlite", choices=["sqlite", "postgresql"])
    args = parser.parse_args()
    url, drop = _database(args.database)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
        user = _populate()
        email = user.email
    client = app.test_client()
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"csrf_token": token, "email": email, "password": "bench-password"})
    for path in ("/cars", "/bookings"):
        _timed(client, path, 5)  # warm-up
    base = _timed(client, "/healthz", args.requests)
    print(f"{args.database}: {CARS} cars, {CARS * 28} bookings in the week, {args.requests} requests (ms)")
    print(f"{'page':<12}{'p50':>8}{'p95':>8}{'p50 / healthz':>16}")
    print(f"{'/healthz':<12}{base[0]:>8.2f}{base[1]:>8.2f}{1:>16.1f}")
    for path in ("/cars", "/bookings"):
        p50, p95 = _timed(client, path, args.requests)
        print(f"{path:<12}{p50:>8.2f}{p95:>8.2f}{p50 / base[0]:>16.1f}")
    with app.app_context():
        db.engine.dispose()
    drop()


if __name__ == "__main__":
    main()
