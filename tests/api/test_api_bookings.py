"""Bookings through the API, for resident A, resident B (another household) and an administrator."""

from __future__ import annotations

from datetime import timedelta

from sharing.extensions import db
from sharing.services import bookings
from sharing.web.booking_messages import reason_dict
from tests.api.conftest import hour_from_now, iso

PROBLEM = "application/problem+json"


def _book(client, world, who="a", hours=24, length=2, car=None, **extra):
    start = hour_from_now(hours)
    body = {"vehicle_id": (car or world.car).id, "start": iso(start), "end": iso(start + timedelta(hours=length)),
            **extra}
    return client.post("/api/v1/bookings", json=body, headers=world.headers(who))


def test_create_read_and_times_in_utc_and_local(client, world):
    created = _book(client, world)
    assert created.status_code == 201
    booking = created.get_json()
    assert created.headers["Location"] == f"/api/v1/bookings/{booking['id']}"
    assert booking["start"].endswith("Z") and booking["start_local"][-6:] in ("+01:00", "+02:00")
    assert booking["timezone"] == "Europe/Berlin" and booking["own"] and booking["status"] == "confirmed"
    assert client.get(f"/api/v1/bookings/{booking['id']}", headers=world.headers("a")).get_json() == booking


def test_conflict_409_with_the_same_reasons_and_suggestions_as_the_web(client, world, session):
    _book(client, world)
    refused = _book(client, world, who="b", distance_km=30)
    assert refused.status_code == 409 and refused.mimetype == PROBLEM
    problem = refused.get_json()
    assert problem["code"] == "booking_conflict"
    assert [r["kind"] for r in problem["reasons"]] == ["vehicle_booked"]
    kinds = {s["kind"] for s in problem["suggestions"]}
    assert "other_vehicle" in kinds and kinds & {"earlier", "later"}
    start = hour_from_now(24)
    answer = bookings.check_request(session, world.resident_b, vehicle_id=world.car.id, start=start,
                                    end=start + timedelta(hours=2), distance_km=30)
    from zoneinfo import ZoneInfo

    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        expected = [reason_dict(r, ZoneInfo("Europe/Berlin"))["message"] for r in answer.reasons]
    assert [r["message"] for r in problem["reasons"]] == expected
    assert [s["vehicle_id"] for s in problem["suggestions"]] == [s.vehicle_id for s in answer.suggestions.all()]
    other = next(s for s in problem["suggestions"] if s["kind"] == "other_vehicle")
    assert other["book"]["distance_km"] == 30
    assert client.post("/api/v1/bookings", json=other["book"], headers=world.headers("b")).status_code == 201


def test_check_without_booking(client, world):
    _book(client, world)
    start = hour_from_now(24)
    body = {"vehicle_id": world.car.id, "start": iso(start), "end": iso(start + timedelta(hours=2))}
    answer = client.post("/api/v1/availability/check", json=body, headers=world.headers("a_read")).get_json()
    assert answer["ok"] is False and answer["reasons"][0]["kind"] == "vehicle_booked" and answer["suggestions"]
    free = client.post("/api/v1/availability/check", json={**body, "vehicle_id": world.other_car.id},
                       headers=world.headers("a_read")).get_json()
    assert free == {"ok": True, "needs_approval": False, "reasons": [], "suggestions": []}


def test_rule_violations_are_422_with_field_and_reason(client, world):
    start = hour_from_now(24)
    body = {"vehicle_id": world.car.id, "start": iso(start + timedelta(minutes=7)),
            "end": iso(start + timedelta(minutes=7))}
    problem = client.post("/api/v1/bookings", json=body, headers=world.headers("a")).get_json()
    assert problem["status"] == 422
    assert {"field": "body.end", "code": "end_before_start"}.items() <= problem["errors"][0].items()


