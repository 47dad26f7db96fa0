"""Admin report benchmark: the monthly report and its CSV for a busy neighbourhood.

    .venv/bin/python bench/bench_admin_reports.py [--requests 20] [--database sqlite|postgresql]

20 cars, 60 households, a month with 6 completed trips per car and day (3,600 bookings) under a
time-of-use tariff; server time per request in-process through the WSGI app, against /healthz of
the same app in the same run as the baseline.
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
from tests.conftest import make_test_config

CARS, HOUSEHOLDS, TRIPS_PER_DAY = 20, 60, 6


def _populate() -> tuple[User, str]:
    table = [{"weekdays": list(range(5)), "from": "06:00", "to": "22:00", "eur_per_kwh": 0.34},
             {"weekdays": [5, 6], "from": "00:00", "to": "00:00", "eur_per_kwh": 0.27}]
    site = Site(name="Bench", tariff_kind="time_of_use", tariff_table=table, tariff_flat_eur_per_kwh=0.29,
                monthly_fixed_costs_eur=2400.0)
    db.session.add(site)
    db.session.flush()
    homes = [Household(site_id=site.id, name=f"Haushalt {i:02d}") for i in range(HOUSEHOLDS)]
    db.session.add_all(homes)
    db.session.flush()
    users = [User(site_id=site.id, household_id=h.id, email=f"u{h.id}@bench.example", name=f"U{h.id}")
             for h in homes]
    admin = User(site_id=site.id, email="admin@bench.example", name="Admin", role="admin",
                 password_hash=hash_password("bench-password"))
    cars = [Vehicle(site_id=site.id, name=f"Car {i:02d}", licence_plate=f"B-{i}", model="VW ID.3",
                    battery_kwh=58, consumption_kwh_per_100km=15.5, max_charge_kw=11) for i in range(CARS)]
    db.session.add_all([*users, admin, *cars])
    db.session.commit()
    first = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    first = first.replace(day=1)
    rng = random.Random(1)
    rows = []
    for car in cars:
        for day in range(28):
            for trip in range(TRIPS_PER_DAY):
                start = first + timedelta(days=day, hours=5 + 3 * trip)
                user = rng.choice(users)
                km = rng.randint(5, 120)
                rows.append({"site_id": site.id, "vehicle_id": car.id, "user_id": user.id,
                             "household_id": user.household_id, "start_at": start, "end_at": start + timedelta(hours=2),
                             "blocked_until": start + timedelta(hours=2, minutes=15), "status": "completed",
                             "distance_km": km, "odometer_start_km": 1000, "odometer_end_km": 1000 + km,
                             "soc_start_percent": 90.0, "soc_end_percent": 90.0 - km * 15.5 / 58,
                             "returned_at": start + timedelta(hours=2)})
    db.session.execute(insert(Booking), rows)
    db.session.commit()
    return admin, first.strftime("%Y-%m")


def _time(client, url: str, n: int) -> list[float]:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()
    url, drop = _database(args.database)
    try:
        _run(url, args)
    finally:
        drop()


def _run(url: str, args) -> None:
    if True:
        app = create_app(make_test_config(url, WTF_CSRF_ENABLED=False))
        with app.app_context():
            upgrade()
            admin, month = _populate()
            identity = admin.get_id()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = identity, True
        base = statistics.median(_time(client, "/healthz", args.requests))
        print(f"{args.database}: {CARS} cars, {HOUSEHOLDS} households, {CARS * 28 * TRIPS_PER_DAY} trips in {month}")
        for label, url in (("report page", f"/admin/reports?month={month}"),
                           ("cost split CSV", f"/admin/reports/cost-split.csv?month={month}")):
            samples = sorted(_time(client, url, args.requests))
            p50, p95 = statistics.median(samples), samples[int(0.95 * (len(samples) - 1))]
            print(f"  {label:16} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  p50/healthz {p50 / base:5.0f}x")


if __name__ == "__main__":
    main()
