"""Cars in the admin area: add, edit, photos, and who may see them."""

from __future__ import annotations

import io

from sqlalchemy import select

from sharing.models import AuditEvent, Vehicle

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64

CAR = {"name": "Die Blaue", "licence_plate": "lh-qa 101e", "model": "VW ID.3 Pro", "seats": "5",
       "battery_kwh": "58,0", "consumption_kwh_per_100km": "15,5", "max_charge_kw": "11", "soc_percent": "80",
       "odometer_km": "12000", "status": "active", "handover_note": "Tiefgarage", "key_box_code": "1234"}


def test_admin_adds_a_car_with_decimal_commas_and_a_photo(admin_client, post_form, session, make_charging_point):
    point = make_charging_point(name="Wallbox Nord")
    data = {**CAR, "charging_points": [str(point.id)], "photo": (io.BytesIO(PNG), "car.png")}
    response = post_form("/admin/vehicles/new", data, content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)
    car = session.scalars(select(Vehicle)).one()
    assert (car.licence_plate, car.battery_kwh, car.consumption_kwh_per_100km) == ("LH-QA 101E", 58.0, 15.5)
    assert [p.name for p in car.charging_points] == ["Wallbox Nord"]
    assert car.photo_filename.endswith(".png")
    photo = admin_client.get(f"/admin/vehicles/{car.id}/photo")
    assert photo.status_code == 200 and photo.mimetype == "image/png" and photo.data == PNG
    photo.close()
    actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["vehicle.create", "vehicle.photo"]
    page = admin_client.get("/admin/vehicles").get_data(as_text=True)
    assert "Die Blaue" in page and "LH-QA 101E" in page


def test_a_photo_that_is_not_an_image_is_refused_and_nothing_is_saved(admin_client, post_form, session):
    data = {**CAR, "photo": (io.BytesIO(b"<svg onload=alert(1)>"), "car.png")}
    response = post_form("/admin/vehicles/new", data, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "JPEG, PNG oder WebP" in response.get_data(as_text=True)
    assert session.scalars(select(Vehicle)).all() == []


def test_duplicate_plate_and_bad_numbers_are_shown_at_the_fields(admin_client, post_form, make_vehicle):
    make_vehicle(licence_plate="LH-QA 101E")
    response = post_form("/admin/vehicles/new", {**CAR, "battery_kwh": "viel", "seats": "5"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Bitte geben Sie eine Zahl ein" in page
    response = post_form("/admin/vehicles/new", CAR)
    assert "hat dieses Kennzeichen" in response.get_data(as_text=True)


def test_admin_edits_charge_and_odometer_and_the_change_is_audited(admin_client, post_form, session, make_vehicle):
    car = make_vehicle(name="Zoe", licence_plate="LH-QA 102E", soc_percent=40.0, odometer_km=100)
    old_stamp = car.soc_updated_at
    data = {**CAR, "name": "Zoe", "licence_plate": "LH-QA 102E", "soc_percent": "95,5", "odometer_km": "150"}
    assert post_form(f"/admin/vehicles/{car.id}", data).status_code == 302
    session.refresh(car)
    assert (car.soc_percent, car.odometer_km) == (95.5, 150)
    assert car.soc_updated_at > old_stamp
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "vehicle.update")).one()
    assert event.before["soc_percent"] == 40.0 and event.after["soc_percent"] == 95.5


def test_other_sites_car_is_404_and_photo_needs_login(admin_client, make_site, make_vehicle, client):
    other = make_vehicle(site_id=make_site(name="Anderswo").id)
    assert admin_client.get(f"/admin/vehicles/{other.id}").status_code == 404
    assert admin_client.get(f"/admin/vehicles/{other.id}/photo").status_code == 404
