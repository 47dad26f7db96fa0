"""Administrators invite people and change their household, role and access through the API."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from sharing.models import Booking, OutboxMessage, User
from tests.api.conftest import hour_from_now


def test_invite_a_resident_who_then_gets_the_mail(client, world, session, make_household):
    home = make_household(name="Birkenhof 1")
    answer = client.post("/api/v1/users", json={"email": "Neu@Example.org", "name": "Nina Neu",
                                                "household_id": home.id, "language": "en"},
                         headers=world.headers("admin"))
    assert answer.status_code == 201, answer.get_json()
    body = answer.get_json()
    assert (body["email"], body["role"], body["invited"], body["household_id"]) == (
        "neu@example.org", "resident", True, home.id)
    assert "/invitation/" in body["invitation_link"]  # the test installation sends no mail: the link is shown
    assert answer.headers["Location"] == f"/api/v1/users/{body['id']}"
    session.rollback()
    assert session.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "neu@example.org")) is not None


def test_invitations_refused_with_the_field_and_reason(client, world, make_site, make_household):
    headers = world.headers("admin")
    taken = client.post("/api/v1/users", json={"email": "a@example.org", "name": "X", "household_id":
                                               world.resident_a.household_id}, headers=headers)
    assert taken.status_code == 422
    assert taken.get_json()["errors"][0]["field"] == "body.email"
    assert taken.get_json()["errors"][0]["code"] == "email_taken"
    homeless = client.post("/api/v1/users", json={"email": "h@example.org", "name": "H"}, headers=headers)
    assert homeless.status_code == 422 and homeless.get_json()["errors"][0]["field"] == "body.household_id"
    elsewhere = make_household(site_id=make_site(name="Fremd").id)
    foreign = client.post("/api/v1/users", json={"email": "f@example.org", "name": "F", "household_id": elsewhere.id},
                          headers=headers)
    assert foreign.status_code == 422 and foreign.get_json()["errors"][0]["code"] == "unknown"
    admin_without_home = client.post("/api/v1/users", json={"email": "boss@example.org", "name": "B", "role": "admin"},
                                     headers=headers)
    assert admin_without_home.status_code == 201
    assert client.post("/api/v1/users", json={"email": "x@example.org", "name": "X"},
                       headers=world.headers("a")).status_code == 403


def test_move_promote_deactivate_and_reactivate(client, world, session, make_household, make_booking_row):
    headers, anna = world.headers("admin"), world.resident_a
    start = hour_from_now(30)
    booking = make_booking_row(vehicle=world.car, user=anna, start=start, end=start + timedelta(hours=2),
                               status="confirmed")
    home = make_household(name="Neues Zuhause")
    moved = client.patch(f"/api/v1/users/{anna.id}", json={"household_id": home.id}, headers=headers)
    assert moved.status_code == 200 and moved.get_json()["household_id"] == home.id
    promoted = client.patch(f"/api/v1/users/{anna.id}", json={"role": "admin"}, headers=headers)
    assert promoted.get_json()["role"] == "admin"
    no_reason = client.patch(f"/api/v1/users/{anna.id}", json={"active": False}, headers=headers)
    assert no_reason.status_code == 422 and no_reason.get_json()["errors"][0]["field"] == "body.reason"
    off = client.patch(f"/api/v1/users/{anna.id}", json={"active": False, "reason": "Weggezogen"}, headers=headers)
    assert off.status_code == 200 and off.get_json()["active"] is False
    session.rollback()
    assert session.get(Booking, booking.id).status == "cancelled"
    assert client.get("/api/v1/me", headers=world.headers("a")).status_code == 401  # her token stops working
    on = client.patch(f"/api/v1/users/{anna.id}", json={"active": True}, headers=headers)
    assert on.get_json()["active"] is True
    myself = client.patch(f"/api/v1/users/{world.admin.id}", json={"active": False, "reason": "x"}, headers=headers)
    assert myself.status_code == 422
    session.rollback()
    assert session.get(User, world.admin.id).active


def test_a_refused_change_changes_nothing(client, world, session, make_household):
    headers, home = world.headers("admin"), make_household(name="Nicht umziehen")
    refused = client.patch(f"/api/v1/users/{world.admin.id}", json={"household_id": home.id, "active": False,
                                                                    "reason": "x"}, headers=headers)
    assert refused.status_code == 422
    session.rollback()
    assert session.get(User, world.admin.id).household_id != home.id  # the move did not happen either