def test_other_household_gets_404_everywhere(client, world):
    booking_id = _book(client, world).get_json()["id"]
    b = world.headers("b")
    assert client.get(f"/api/v1/bookings/{booking_id}", headers=b).status_code == 404
    assert client.patch(f"/api/v1/bookings/{booking_id}", json={"distance_km": 5}, headers=b).status_code == 404
    assert client.post(f"/api/v1/bookings/{booking_id}/cancel", json={}, headers=b).status_code == 404
    assert client.post(f"/api/v1/bookings/{booking_id}/pickup", json={"odometer_km": 1, "soc_percent": 50},
                       headers=b).status_code == 404
    assert client.post(f"/api/v1/bookings/{booking_id}/extend", json={"end": "2030-01-01T10:00:00Z"},
                       headers=b).status_code == 404
    missing = client.get("/api/v1/bookings/999999", headers=b)
    assert missing.status_code == 404 and missing.get_json()["detail"] == client.get(
        f"/api/v1/bookings/{booking_id}", headers=b).get_json()["detail"]
    assert client.get("/api/v1/bookings", headers=b).get_json()["total"] == 0


def test_admin_sees_all_only_with_the_admin_scope(client, world):
    _book(client, world)
    _book(client, world, who="b", car=world.other_car)
    assert client.get("/api/v1/bookings", headers=world.headers("admin")).get_json()["total"] == 2
    assert client.get("/api/v1/bookings", headers=world.headers("admin_plain")).get_json()["total"] == 0


def test_filters_and_pages(client, world):
    first = _book(client, world).get_json()
    _book(client, world, hours=48)
    _book(client, world, hours=24, car=world.other_car)
    headers = world.headers("a")
    page = client.get("/api/v1/bookings?per_page=2", headers=headers).get_json()
    assert (page["total"], len(page["items"]), page["next_page"]) == (3, 2, 2)
    last = client.get("/api/v1/bookings?per_page=2&page=2", headers=headers).get_json()
    assert len(last["items"]) == 1 and last["next_page"] is None
    by_car = client.get(f"/api/v1/bookings?vehicle_id={world.other_car.id}", headers=headers).get_json()
    assert by_car["total"] == 1
    until = iso(hour_from_now(30))
    assert client.get(f"/api/v1/bookings?to={until}", headers=headers).get_json()["total"] == 2
    client.post(f"/api/v1/bookings/{first['id']}/cancel", json={}, headers=headers)
    cancelled = client.get("/api/v1/bookings?state=cancelled", headers=headers).get_json()
    assert [b["id"] for b in cancelled["items"]] == [first["id"]]
    assert client.get("/api/v1/bookings?state=bogus", headers=headers).status_code == 422
    assert client.get("/api/v1/bookings?from=2026-01-01T10:00:00", headers=headers).status_code == 422


def test_change_cancel_and_admin_reason(client, world):
    booking = _book(client, world).get_json()
    moved = client.patch(f"/api/v1/bookings/{booking['id']}", json={"vehicle_id": world.other_car.id},
                         headers=world.headers("a"))
    assert moved.status_code == 200 and moved.get_json()["vehicle_id"] == world.other_car.id
    needs_reason = client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=world.headers("admin"))
    assert needs_reason.status_code == 409 and needs_reason.get_json()["code"] == "reason_required"
    done = client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={"reason": "Werkstatt"},
                       headers=world.headers("admin"))
    assert done.get_json()["status"] == "cancelled"
    again = client.post(f"/api/v1/bookings/{booking['id']}/cancel", json={}, headers=world.headers("a"))
    assert again.status_code == 409 and again.get_json()["code"] == "not_cancellable"


def test_pickup_extend_return(client, world, session, make_booking_row):
    start = hour_from_now(0)
    row = make_booking_row(vehicle=world.car, user=world.resident_a, start=start, end=start + timedelta(hours=2),
                           status="confirmed")
    headers = world.headers("a")
    early = client.post(f"/api/v1/bookings/{row.id}/return",
                        json={"odometer_km": 10, "soc_percent": 50, "plugged_in": True}, headers=headers)
    assert early.status_code == 409 and early.get_json()["code"] == "not_active"
    picked = client.post(f"/api/v1/bookings/{row.id}/pickup", json={"odometer_km": 100, "soc_percent": 80},
                         headers=headers)
    assert picked.status_code == 200 and picked.get_json()["status"] == "active"
    extended = client.post(f"/api/v1/bookings/{row.id}/extend", json={"end": iso(start + timedelta(hours=3))},
                           headers=headers)
    assert extended.status_code == 200 and extended.get_json()["end"] == iso(start + timedelta(hours=3))
    lower = client.post(f"/api/v1/bookings/{row.id}/return",
                        json={"odometer_km": 50, "soc_percent": 40, "plugged_in": True}, headers=headers)
    assert lower.status_code == 422 and lower.get_json()["errors"][0]["code"] == "odometer_below_previous"
    returned = client.post(f"/api/v1/bookings/{row.id}/return",
                           json={"odometer_km": 140, "soc_percent": 40, "plugged_in": True}, headers=headers)
    assert returned.get_json()["status"] == "completed" and returned.get_json()["odometer_end_km"] == 140


