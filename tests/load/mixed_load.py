"""A mixed load against a real server: residents browse, check, book and cancel for a fixed time.

Used by tests/load/test_mixed_load.py (short, asserted) and bench/bench_http.py (longer, printed).
Each client process is one resident: pages with a cookie session, the API with a token.
"""

from __future__ import annotations

import json
import multiprocessing
import random
import re
import statistics
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.cookiejar import CookieJar
from urllib.error import HTTPError
from urllib.request import HTTPCookieProcessor, Request, build_opener

from sqlalchemy import insert, select

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
PASSWORD = "Load-Test-2026"
OPERATIONS = ("browse_cars", "browse_bookings", "check", "book", "cancel")


@dataclass
class Resident:
    email: str
    token: str


def populate(session, *, residents: int, cars: int) -> list[Resident]:
    """A site with cars and residents (one household each) with passwords and tokens; commits."""
    from sharing.models import Household, Site, User, Vehicle
    from sharing.security.passwords import hash_password
    from sharing.services import api_tokens

    site = Site(name="Last", max_future_bookings=500, max_hours_per_7_days=5000, max_advance_days=60)
    session.add(site)
    session.flush()
    session.execute(insert(Household), [{"site_id": site.id, "name": f"Haus {i}"} for i in range(residents)])
    homes = session.scalars(select(Household.id).where(Household.site_id == site.id)).all()
    hashed = hash_password(PASSWORD)
    session.execute(insert(User), [{"site_id": site.id, "household_id": h, "email": f"load{h}@example.org",
                                    "name": f"Last {h}", "role": "resident", "password_hash": hashed}
                                   for h in homes])
    session.add_all([Vehicle(site_id=site.id, name=f"Wagen {i:02d}", licence_plate=f"L-{i}", model="Renault Zoe",
                             battery_kwh=52, consumption_kwh_per_100km=17, max_charge_kw=22, soc_percent=100)
                     for i in range(cars)])
    session.commit()
    users = session.scalars(select(User).where(User.site_id == site.id).order_by(User.id)).all()
    return [Resident(u.email, api_tokens.create_token(session, u, name="load", scopes=("read", "book")).secret)
            for u in users]


@dataclass
class Client:
    """One resident's browser (cookies) and API client (token)."""

    base: str
    resident: Resident
    opener: object = field(init=False)

    def __post_init__(self):
        self.opener = build_opener(HTTPCookieProcessor(CookieJar()))

    def request(self, method: str, path: str, body: dict | bytes | None = None, api: bool = False,
                form: bool = False) -> tuple[int, bytes]:
        headers = {"Accept-Language": "de"}
        data = None
        if api:
            headers["Authorization"] = f"Bearer {self.resident.token}"
        if isinstance(body, dict):
            data = urllib.parse.urlencode(body).encode() if form else json.dumps(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded" if form else "application/json"
        try:
            with self.opener.open(Request(self.base + path, data=data, method=method, headers=headers),
                                  timeout=60) as response:
                return response.status, response.read()
        except HTTPError as error:
            return error.code, error.read()
        except OSError:
            return 599, b""

    def log_in(self) -> None:
        _, page = self.request("GET", "/login")
        token = CSRF_RE.search(page.decode()).group(1)
        status, _ = self.request("POST", "/login", {"csrf_token": token, "email": self.resident.email,
                                                    "password": PASSWORD}, form=True)
        if status not in (200, 302):
            raise RuntimeError(f"login failed with {status}")


def _slot(rng: random.Random, car_ids: list[int]) -> dict:
    day = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0) + timedelta(days=rng.randrange(1, 15))
    start = day + timedelta(minutes=15 * rng.randrange(0, 48))
    return {"vehicle_id": rng.choice(car_ids), "start": start.isoformat(),
            "end": (start + timedelta(minutes=30 * rng.randrange(2, 9))).isoformat()}


def run_client(base: str, resident: Resident, car_ids: list[int], seconds: float, seed: int,
               start_at: float) -> list[tuple[str, int, float]]:
    """Browse, check, book and cancel at random for `seconds`; (operation, status, seconds) per request."""
    rng = random.Random(seed)
    client = Client(base, resident)
    client.log_in()
    own: list[int] = []
    results = []
    time.sleep(max(0.0, start_at - time.time()))
    deadline = time.time() + seconds
    while time.time() < deadline:
        operation = rng.choices(OPERATIONS, weights=(3, 3, 2, 2, 1))[0]
        began = time.perf_counter()
        if operation == "browse_cars":
            status, _ = client.request("GET", "/cars")
        elif operation == "browse_bookings":
            status, _ = client.request("GET", "/bookings")
        elif operation == "check":
            status, _ = client.request("POST", "/api/v1/availability/check", _slot(rng, car_ids), api=True)
        elif operation == "book":
            status, answer = client.request("POST", "/api/v1/bookings", _slot(rng, car_ids), api=True)
            if status == 201:
                own.append(json.loads(answer)["id"])
        else:
            if not own:
                continue
            status, _ = client.request("POST", f"/api/v1/bookings/{own.pop(rng.randrange(len(own)))}/cancel", {},
                                       api=True)
        results.append((operation, status, time.perf_counter() - began))
    return results


def run_mixed_load(base: str, residents: list[Resident], car_ids: list[int], seconds: float) -> list[tuple]:
    """Every resident in a process of its own, all starting together."""
    start_at = time.time() + 4
    with multiprocessing.get_context("spawn").Pool(len(residents)) as pool:
        parts = pool.starmap(run_client, [(base, r, car_ids, seconds, i, start_at) for i, r in enumerate(residents)])
    return [item for part in parts for item in part]


def summary(results: list[tuple[str, int, float]]) -> dict[str, dict]:
    """Per operation: count, statuses, p50 and p95 in milliseconds."""
    table = {}
    for operation in OPERATIONS:
        times = sorted(t for op, _, t in results if op == operation)
        if not times:
            continue
        statuses: dict[int, int] = {}
        for op, status, _ in results:
            if op == operation:
                statuses[status] = statuses.get(status, 0) + 1
        table[operation] = {"count": len(times), "statuses": statuses, "p50_ms": statistics.median(times) * 1000,
                            "p95_ms": times[max(0, int(len(times) * 0.95) - 1)] * 1000}
    return table


def format_summary(table: dict[str, dict]) -> str:
    lines = [f"{'operation':<16}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}  statuses"]
    for operation, row in table.items():
        statuses = ", ".join(f"{s}: {n}" for s, n in sorted(row["statuses"].items()))
        lines.append(f"{operation:<16}{row['count']:>7}{row['p50_ms']:>9.1f}{row['p95_ms']:>9.1f}  {statuses}")
    return "\n".join(lines)
