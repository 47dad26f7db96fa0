"""Bad input on the resident pages gets a clear answer, never a 500."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import get_csrf, login
from tests.factories import DEFAULT_PASSWORD

GARBAGE = ["", "x", "-1", "99999999999999999999999", "2026-02-30", "25:99", "<script>", "1e308", "null"]


@pytest.fixture
def booking_setup(client, resident, make_vehicle, make_booking_row):
    car = make_vehicle()
    now = datetime.now(ZoneInfo("Europe/Berlin"))
    booking = make_booking_row(vehicle=car, user=resident, start=now - timedelta(minutes=15),
                               end=now + timedelta(hours=2))
    login(client, resident.email, DEFAULT_PASSWORD)
    return client, car, booking


@pytest.mark.parametrize("value", GARBAGE)
def test_garbage_never_500(booking_setup, value):
    client, _car, booking = booking_setup
    token = get_csrf(client, "/book")
    posts = {
        "/book": ["vehicle_id", "start_date", "start_time", "end_date", "end_time", "distance_km", "note"],
        "/book/suggestion": ["vehicle_id", "start", "end", "distance_km"],
        "/book/waitlist": ["vehicle_id", "start", "end", "distance_km"],
        "/book/series": ["vehicle_id", "first_date", "start_time", "duration_minutes", "weekdays", "until_date"],
        f"/bookings/{booking.id}/pickup": ["odometer_km", "soc_percent"],
        f"/bookings/{booking.id}/extend": ["end_date", "end_time"],
        f"/bookings/{booking.id}/return": ["odometer_km", "soc_percent", "damage_note"],
        "/account": ["name", "language", "phone"],
        "/account/password": ["current_password", "new_password"],
    }
    for path, fields in posts.items():
        data = {"csrf_token": token, "submit": "1", **{name: value for name in fields}}
        response = client.post(path, data=data)
        assert response.status_code < 500, (path, value, response.status_code)
    for path in (f"/book/check?vehicle_id={value}&start_date={value}", f"/cars?date={value}",
                 f"/cars?week={value}", f"/book?start={value}&end={value}&vehicle={value}"):
        assert client.get(path).status_code < 500, path


@pytest.mark.parametrize("path", ["/book/suggestion", "/book/waitlist"])
def test_a_car_number_no_row_can_have_is_an_unknown_car(booking_setup, path):
    """Hidden form fields can be edited: a car id beyond the database's integers is refused, not a 500."""
    client, _car, _booking = booking_setup
    start = (datetime.now(ZoneInfo("UTC")) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    response = client.post(path, data={"csrf_token": get_csrf(client, "/book"), "vehicle_id": "99999999999",
                                       "start": start.isoformat(), "end": (start + timedelta(hours=1)).isoformat(),
                                       "distance_km": "0"})
    assert response.status_code in (302, 409), response.status_code
