"""HTTP benchmark on gunicorn: booking throughput as a ratio to trivial endpoints, pages under load.

    .venv/bin/python bench/bench_http.py [--database postgresql|sqlite] [--seconds 15] [--clients 8] [--workers 2]

All phases run against the same server in the same run; `--clients` processes send requests one
after the other as fast as the server answers, for `--seconds` each:

1. Baselines: GET /healthz (a trivial JSON answer, no database) and GET /api/v1/me (the API's
   trivial JSON answer: the token looked up, the caller described).
2. Floor: POST /bench/one-row (bench/http_floor_app.py): one row written and committed through the
   same stack. No request that writes can be cheaper, so it bounds what the booking ratio can reach.
3. Booking: POST /api/v1/bookings, every request books (clients spread over households and cars as a
   neighbourhood's are): requests per second and the ratios to the baselines (goal >= 0.5).
4. A mixed load (browse, check, book, cancel; tests/load/mixed_load.py): p50/p95 of the fleet week view
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

#: Households and cars per client process in the booking phase.
HOUSEHOLDS_PER_CLIENT, CARS_PER_CLIENT = 8, 4


def _count(start_at: float, url: str, seconds: float, token: str | None = None, method: str = "GET") -> int:
    """Requests answered with 2xx in `seconds` (any other answer stops the run: a baseline must not fail)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    time.sleep(max(0.0, start_at - time.time()))
    deadline, done = time.time() + seconds, 0
    while time.time() < deadline:
        request = urllib.request.Request(url, method=method, headers=headers, data=b"" if method == "POST" else None)
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
        done += 1
    return done


def _count_bookings(start_at: float, base: str, tokens: list[str], car_ids: list[int],
                    seconds: float) -> tuple[int, int, int]:
    """Book slot after slot (1 h, 15-minute buffer), households and cars in turn: (booked, refused, 5xx)."""
    first = (datetime.now(UTC) + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    time.sleep(max(0.0, start_at - time.time()))
    deadline, booked, refused, failed, n = time.time() + seconds, 0, 0, 0, 0
    while time.time() < deadline:
        start = first + timedelta(minutes=75 * (n // len(car_ids)))
        status, _ = post_json(base + "/api/v1/bookings", tokens[n % len(tokens)], {
            "vehicle_id": car_ids[n % len(car_ids)], "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat()})
        booked, refused, failed = booked + (status == 201), refused + (400 <= status < 500), failed + (status >= 500)
        n += 1
    return booked, refused, failed


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
    clients = args.clients
    with app.app_context():
        upgrade()
        residents = populate(db.session, residents=clients * HOUSEHOLDS_PER_CLIENT, cars=clients * CARS_PER_CLIENT)
        car_ids = list(db.session.scalars(db.select(Vehicle.id).order_by(Vehicle.id)))
        db.session.remove()
    server = start_server(url, workers=args.workers, log_path=workdir / "gunicorn.log", timeout=60,
                          app="bench.http_floor_app:app")
    pool = multiprocessing.get_context("spawn").Pool(clients)

    def phase(function, arguments: list[tuple]) -> list:
        """Every client runs `function` with its arguments, all starting together."""
        start_at = time.time() + 3
        return pool.starmap(function, [(start_at, *a) for a in arguments])

    try:
        health = sum(phase(_count, [(server.url + "/healthz", args.seconds)] * clients))
        me = sum(phase(_count, [(server.url + "/api/v1/me", args.seconds, residents[i].token)
                                for i in range(clients)]))
        floor = sum(phase(_count, [(server.url + "/bench/one-row", args.seconds, None, "POST")] * clients))
        outcomes = phase(_count_bookings, [
            (server.url, [r.token for r in residents[i::clients]], car_ids[i::clients], args.seconds)
            for i in range(clients)])
        booked, refused, failed = (sum(o[k] for o in outcomes) for k in range(3))
        mixed = summary(run_mixed_load(server.url, residents[:clients], car_ids, args.seconds))
    finally:
        pool.close()
        server.stop()
        with app.app_context():
            db.engine.dispose()
        drop()

    rate = {name: count / args.seconds for name, count in
            (("healthz", health), ("me", me), ("floor", floor), ("booking", booked))}
    print(f"gunicorn {args.workers} sync workers, {args.database}, {clients} client processes, "
          f"{args.seconds:.0f} s per phase")
    print(f"GET /healthz (baseline, no database)     {rate['healthz']:8.1f} req/s")
    print(f"GET /api/v1/me (baseline, token lookup)  {rate['me']:8.1f} req/s")
    print(f"POST /bench/one-row (floor: one INSERT)  {rate['floor']:8.1f} req/s  "
          f"({rate['floor'] / rate['healthz']:.2f} of /healthz)")
    print(f"POST /api/v1/bookings                    {rate['booking']:8.1f} req/s  "
          f"({booked} booked, {refused} refused, {failed} server errors)")
    print(f"ratio booking / healthz                  {rate['booking'] / rate['healthz']:8.2f}  (goal >= 0.5)")
    print(f"ratio booking / me                       {rate['booking'] / rate['me']:8.2f}")
    print(f"ratio booking / floor                    {rate['booking'] / rate['floor']:8.2f}")
    print("mixed load (browse, check, book, cancel):")
    print(format_summary(mixed))


if __name__ == "__main__":
    main()
