"""Scheduler jobs are idempotent, only one process holds the lease, and mail really leaves via SMTP."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from sharing.models import JobLedger, OutboxMessage, SchedulerLease
from sharing.scheduler import jobs, lease
from sharing.services import outbox

ROOT = Path(__file__).resolve().parents[2]


def test_only_one_holder_at_a_time_and_takeover_after_expiry(session):
    t0 = datetime(2031, 1, 1, 12, tzinfo=UTC)
    ttl = timedelta(seconds=30)
    assert lease.try_acquire(session, "a:1", ttl, now=t0)
    assert not lease.try_acquire(session, "b:2", ttl, now=t0 + timedelta(seconds=10))
    assert lease.try_acquire(session, "a:1", ttl, now=t0 + timedelta(seconds=20))  # renewal
    assert not lease.try_acquire(session, "b:2", ttl, now=t0 + timedelta(seconds=45))
    assert lease.try_acquire(session, "b:2", ttl, now=t0 + timedelta(seconds=51))  # a stopped renewing
    assert not lease.try_acquire(session, "a:1", ttl, now=t0 + timedelta(seconds=52))
    assert session.get(SchedulerLease, "scheduler").holder == "b:2"


def test_reminders_are_sent_once(app, session, resident, make_vehicle, make_booking_row):
    car = make_vehicle()
    start = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=40)
    make_booking_row(vehicle=car, user=resident, start=start, end=start + timedelta(hours=1))
    assert jobs.send_reminders(app, "test:1") == 1
    assert jobs.send_reminders(app, "test:2") == 0  # a second process or a retry does nothing
    session.rollback()
    mails = session.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("Erinnerung"))).all()
    assert len(mails) == 1
    assert session.scalar(select(func.count()).select_from(JobLedger)) == 1


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_outbox_delivers_through_real_smtp_and_retries_when_it_is_down(session, resident):
    from sharing.services.outbox import Attachment

    port = _free_port()
    settings = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_DEFAULT_SENDER": "qa@example.org",
                "MAIL_TIMEOUT_SECONDS": 3}
    outbox.enqueue(session, to=resident.email, subject="Buchung bestätigt", body_text="Hallo",
                   attachments=[Attachment("buchung.ics", "text/calendar; method=REQUEST; charset=utf-8",
                                           "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")])
    session.commit()
    # SMTP is down: nothing is lost, the message waits for a retry.
    assert outbox.deliver_due(session, settings) == 0
    message = session.scalar(select(OutboxMessage))
    assert message.status == "pending" and message.attempts == 1 and message.last_error
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert outbox.deliver_due(session, settings, now=message.next_attempt_at) == 1
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    raw = inbox.messages[0].content.decode()
    assert "Buchung" in raw and "buchung.ics" in raw and "text/calendar" in raw
    assert session.scalar(select(OutboxMessage)).status == "sent"


def test_rolled_back_booking_sends_no_mail(session, resident):
    outbox.enqueue(session, to=resident.email, subject="never", body_text="never")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OutboxMessage)) == 0


def _start_scheduler(database_url: str, log: Path) -> subprocess.Popen:
    env = {**os.environ, "QUARTIERAUTO_ENV": "testing", "DATABASE_URL": database_url,
           "SCHEDULER_LEASE_SECONDS": "3", "SCHEDULER_TICK_SECONDS": "1"}
    with open(log, "ab") as out:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler"], cwd=ROOT, env=env,
                                stdout=out, stderr=out)


def test_two_scheduler_processes_one_active_and_takeover_after_kill(app, session, tmp_path):
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    first = _start_scheduler(url, tmp_path / "first.log")
    second = None
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and session.get(SchedulerLease, "scheduler") is None:
            time.sleep(0.3)
            session.rollback()
        holder = session.get(SchedulerLease, "scheduler").holder
        assert holder.endswith(f":{first.pid}")
        second = _start_scheduler(url, tmp_path / "second.log")
        time.sleep(4)
        session.rollback()
        assert session.get(SchedulerLease, "scheduler").holder.endswith(f":{first.pid}")
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=5)
        deadline = time.monotonic() + 30
        taken_over = False
        while time.monotonic() < deadline and not taken_over:
            time.sleep(0.5)
            session.rollback()
            taken_over = session.get(SchedulerLease, "scheduler").holder.endswith(f":{second.pid}")
        assert taken_over, (tmp_path / "second.log").read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=10)
