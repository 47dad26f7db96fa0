"""Missed runs (a paused process, a sleeping machine) are caught up once, coalesced, and logged."""

from __future__ import annotations

import logging
import time

from sharing.scheduler import jobs
from sharing.scheduler.runner import build_scheduler


def test_missed_runs_are_caught_up_once_and_logged(app, session, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SCHEDULER_TICK_SECONDS", 1)
    runs: list[float] = []
    monkeypatch.setattr(jobs, "deliver_outbox", lambda _app: runs.append(time.monotonic()))
    scheduler, _ = build_scheduler(app, blocking=False)
    caplog.set_level(logging.WARNING, logger="sharing.scheduler.runner")
    scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while len(runs) < 2:  # active (it took the lease) and ticking every second
            assert time.monotonic() < deadline, "the outbox job never ran"
            time.sleep(0.1)
        scheduler.pause()
        time.sleep(4.5)  # four runs are missed
        before, resumed = len(runs), time.monotonic()
        scheduler.resume()
        time.sleep(1.6)
    finally:
        scheduler.shutdown(wait=True)
    catch_up = [t for t in runs[before:] if t - resumed < 0.3]  # uncoalesced, all four would come at once
    assert len(catch_up) == 1, "the missed runs are coalesced into one"
    assert len(runs) - before <= 3, "then it ticks on at its normal pace"
    assert any("outbox caught up after" in r.getMessage() for r in caplog.records)
