"""GDPR: download the own data, delete the own account, retention period for old bookings."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from sharing.models import AuditEvent, Booking, User, utcnow
from sharing.services import audit, privacy
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture
def history(session, resident, make_vehicle, make_booking_row):
    """A past trip, a future booking, and a household member who stays."""
    car = make_vehicle()
    now = utcnow().replace(microsecond=0)
    past = make_booking_row(vehicle=car, user=resident, start=now - timedelta(days=10),
                            end=now - timedelta(days=10) + timedelta(hours=2), status="completed",
                            note="Zum Baumarkt", distance_km=42, picked_up_at=now - timedelta(days=10),
                            odometer_start_km=1000, odometer_end_km=1042, damage_note="Kratzer hinten")
    future = make_booking_row(vehicle=car, user=resident, start=now + timedelta(days=3),
                              end=now + timedelta(days=3, hours=2), note="Oma besuchen")
    audit.record(session, actor=resident, action="user.update_own", obj=resident, after={"phone": "0170 1234"})
    audit.record(session, actor=resident, action="booking.create", obj=future,
                 after={"note": "Oma besuchen", "distance_km": 0})
    session.commit()
    return past.id, future.id, car


def _delete(client, password=DEFAULT_PASSWORD, confirm=True):
    token = csrf_token_from(client.get("/account/delete").get_data(as_text=True))
    data = {"csrf_token": token, "password": password, "delete": "1"}
    if confirm:
        data["confirm"] = "y"
    return client.post("/account/delete", data=data)


def test_download_holds_profile_household_bookings_trips_and_audit(client, session, resident, history):
    login(client, resident.email, DEFAULT_PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert "/account/my-data.json" in page and "/account/delete" in page
    response = client.get("/account/my-data.json")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == resident.email and data["household"]["id"] == resident.household_id
    assert {b["note"] for b in data["bookings"]} == {"Zum Baumarkt", "Oma besuchen"}
    assert [t["odometer_end_km"] for t in data["trips"]] == [1042]
    assert [(e["action"], e["by_you"], e["after"]) for e in data["audit"]] == [
        ("user.update_own", True, {"phone": "0170 1234"}),
        ("booking.create", True, {"note": "Oma besuchen", "distance_km": 0})]


def test_delete_account_keeps_bookings_anonymised_and_ends_every_session(app, client, session, resident, history,
                                                                         make_user):
    past_id, future_id, _car = history
    household_id, email = resident.household_id, resident.email
    partner = make_user(household_id=household_id, email="partner@example.org")
    other_device = app.test_client()
    login(other_device, resident.email, DEFAULT_PASSWORD, remember=True)
    login(client, resident.email, DEFAULT_PASSWORD)

    assert _delete(client, password="wrong-password-123").status_code == 422
    assert _delete(client, confirm=False).status_code == 422
    assert client.post("/account/delete", data={"password": DEFAULT_PASSWORD, "confirm": "y"}).status_code == 400
    assert session.get(User, resident.id).deleted_at is None

    response = _delete(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    session.expire_all()
    gone = session.get(User, resident.id)
    assert gone.deleted_at and gone.password_hash is None and gone.household_id is None
    assert "rita" not in (gone.email + gone.name).lower() and gone.phone is None
    past, future = session.get(Booking, past_id), session.get(Booking, future_id)
    assert (past.status, past.household_id, past.distance_km) == ("completed", household_id, 42)
    assert past.user_id is None and past.note == "" and past.damage_note is None
    assert future.status == "cancelled" and future.user_id is None
    for device in (client, other_device):
        assert device.get("/account").status_code == 302  # this and the other device are logged out
    assert login(client, email, DEFAULT_PASSWORD).status_code != 302  # no login any more
    assert session.get(User, partner.id).household_id == household_id
    booking_events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "booking")).all()
    assert booking_events and "Oma besuchen" not in json.dumps([[e.before, e.after] for e in booking_events])
    events = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "user_account",
                                                      AuditEvent.object_id == resident.id)).all()
    assert [e.action for e in events][-1] == "user.delete_own"
    assert all(email not in json.dumps([e.before, e.after]) for e in events)


def test_admin_cannot_delete_own_account(client, session, admin):
    login(client, admin.email, DEFAULT_PASSWORD)
    page = client.get("/account/delete")
    assert page.status_code == 200 and 'name="password"' not in page.get_data(as_text=True)
    with pytest.raises(privacy.AccountError):
        privacy.delete_account(session, admin, DEFAULT_PASSWORD)
    assert session.get(User, admin.id).deleted_at is None


def test_retention_anonymises_only_old_finished_bookings(app, session, runner, resident, make_vehicle,
                                                         make_booking_row, monkeypatch):
    car = make_vehicle()
    now = utcnow().replace(microsecond=0)
    old = make_booking_row(vehicle=car, user=resident, start=now - timedelta(days=400),
                           end=now - timedelta(days=400, hours=-2), status="completed", note="alt")
    recent = make_booking_row(vehicle=car, user=resident, start=now - timedelta(days=20),
                              end=now - timedelta(days=20, hours=-2), status="completed", note="neu")
    assert privacy.apply_retention(session, days=0) == 0
    monkeypatch.setitem(app.config, "BOOKING_RETENTION_DAYS", 365)
    result = runner.invoke(args=["purge-old-bookings"])
    assert result.exit_code == 0 and "anonymised 1 bookings" in result.output
    session.expire_all()
    assert (old.user_id, old.note, old.household_id) == (None, "", resident.household_id)
    assert (recent.user_id, recent.note) == (resident.id, "neu")
    assert privacy.apply_retention(session, days=365) == 0  # nothing left to do: idempotent


def test_retention_removes_the_return_photo(session, resident, make_vehicle, make_booking_row, tmp_path):
    now = utcnow().replace(microsecond=0)
    photo = tmp_path / "7-abc.jpg"
    photo.write_bytes(b"\xff\xd8jpeg")
    make_booking_row(vehicle=make_vehicle(), user=resident, start=now - timedelta(days=100),
                     end=now - timedelta(days=100, hours=-1), status="completed", return_photo_filename=photo.name)
    assert privacy.apply_retention(session, days=30, photo_folder=tmp_path) == 1
    assert not photo.exists()


def test_the_scheduler_runs_retention(app, session, resident, make_vehicle, make_booking_row, monkeypatch):
    from sharing.scheduler import jobs
    from sharing.scheduler.runner import build_scheduler

    scheduler, _gate = build_scheduler(app, blocking=False)
    assert "retention" in {job.id for job in scheduler.get_jobs()}
    now = utcnow().replace(microsecond=0)
    old = make_booking_row(vehicle=make_vehicle(), user=resident, start=now - timedelta(days=90),
                           end=now - timedelta(days=90, hours=-1), status="completed", note="privat")
    assert jobs.apply_retention(app) == 0  # BOOKING_RETENTION_DAYS = 0: kept
    monkeypatch.setitem(app.config, "BOOKING_RETENTION_DAYS", 60)
    assert jobs.apply_retention(app) == 1
    session.expire_all()
    assert (old.user_id, old.note) == (None, "")
