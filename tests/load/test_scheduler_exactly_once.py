"""Two scheduler processes beside 4 gunicorn workers on one database; the active scheduler is killed.

Reminders fall due one after another during the run (and some at once). Each must be written to the
outbox exactly once and reach a real SMTP server exactly once; the standby takes over within a
minute of `kill -9`; the ledger shows that only scheduler processes acted, never a web worker.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from sharing import create_app
from sharing.extensions import db
from sharing.models import (
    Booking,
    Household,
    JobLedger,
    OutboxMessage,
    SchedulerLease,
    Site,
    User,
    Vehicle,
    utcnow,
)
from tests.conftest import make_test_config
from tests.databases import fresh_database
from tests.live_server import ROOT, free_port, start_server

#: How long reminders keep falling due (CI: half a minute; SCHEDULER_SOAK_SECONDS=300 for a longer soak).
RUN_SECONDS = float(os.environ.get("SCHEDULER_SOAK_SECONDS", "30"))
BOOKINGS = 6 + int(RUN_SECONDS / 1.5)  # six due at once, then one every 1.5 s
KILL_AFTER = RUN_SECONDS * 0.4


class _Inbox:
    def __init__(self):
        self.recipients: list[str] = []

    async def handle_DATA(self, server, session, envelope):
        self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"


def _scheduler(url: str, smtp_port: int, log: Path) -> subprocess.Popen:
    # The development config takes mail settings from the environment (the testing one never sends).
    env = {**os.environ, "QUARTIERAUTO_ENV": "development", "DATABASE_URL": url, "SCHEDULER_LEASE_SECONDS": "3",
           "SCHEDULER_TICK_SECONDS": "1", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp_port)}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
                                stdout=out, stderr=out)


def _populate() -> list[str]:
    """Bookings (a car each) starting 60 minutes (the reminder lead) from now, one every 1.5 s; the e-mails."""
    site = Site(name="Taktgeber", reminder_minutes_before=60)
    db.session.add(site)
    db.session.flush()
    cars = [Vehicle(site_id=site.id, name=f"Uhrwerk {i}", licence_plate=f"T-{i}", model="VW ID.3", battery_kwh=58,
                    consumption_kwh_per_100km=15.5, max_charge_kw=11, soc_percent=100) for i in range(BOOKINGS)]
    db.session.add_all(cars)
    db.session.execute(insert(Household), [{"site_id": site.id, "name": f"Takt {i}"} for i in range(BOOKINGS)])
    homes = db.session.scalars(select(Household.id).where(Household.site_id == site.id)).all()
    db.session.execute(insert(User), [{"site_id": site.id, "household_id": h, "email": f"takt{h}@example.org",
                                       "name": f"Takt {h}", "role": "resident"} for h in homes])
    db.session.flush()
    users = db.session.scalars(select(User).where(User.site_id == site.id).order_by(User.id)).all()
    first = utcnow() + timedelta(minutes=60, seconds=5)
    # Six are due at once, the rest one after another while the schedulers run (and one gets killed).
    starts = [first - timedelta(minutes=5)] * 6 + [first + timedelta(seconds=1.5 * i) for i in range(BOOKINGS - 6)]
    db.session.execute(insert(Booking), [
        {"site_id": site.id, "vehicle_id": car.id, "user_id": u.id, "household_id": u.household_id,
         "start_at": start, "end_at": start + timedelta(minutes=1), "blocked_until": start + timedelta(minutes=1),
         "status": "confirmed", "sequence": 0, "note": "", "distance_km": 0, "created_at": utcnow(),
         "updated_at": utcnow()} for u, car, start in zip(users, cars, starts, strict=True)])
    db.session.commit()
    return [u.email for u in users]


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_every_reminder_once_with_two_schedulers_four_web_workers_and_a_kill(kind, request, tmp_path):
    if kind == "postgresql":
        request.getfixturevalue("postgres_database")  # skips (or fails on CI) without PostgreSQL
    url, drop = fresh_database(kind, tmp_path)
    app = create_app(make_test_config(url))
    with app.app_context():
        upgrade()
        emails = _populate()
        db.session.remove()
    inbox = _Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    web = start_server(url, workers=4, log_path=tmp_path / "gunicorn.log", timeout=60)
    schedulers = [_scheduler(url, smtp.port, tmp_path / f"scheduler-{n}.log") for n in (1, 2)]
    browsing = threading.Event()

    def browse() -> None:  # the web workers are busy too, and must never act as a scheduler
        while not browsing.is_set():
            with urllib.request.urlopen(web.url + "/healthz", timeout=10) as response:
                response.read()
            time.sleep(0.05)

    browser = threading.Thread(target=browse)
    browser.start()
    try:
        with app.app_context():
            active = _wait_for_holder(lambda holder: True, 30)
            victim = next(p for p in schedulers if active.endswith(f":{p.pid}"))
            standby = next(p for p in schedulers if p is not victim)
            time.sleep(KILL_AFTER)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            killed_at = time.monotonic()
            _wait_for_holder(lambda holder: holder.endswith(f":{standby.pid}"), 60)
            takeover_seconds = time.monotonic() - killed_at
            _wait_until(lambda: len(inbox.recipients) >= BOOKINGS and _pending_mails() == 0,
                        RUN_SECONDS + 30)
            time.sleep(3)  # anything sent twice would arrive now
            reminders = db.session.scalar(select(func.count()).select_from(OutboxMessage)
                                          .where(OutboxMessage.dedupe_key.like("reminder:%")))
            holders = set(db.session.scalars(select(JobLedger.holder).where(JobLedger.job == "reminder")))
            db.session.remove()
    finally:
        browsing.set()
        browser.join()
        for process in schedulers:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=15)
        web.stop()
        smtp.stop()
        with app.app_context():
            db.engine.dispose()
        drop()
    assert takeover_seconds < 60
    assert reminders == BOOKINGS
    assert Counter(inbox.recipients) == Counter(emails), "every reminder reaches its resident exactly once"
    scheduler_pids = {f":{p.pid}" for p in schedulers}
    assert holders and all(any(h.endswith(pid) for pid in scheduler_pids) for h in holders), holders
    assert len(holders) == 2, "both schedulers sent reminders: the first before the kill, the second after"


def _pending_mails() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent"))


def _wait_until(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.5)


def _wait_for_holder(accept, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while True:
        db.session.rollback()
        held = db.session.get(SchedulerLease, "scheduler")
        if held is not None and held.expires_at > utcnow() and accept(held.holder):
            return held.holder
        assert time.monotonic() < deadline, f"no scheduler took the lease ({held and held.holder})"
        time.sleep(0.3)
