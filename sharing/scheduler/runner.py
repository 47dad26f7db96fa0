"""APScheduler set-up: one active process (lease), UTC triggers, coalescing, logged misfires and failures."""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, EVENT_JOB_SUBMITTED
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from flask import Flask

from ..database import writer_transactions
from ..extensions import db
from . import jobs, lease

log = logging.getLogger(__name__)

JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 120}


class ActiveGate:
    """Runs a job only while this process holds the lease."""

    def __init__(self, app: Flask, holder: str):
        self.app, self.holder = app, holder
        self.active = threading.Event()

    def renew(self) -> None:
        ttl = timedelta(seconds=self.app.config.get("SCHEDULER_LEASE_SECONDS", 30))
        with self.app.app_context():
            try:
                held = lease.try_acquire(db.session, self.holder, ttl)
            except Exception:
                log.exception("lease renewal failed")
                held = False
        if held and not self.active.is_set():
            log.info("scheduler %s is now active", self.holder)
        if not held and self.active.is_set():
            log.warning("scheduler %s lost the lease; standing by", self.holder)
        self.active.set() if held else self.active.clear()

    def guarded(self, job):
        def run():
            if not self.active.is_set():
                return None
            with writer_transactions():  # SQLite: jobs read, then write, beside other jobs and processes
                return job()

        run.__name__ = getattr(job, "__name__", "job")
        return run


class CatchUpLog:
    """Logs when a job runs again only after several of its intervals (the process was paused, the
    machine slept, the database was slow): APScheduler coalesces those missed runs into this one
    without an event of its own, so the gap between two submissions tells."""

    def __init__(self, scheduler):
        self.scheduler = scheduler
        self.last: dict[str, float] = {}

    def __call__(self, event) -> None:
        now = time.monotonic()
        previous, self.last[event.job_id] = self.last.get(event.job_id), now
        job = self.scheduler.get_job(event.job_id)
        interval = getattr(getattr(job, "trigger", None), "interval", None)
        if previous is None or interval is None:
            return
        gap = now - previous
        if gap > 2 * interval.total_seconds() + 1:
            log.warning("job %s caught up after %.0f s (every %.0f s): the missed runs were coalesced into one",
                        event.job_id, gap, interval.total_seconds())


def _log_events(event) -> None:
    if event.code == EVENT_JOB_MISSED:
        log.warning("job %s missed its run at %s", event.job_id, event.scheduled_run_time)
    elif event.exception is not None:
        log.error("job %s failed: %r", event.job_id, event.exception)


def build_scheduler(app: Flask, *, blocking: bool) -> tuple[object, ActiveGate]:
    """A scheduler with every job; `blocking` for the dedicated process, background when embedded."""
    holder = lease.holder_id()
    gate = ActiveGate(app, holder)
    kind = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = kind(timezone="UTC", job_defaults=JOB_DEFAULTS, executors={"default": ThreadPoolExecutor(4)})
    tick = app.config.get("SCHEDULER_TICK_SECONDS", 60)
    scheduler.add_job(gate.renew, "interval", seconds=max(1, app.config.get("SCHEDULER_LEASE_SECONDS", 30) // 3),
                      id="lease", next_run_time=_now())
    scheduler.add_job(gate.guarded(lambda: jobs.deliver_outbox(app)), "interval", seconds=tick, id="outbox")
    scheduler.add_job(gate.guarded(lambda: jobs.send_reminders(app, holder)), "interval", seconds=tick,
                      id="reminders")
    scheduler.add_job(gate.guarded(lambda: jobs.release_no_shows(app)), "interval", seconds=tick, id="no_shows")
    scheduler.add_job(gate.guarded(lambda: jobs.complete_forgotten_returns(app)), "interval", minutes=15,
                      id="completion")
    scheduler.add_job(gate.guarded(lambda: jobs.replan_charging(app)), "interval",
                      minutes=app.config.get("REPLAN_MINUTES", 15), id="replan", next_run_time=_now())
    scheduler.add_job(gate.guarded(lambda: jobs.drive_chargers(app, holder)), "interval",
                      seconds=tick, id="chargers")
    scheduler.add_job(gate.guarded(lambda: jobs.apply_retention(app)), "interval", hours=6, id="retention")
    scheduler.add_listener(_log_events, EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    scheduler.add_listener(CatchUpLog(scheduler), EVENT_JOB_SUBMITTED)
    return scheduler, gate


def _now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def start_embedded(app: Flask) -> None:
    """In development only (`make run`): the scheduler inside the single web process."""
    scheduler, _ = build_scheduler(app, blocking=False)
    scheduler.start()
    app.extensions["quartierauto_scheduler"] = scheduler