def test_approval_decision_by_admin(client, world, session):
    world.car.requires_approval = True
    session.commit()
    booking = _book(client, world).get_json()
    assert booking["status"] == "pending"
    assert client.post(f"/api/v1/bookings/{booking['id']}/decision", json={"approve": True},
                       headers=world.headers("a")).status_code == 403
    approved = client.post(f"/api/v1/bookings/{booking['id']}/decision", json={"approve": True},
                           headers=world.headers("admin"))
    assert approved.get_json()["status"] == "confirmed"


def test_admin_books_on_behalf_residents_cannot(client, world):
    for_a = _book(client, world, who="admin", on_behalf_of_user_id=world.resident_a.id)
    assert for_a.status_code == 201 and for_a.get_json()["household_id"] == world.resident_a.household_id
    refused = _book(client, world, who="b", hours=72, on_behalf_of_user_id=world.resident_a.id)
    assert refused.status_code == 403


def test_series_and_waitlist(client, world):
    first = (hour_from_now(24) + timedelta(days=1)).date()
    body = {"vehicle_id": world.car.id, "first_date": first.isoformat(), "start_time": "10:00",
            "duration_minutes": 60, "weekdays": [first.weekday()],
            "until_date": (first + timedelta(days=14)).isoformat()}
    series = client.post("/api/v1/series", json=body, headers=world.headers("a"))
    assert series.status_code == 201 and len(series.get_json()["booked"]) == 3
    clash = client.post("/api/v1/series", json=body, headers=world.headers("b"))
    assert clash.status_code == 409 and len(clash.get_json()["conflicts"]) == 3
    taken = series.get_json()["booked"][0]
    entry = client.post("/api/v1/waitlist", json={"vehicle_id": world.car.id, "start": taken["start"],
                                                  "end": taken["end"], "auto_book": True}, headers=world.headers("b"))
    assert entry.status_code == 201
    entry_id = entry.get_json()["id"]
    assert [e["id"] for e in client.get("/api/v1/waitlist", headers=world.headers("b")).get_json()["items"]] == [
        entry_id]
    assert client.get("/api/v1/waitlist", headers=world.headers("a")).get_json()["items"] == []
    assert client.delete(f"/api/v1/waitlist/{entry_id}", headers=world.headers("a")).status_code == 404
    assert client.delete(f"/api/v1/waitlist/{entry_id}", headers=world.headers("b")).status_code == 204


def test_german_by_default_english_on_request(client, world):
    headers = {"Authorization": world.headers("a")["Authorization"]}
    german = client.get("/api/v1/bookings/999", headers=headers).get_json()
    english = client.get("/api/v1/bookings/999", headers={**headers, "Accept-Language": "en"}).get_json()
    assert english["title"] == "Not found" and german["title"] != english["title"]
    db.session.remove()


def test_admin_token_without_admin_scope_acts_as_a_resident(client, world):
    other = _book(client, world).get_json()
    own = _book(client, world, who="admin_plain", car=world.other_car)
    assert own.status_code == 201 and own.get_json()["own"]
    headers = world.headers("admin_plain")
    assert client.get(f"/api/v1/bookings/{other['id']}", headers=headers).status_code == 404
    refused = client.post(f"/api/v1/bookings/{other['id']}/cancel", json={"reason": "x"}, headers=headers)
    assert refused.status_code == 404
    cancelled = client.post(f"/api/v1/bookings/{own.get_json()['id']}/cancel", json={}, headers=headers)
    assert cancelled.get_json()["status"] == "cancelled"
