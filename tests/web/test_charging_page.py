"""The administrators' charging page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sharing.models import ChargeWindow
from tests.conftest import get_csrf, login
from tests.factories import DEFAULT_PASSWORD


def test_admin_sees_the_power_chart_and_can_replan(client, session, admin, resident, make_vehicle,
                                                   make_charging_point, make_booking_row):
    car = make_vehicle(soc_percent=10)
    make_charging_point()
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=6)
    make_booking_row(vehicle=car, user=resident, start=start, end=start + timedelta(hours=2), distance_km=150)
    login(client, admin.email, DEFAULT_PASSWORD)
    token = get_csrf(client, "/admin/charging/")
    assert client.post("/admin/charging/replan", data={"csrf_token": token}).status_code == 302
    assert session.scalars(select(ChargeWindow)).all()
    page = client.get("/admin/charging/").get_data(as_text=True)
    assert "<svg" in page and "power-chart__limit" in page and car.name in page


def test_residents_cannot_see_it(client, resident):
    login(client, resident.email, DEFAULT_PASSWORD)
    assert client.get("/admin/charging/").status_code == 403
