"""HTTP benchmark on gunicorn: booking throughput as a ratio to a trivial JSON endpoint, pages under load.

    .venv/bin/python bench/bench_http.py [--database postgresql|sqlite] [--seconds 15] [--clients 8] [--workers 2]

1. Baseline: `--clients` processes call GET /healthz (a trivial JSON answer of the same app) as fast as
   they can for `--seconds`: requests per second.
2. Booking: the same clients book disjoint slots through POST /api/v1/bookings (every request books):
   requests per second, and the ratio to the baseline measured in the same run (goal >= 0.5).
3. A mixed load (browse, check, book, cancel; tests/load/mixed_load.py): p50/p95 of the fleet week view
   (/cars) and My bookings (/bookings) while the others book and cancel.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.load.http_clients import post_json
from tests.load.mixed_load import format_summary, summary


def _count_healthz(base: str, seconds: float, start_at: float) -> int:
    time.sleep(max(0.0, start_at - time.time()))
    deadline, done = time.time() + seconds, 0
    while time.time() < deadline:
        with urllib.request.urlopen(base + "/healthz", timeout=30) as response:
            response.read()
        done += 1
    return done


def _count_bookings(base: str, token: str, car_id: int, seconds: float, start_at: float) -> tuple[int, int]:
    """Book one car slot after slot (1 h each, 15-minute buffer): (booked, other answers)."""
    first = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    time.sleep(max(0.0, start_at - time.time()))
    deadline, booked, other, n = time.time() + seconds, 0, 0, 0
    while time.time() < deadline:
        start = first + timedelta(minutes=75 * n)
        status, _ = post_json(base + "/api/v1/bookings", token, {
            "vehicle_id": car_id, "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat()})
        booked, other, n = booked + (status == 201), other + (status != 201), n + 1
    return booked, other


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import multiprocessing

    from flask_migrate import upgrade

    from sharing import create_app
    from sharing.extensions import db
    from sharing.models import Vehicle
    from tests.conftest import make_test_config
    from tests.databases import fresh_database
    from tests.live_server import start_server
    from tests.load.mixed_load import populate, run_mixed_load

    workdir = Path(tempfile.mkdtemp(prefix="bench-http-"))
    url, drop = fresh_database(args.database, workdir)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
        residents = populate(db.session, residents=args.clients, cars=max(args.clients, 10))
        car_ids = list(db.session.scalars(db.select(Vehicle.id).order_by(Vehicle.id)))
        db.session.remove()
    server = start_server(url, workers=args.workers, log_path=workdir / "gunicorn.log", timeout=60)
    pool = multiprocessing.get_context("spawn").Pool(args.clients)
    try:
        start_at = time.time() + 3
        health = sum(pool.starmap(_count_healthz, [(server.url, args.seconds, start_at)] * args.clients))
        start_at = time.time() + 3
        outcomes = pool.starmap(_count_bookings, [(server.url, r.token, car_ids[i], args.seconds, start_at)
                                                  for i, r in enumerate(residents)])
        booked, refused = sum(b for b, _ in outcomes), sum(o for _, o in outcomes)
        mixed = summary(run_mixed_load(server.url, residents, car_ids, args.seconds))
    finally:
        pool.close()
        server.stop()
        with app.app_context():
            db.engine.dispose()
        drop()

    health_rps, booking_rps = health / args.seconds, booked / args.seconds
    print(f"gunicorn {args.workers} workers, {args.database}, {args.clients} client processes, "
          f"{args.seconds:.0f} s per phase")
    print(f"GET /healthz (baseline)      {health_rps:8.1f} req/s")
    print(f"POST /api/v1/bookings        {booking_rps:8.1f} req/s  ({booked} booked, {refused} not)")
    print(f"ratio booking / baseline     {booking_rps / health_rps:8.2f}  (goal >= 0.5)")
    print("mixed load (browse, check, book, cancel):")
    print(format_summary(mixed))


if __name__ == "__main__":
    main()
