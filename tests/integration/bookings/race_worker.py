"""A booking client that runs in its own process: its own app, engine and connections."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta


def book_rounds(database_url: str, user_ids: list[int], vehicle_id: int, base_iso: str, rounds: int,
                start_at_epoch: float, round_seconds: float) -> list[tuple[int, str]]:
    """For each round, every thread of this process tries to book overlapping times at the same moment."""
    from sharing import create_app
    from sharing.domain.errors import BookingRejected
    from sharing.extensions import db
    from sharing.models import User
    from sharing.services import bookings
    from tests.conftest import make_test_config

    app = create_app(make_test_config(database_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_size": len(user_ids) + 2}))
    base = datetime.fromisoformat(base_iso)
    results: list[tuple[int, str]] = []
    lock = threading.Lock()

    def attempt(user_id: int, round_no: int, offset_minutes: int) -> None:
        with app.app_context():
            user = db.session.get(User, user_id)
            start = base + timedelta(days=round_no, minutes=offset_minutes)
            try:
                bookings.create_booking(db.session, user, vehicle_id=vehicle_id, start=start,
                                        end=start + timedelta(hours=2), now=base - timedelta(days=1))
                outcome = "ok"
            except BookingRejected as rejected:
                outcome = "rejected:" + ",".join(sorted({r.kind for r in rejected.reasons}))
            except Exception as error:
                outcome = f"error:{type(error).__name__}:{error}"
            with lock:
                results.append((round_no, outcome))

    for round_no in range(rounds):
        go = start_at_epoch + round_no * round_seconds
        threads = [threading.Thread(target=attempt, args=(uid, round_no, (i % 4) * 15))
                   for i, uid in enumerate(user_ids)]
        time.sleep(max(0.0, go - time.time()))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    with app.app_context():
        db.engine.dispose()
    return results
