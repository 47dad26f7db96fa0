"""Races over real HTTP: gunicorn with 4 workers, clients in several processes, on SQLite and PostgreSQL.

- 200 requests at once for overlapping times on one car, 20 rounds: exactly one 201 per round, the
  rest 409 with the conflict reasons, no 5xx, no overlap stored.
- The same with the database guard switched off (test-only flag, constraint and triggers dropped):
  the check must then see the race, i.e. the test is able to fail.
- 200 requests at once for 200 disjoint slots: all accepted, no false conflicts.
- 200 tokens used for the first time at once by GET requests: noting their use never fails a request.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import pytest
from flask_migrate import upgrade
from sqlalchemy import insert, text

from sharing import create_app
from sharing.extensions import db
from sharing.models import Household, Site, User, Vehicle, utcnow
from sharing.security.passwords import hash_password
from sharing.services import api_tokens
from tests.conftest import make_test_config
from tests.databases import OVERLAP_SQL, fresh_database
from tests.live_server import LiveServer, start_server
from tests.load.http_clients import fire_rounds

REQUESTS = int(os.environ.get("HTTP_RACE_REQUESTS", "200"))
ROUNDS = int(os.environ.get("HTTP_RACE_ROUNDS", "20"))
PROCESSES = 4
WORKERS = 4

CONFLICT_KINDS = {"vehicle_booked", "buffer_conflict"}


@dataclass
class RaceWorld:
    url: str
    app: object
    car_ids: list[int]
    tokens: list[str]


def _populate(cars: int) -> tuple[list[int], list[str]]:
    """A site with REQUESTS residents (one household each, so no quota interferes) and their tokens."""
    site = Site(name="Rennen", max_future_bookings=100, max_hours_per_7_days=500)
    db.session.add(site)
    db.session.flush()
    db.session.execute(insert(Household), [{"site_id": site.id, "name": f"Haus {i}"} for i in range(REQUESTS)])
    homes = db.session.scalars(db.select(Household.id).where(Household.site_id == site.id)).all()
    password = hash_password("race-password-2026")
    db.session.execute(insert(User), [{"site_id": site.id, "household_id": h, "email": f"r{h}@race.example",
                                       "name": f"R {h}", "role": "resident", "password_hash": password}
                                      for h in homes])
    vehicles = [Vehicle(site_id=site.id, name=f"Car {i}", licence_plate=f"R-{i}", model="VW ID.3",
                        battery_kwh=58, consumption_kwh_per_100km=15.5, max_charge_kw=11, soc_percent=100)
                for i in range(cars)]
    db.session.add_all(vehicles)
    db.session.commit()
    users = db.session.scalars(db.select(User).where(User.site_id == site.id).order_by(User.id)).all()
    tokens = [api_tokens.create_token(db.session, u, name="race", scopes=("read", "book")).secret for u in users]
    return [v.id for v in vehicles], tokens


@pytest.fixture(params=["sqlite", "postgresql"])
def race_world_factory(request, tmp_path) -> Iterator[callable]:
    """Builds a fresh database with data and a 4-worker gunicorn on it; `guard=False` takes the guard away."""
    if request.param == "postgresql":
        request.getfixturevalue("postgres_database")  # skips (or fails on CI) without PostgreSQL
    servers: list[LiveServer] = []
    cleanups: list[callable] = []

    def build(*, guard: bool = True, cars: int = 1) -> RaceWorld:
        url, drop = fresh_database(request.param, tmp_path)
        cleanups.append(drop)
        app = create_app(make_test_config(url))
        with app.app_context():
            upgrade()
            if not guard:
                if request.param == "sqlite":
                    db.session.execute(text("DROP TRIGGER booking_no_overlap_insert"))
                    db.session.execute(text("DROP TRIGGER booking_no_overlap_update"))
                else:
                    db.session.execute(text("ALTER TABLE booking DROP CONSTRAINT booking_no_overlap"))
                db.session.commit()
            car_ids, tokens = _populate(cars)
            db.session.remove()  # give the connection back before the pool goes (the server has its own)
            db.engine.dispose()
        env = {"TEST_BOOKING_DB_GUARD": "true" if guard else "false"}
        server = start_server(url, workers=WORKERS, env=env, log_path=tmp_path / "gunicorn.log", timeout=60)
        servers.append(server)
        cleanups.append(lambda: _dispose(app))
        return RaceWorld(server.url, app, car_ids, tokens)

    yield build
    for server in servers:
        server.stop()
    for cleanup in reversed(cleanups):
        cleanup()


def _dispose(app) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _first_start():
    """Tomorrow at a full hour (on the 15-minute grid, well inside the booking horizon)."""
    return (utcnow() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)


def _iso(moment) -> str:
    return moment.isoformat()


def _run(world: RaceWorld, rounds: list[list[tuple[str, dict]]], round_seconds: float):
    """Split every round's requests over PROCESSES client processes and fire them together."""
    start_at = time.time() + 6  # spawned processes need a moment to import
    shares = [[r[p::PROCESSES] for r in rounds] for p in range(PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        parts = pool.starmap(fire_rounds, [(world.url + "/api/v1/bookings", share, start_at, round_seconds)
                                           for share in shares])
    return [item for part in parts for item in part]


def _overlapping_rounds(world: RaceWorld, rounds: int) -> list[list[tuple[str, dict]]]:
    """Each round: every resident asks for the car at a slightly different, overlapping 2-hour slot."""
    first = _first_start()
    return [[(token, {"vehicle_id": world.car_ids[0],
                      "start": _iso(first + timedelta(hours=6 * n, minutes=15 * (i % 4))),
                      "end": _iso(first + timedelta(hours=6 * n + 2, minutes=15 * (i % 4)))})
             for i, token in enumerate(world.tokens)] for n in range(rounds)]


def _race_verdict(world: RaceWorld, results, rounds: int) -> list[str]:
    """Everything wrong with a race's outcome (empty when exactly one won each round, cleanly)."""
    problems = []
    if len(results) != rounds * REQUESTS:
        problems.append(f"{len(results)} answers for {rounds * REQUESTS} requests")
    statuses = Counter(status for _, status, _ in results)
    server_errors = [(s, k) for _, s, k in results if s >= 500]
    if server_errors:
        problems.append(f"{len(server_errors)} server errors, e.g. {server_errors[0]}")
    unexpected = {s for s in statuses if s not in (201, 409) and s < 500}
    if unexpected:
        problems.append(f"unexpected statuses {unexpected}")
    winners = Counter(n for n, status, _ in results if status == 201)
    wrong = {n: winners[n] for n in range(rounds) if winners[n] != 1}
    if wrong:
        problems.append(f"rounds without exactly one booking: {wrong}")
    odd_reasons = {tuple(k) for _, s, k in results if s == 409 and not set(k) & CONFLICT_KINDS}
    if odd_reasons:
        problems.append(f"409 without a conflict reason: {odd_reasons}")
    with world.app.app_context():
        overlaps = db.session.execute(OVERLAP_SQL).scalar()
        db.session.remove()
    if overlaps:
        problems.append(f"{overlaps} overlapping bookings stored")
    return problems


def test_200_clients_race_for_one_car_and_exactly_one_wins_each_round(race_world_factory):
    world = race_world_factory()
    results = _run(world, _overlapping_rounds(world, ROUNDS), round_seconds=2.5)
    assert _race_verdict(world, results, ROUNDS) == []
    assert Counter(status for _, status, _ in results) == {201: ROUNDS, 409: ROUNDS * (REQUESTS - 1)}


def test_without_the_database_guard_the_same_race_is_caught(race_world_factory):
    """Proof that the race test can fail: with the guard off, it must find what went wrong."""
    world = race_world_factory(guard=False)
    rounds = 5
    results = _run(world, _overlapping_rounds(world, rounds), round_seconds=2.5)
    assert _race_verdict(world, results, rounds) != []


def test_200_clients_book_200_disjoint_slots_and_all_succeed(race_world_factory):
    world = race_world_factory(cars=10)
    first = _first_start()
    # 10 cars x 20 consecutive 2-hour slots (with room for the 15-minute buffer in between).
    requests = [(token, {"vehicle_id": world.car_ids[i % 10],
                         "start": _iso(first + timedelta(hours=3 * (i // 10))),
                         "end": _iso(first + timedelta(hours=3 * (i // 10) + 2))})
                for i, token in enumerate(world.tokens)]
    results = _run(world, [requests], round_seconds=0)
    statuses = Counter(status for _, status, _ in results)
    assert statuses == {201: REQUESTS}, [r for r in results if r[1] != 201][:3]
    with world.app.app_context():
        overlaps = db.session.execute(OVERLAP_SQL).scalar()
        db.session.remove()
    assert overlaps == 0


def test_200_tokens_first_used_at_once_by_reading_requests_all_answer(race_world_factory):
    """A GET notes its token's first use; on SQLite that write must wait its turn, not fail the request."""
    world = race_world_factory()
    requests = [(token, None) for token in world.tokens]
    start_at = time.time() + 6
    shares = [[requests[p::PROCESSES]] for p in range(PROCESSES)]
    with multiprocessing.get_context("spawn").Pool(PROCESSES) as pool:
        parts = pool.starmap(fire_rounds, [(world.url + "/api/v1/me", share, start_at, 0) for share in shares])
    results = [item for part in parts for item in part]
    assert Counter(status for _, status, _ in results) == {200: REQUESTS}, [r for r in results if r[1] != 200][:3]
    with world.app.app_context():
        unnoted = db.session.execute(text("SELECT count(*) FROM api_token WHERE last_used_at IS NULL")).scalar()
        db.session.remove()
    assert unnoted == 0
