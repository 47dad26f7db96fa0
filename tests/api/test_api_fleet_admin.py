"""Cars, availability, charge windows and the administration resources through the API."""

from __future__ import annotations

from datetime import timedelta

from sharing.models import ChargeWindow, ChargingPoint
from tests.api.conftest import hour_from_now, iso


def test_vehicles_with_charge_and_range(client, world):
    cars = client.get("/api/v1/vehicles", headers=world.headers("a_read")).get_json()["items"]
    assert {c["name"] for c in cars} == {"Die Blaue", "Der Rote"}
    car = client.get(f"/api/v1/vehicles/{world.car.id}", headers=world.headers("a_read")).get_json()
    assert car["soc_percent"] == 80.0 and car["range_km"] == world.car.range_km
    assert client.get("/api/v1/vehicles?status=retired", headers=world.headers("a")).get_json()["items"] == []


def test_foreign_site_objects_are_404(client, world, make_site, make_vehicle):
    elsewhere = make_vehicle(site_id=make_site(name="Anderswo").id)
    for url in (f"/api/v1/vehicles/{elsewhere.id}", f"/api/v1/vehicles/{elsewhere.id}/availability"
                "?from=2030-01-01T00:00:00Z&to=2030-01-02T00:00:00Z"):
        assert client.get(url, headers=world.headers("admin")).status_code == 404
    patch = client.patch(f"/api/v1/vehicles/{elsewhere.id}", json={"seats": 4}, headers=world.headers("admin"))
    assert patch.status_code == 404


def test_free_cars_and_busy_intervals(client, world, make_booking_row):
    start = hour_from_now(24)
    make_booking_row(vehicle=world.car, user=world.resident_b, start=start, end=start + timedelta(hours=2))
    query = f"from={iso(start)}&to={iso(start + timedelta(hours=1))}"
    free = client.get(f"/api/v1/availability?{query}", headers=world.headers("a")).get_json()
    assert [c["id"] for c in free["items"]] == [world.other_car.id]
    day = f"from={iso(start - timedelta(hours=2))}&to={iso(start + timedelta(hours=6))}"
    answer = client.get(f"/api/v1/vehicles/{world.car.id}/availability?{day}", headers=world.headers("a")).get_json()
    assert [(b["kind"], b["own"], b["start"], b["end"]) for b in answer["busy"]] == [
        ("booking", False, iso(start), iso(start + timedelta(hours=2, minutes=15)))]
    assert [(f["start"], f["end"]) for f in answer["free"]] == [
        (iso(start - timedelta(hours=2)), iso(start)), (iso(start + timedelta(hours=2, minutes=15)),
                                                        iso(start + timedelta(hours=6)))]
    too_long = client.get(f"/api/v1/availability?from={iso(start)}&to={iso(start + timedelta(days=40))}",
                          headers=world.headers("a"))
    assert too_long.status_code == 422 and too_long.get_json()["errors"][0]["code"] == "period_too_long"
    assert client.get("/api/v1/availability", headers=world.headers("a")).status_code == 422


def test_car_lists_take_the_same_queries_for_two_cars_as_for_twelve(app, client, world, make_vehicle,
                                                                     make_charging_point):
    """The cars and their charging points are read together, not one query per car."""
    from sqlalchemy import event

    from sharing.extensions import db

    def statements(url: str) -> int:
        seen = []

        def count(*_args) -> None:
            seen.append(1)

        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                assert client.get(url, headers=world.headers("a")).status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    start = hour_from_now(48)
    urls = ["/api/v1/vehicles", f"/api/v1/availability?from={iso(start)}&to={iso(start + timedelta(hours=2))}"]
    make_charging_point(name="Säule 1")
    for url in urls:  # the token's first use is noted once
        statements(url)
    few = [statements(url) for url in urls]
    for i in range(10):
        make_vehicle(name=f"Wagen {i}")
    assert [statements(url) for url in urls] == few


def test_charge_windows(client, world, session, make_charging_point):
    point = make_charging_point()
    start = hour_from_now(2)
    session.add(ChargeWindow(site_id=world.car.site_id, vehicle_id=world.car.id, charging_point_id=point.id,
                             start_at=start, end_at=start + timedelta(hours=1), power_kw=[11, 11, 11, 11],
                             energy_kwh=11, status="planned"))
    session.commit()
    query = f"from={iso(start - timedelta(hours=1))}&to={iso(start + timedelta(hours=3))}"
    windows = client.get(f"/api/v1/charge-windows?{query}", headers=world.headers("a")).get_json()["items"]
    assert [(w["vehicle_id"], w["energy_kwh"]) for w in windows] == [(world.car.id, 11)]
    other = client.get(f"/api/v1/charge-windows?{query}&vehicle_id={world.other_car.id}", headers=world.headers("a"))
    assert other.get_json()["items"] == []


