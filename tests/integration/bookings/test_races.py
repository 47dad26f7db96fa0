"""Many people book the same car at the same moment: exactly one gets it, the others a clean answer."""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest

from sharing.domain.errors import BookingRejected
from sharing.extensions import db
from sharing.models import User
from sharing.services import bookings
from tests.databases import OVERLAP_SQL
from tests.integration.bookings.conftest import NOW

ROUNDS = int(__import__("os").environ.get("RACE_ROUNDS", "20"))
THREADS = int(__import__("os").environ.get("RACE_THREADS", "50"))



@pytest.fixture
def bookers(make_user, site, session):
    """Fifty residents of fifty households (so quotas do not interfere)."""
    site.max_future_bookings = 50
    site.max_hours_per_7_days = 200
    session.commit()
    return [make_user() for _ in range(THREADS)]


@pytest.fixture
def race_app(app):
    """The same database with a connection pool big enough for every thread at once."""
    from sharing import create_app
    from tests.conftest import make_test_config

    options = {"pool_size": THREADS + 5, "max_overflow": 0, "pool_timeout": 120}
    racing = create_app(make_test_config(app.config["SQLALCHEMY_DATABASE_URI"], SQLALCHEMY_ENGINE_OPTIONS=options))
    yield racing
    with racing.app_context():
        db.engine.dispose()


def test_threads_race_for_one_car(race_app, session, bookers, make_vehicle):
    app = race_app
    car_id = make_vehicle(soc_percent=100).id  # plain values only: the test's session is not thread-safe
    user_ids = [u.id for u in bookers]
    outcomes: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt(user_id: int, round_no: int, barrier: threading.Barrier, offset: int) -> None:
        with app.app_context():
            start = NOW + timedelta(days=round_no + 1, minutes=offset)
            barrier.wait(timeout=60)
            user = db.session.get(User, user_id)
            try:
                bookings.create_booking(db.session, user, vehicle_id=car_id, start=start,
                                        end=start + timedelta(hours=2), now=NOW)
                outcome = "ok"
            except BookingRejected as rejected:
                outcome = "rejected:" + ",".join(sorted({r.kind for r in rejected.reasons}))
            except Exception as error:
                import traceback
                outcome = f"error:{type(error).__name__}:{error}:" + traceback.format_exc()
            with lock:
                outcomes.append((round_no, outcome))

    for round_no in range(ROUNDS):
        barrier = threading.Barrier(THREADS)
        threads = [threading.Thread(target=attempt, args=(uid, round_no, barrier, (i % 4) * 15))
                   for i, uid in enumerate(user_ids)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    _assert_one_winner_per_round(outcomes, ROUNDS, THREADS)
    assert session.execute(OVERLAP_SQL).scalar() == 0


def _assert_one_winner_per_round(outcomes, rounds, per_round):
    assert len(outcomes) == rounds * per_round
    errors = [o for _, o in outcomes if o.startswith("error")]
    assert errors == [], errors[0]
    winners = Counter(r for r, o in outcomes if o == "ok")
    assert all(winners[r] == 1 for r in range(rounds)), winners
    refused = {o for _, o in outcomes if o != "ok"}
    assert refused <= {"rejected:vehicle_booked", "rejected:buffer_conflict",
                       "rejected:buffer_conflict,vehicle_booked"}, refused


def test_processes_race_for_one_car(app, session, bookers, make_vehicle):
    from tests.integration.bookings.race_worker import book_rounds

    car = make_vehicle(soc_percent=100)
    user_ids = [u.id for u in bookers]
    processes, rounds = 5, 8
    start_at = time.time() + 8  # the processes need a moment to start
    chunks = [user_ids[i::processes] for i in range(processes)]
    base = NOW + timedelta(days=40)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        results = pool.starmap(book_rounds, [
            (app.config["SQLALCHEMY_DATABASE_URI"], chunk, car.id, base.isoformat(), rounds, start_at, 1.5)
            for chunk in chunks])
    outcomes = [item for part in results for item in part]
    _assert_one_winner_per_round(outcomes, rounds, THREADS)
    assert session.execute(OVERLAP_SQL).scalar() == 0