def test_admin_cars_and_charging_points(client, world, session):
    headers = world.headers("admin")
    point = client.post("/api/v1/charging-points", json={"name": "Wallbox Hof", "max_power_kw": 22},
                        headers=headers)
    assert point.status_code == 201
    body = {"name": "Die Grüne", "licence_plate": "lh-q 7", "model": "Renault Zoe", "battery_kwh": 52,
            "consumption_kwh_per_100km": 17, "max_charge_kw": 22, "charging_point_ids": [point.get_json()["id"]]}
    created = client.post("/api/v1/vehicles", json=body, headers=headers)
    assert created.status_code == 201 and created.get_json()["licence_plate"] == "LH-Q 7"
    assert created.get_json()["charging_point_ids"] == [point.get_json()["id"]]
    twice = client.post("/api/v1/vehicles", json=body, headers=headers)
    assert twice.status_code == 422 and twice.get_json()["errors"][0] == {
        "field": "body.licence_plate", "code": "plate_taken",
        "message": "Another car of this neighbourhood has this licence plate."}
    car_id = created.get_json()["id"]
    patched = client.patch(f"/api/v1/vehicles/{car_id}", json={"soc_percent": 40, "seats": None}, headers=headers)
    assert patched.get_json()["soc_percent"] == 40 and patched.get_json()["seats"] == 5
    assert client.patch(f"/api/v1/vehicles/{car_id}", json={"status": "retired"}, headers=headers).status_code == 422
    renamed = client.patch(f"/api/v1/charging-points/{point.get_json()['id']}", json={"active": False},
                           headers=headers)
    assert renamed.get_json()["active"] is False and renamed.get_json()["name"] == "Wallbox Hof"
    listed = client.get("/api/v1/charging-points", headers=headers).get_json()["items"]
    assert [p["name"] for p in listed] == ["Wallbox Hof"]
    assert session.query(ChargingPoint).count() == 1
    assert client.post("/api/v1/vehicles", json=body, headers=world.headers("a")).status_code == 403


def test_admin_blockouts_handle_the_bookings_in_the_way(client, world, make_booking_row):
    headers = world.headers("admin")
    start = hour_from_now(48)
    booking = make_booking_row(vehicle=world.car, user=world.resident_a, start=start, end=start + timedelta(hours=2),
                               status="confirmed")
    body = {"vehicle_id": world.car.id, "start": iso(start - timedelta(hours=1)),
            "end": iso(start + timedelta(hours=5)), "reason": "Inspektion"}
    refused = client.post("/api/v1/blockouts", json=body, headers=headers)
    assert refused.status_code == 409
    affected = refused.get_json()["affected"]
    assert [(a["booking_id"], a["free_vehicle_ids"]) for a in affected] == [(booking.id, [world.other_car.id])]
    moved = client.post("/api/v1/blockouts", headers=headers, json={**body, "resolutions": [
        {"booking_id": booking.id, "action": "move", "vehicle_id": world.other_car.id}]})
    assert moved.status_code == 201
    assert moved.get_json()["outcomes"] == [{"booking_id": booking.id, "result": "moved",
                                             "vehicle_id": world.other_car.id}]
    blockout_id = moved.get_json()["blockout"]["id"]
    assert [b["id"] for b in client.get("/api/v1/blockouts", headers=headers).get_json()["items"]] == [blockout_id]
    assert client.delete(f"/api/v1/blockouts/{blockout_id}", headers=headers).status_code == 204
    assert client.delete(f"/api/v1/blockouts/{blockout_id}", headers=headers).status_code == 404


def test_admin_users_and_households(client, world, make_site, make_user):
    headers = world.headers("admin")
    page = client.get("/api/v1/users?per_page=2", headers=headers).get_json()
    assert page["total"] == 3 and page["next_page"] == 2
    found = client.get("/api/v1/users?text=anna", headers=headers).get_json()["items"]
    assert [u["email"] for u in found] == ["a@example.org"]
    assert client.get(f"/api/v1/users/{world.resident_b.id}", headers=headers).get_json()["name"] == "Ben B"
    stranger = make_user(site_id=make_site(name="Fremd").id)
    assert client.get(f"/api/v1/users/{stranger.id}", headers=headers).status_code == 404
    home = client.post("/api/v1/households", json={"name": "Lindenweg 4"}, headers=headers)
    assert home.status_code == 201
    dup = client.post("/api/v1/households", json={"name": "lindenweg 4"}, headers=headers)
    assert dup.status_code == 422 and dup.get_json()["errors"][0]["code"] == "household_name_taken"
    changed = client.patch(f"/api/v1/households/{home.get_json()['id']}", json={"address": "Hof 2"}, headers=headers)
    assert changed.get_json() == {**home.get_json(), "address": "Hof 2", "members": None}
    names = [h["name"] for h in client.get("/api/v1/households", headers=headers).get_json()["items"]]
    assert "Lindenweg 4" in names
