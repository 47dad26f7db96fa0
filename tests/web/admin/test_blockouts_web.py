"""Blockouts in the admin pages: the preview shows the bookings before anything is stored."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sharing.models import Blockout, Booking

BERLIN = ZoneInfo("Europe/Berlin")


def _local(days: int, hour: int) -> datetime:
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def _form(car, reason="Inspektion"):
    return {"vehicle_id": str(car.id), "start": _local(3, 0).strftime("%Y-%m-%dT%H:%M"),
            "end": _local(5, 0).strftime("%Y-%m-%dT%H:%M"), "reason": reason}


def test_preview_then_confirm(admin_client, post_form, session, make_vehicle, make_user, make_booking_row):
    blue, zoe = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe")
    booking = make_booking_row(vehicle=blue, user=make_user(), start=_local(3, 9), end=_local(3, 11))
    preview = post_form("/admin/blockouts/preview", _form(blue), page="/admin/blockouts")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1 Buchung ist betroffen" in page and "Auf Zoe" in page
    assert session.scalars(select(Blockout)).all() == []
    done = post_form("/admin/blockouts/create", {**_form(blue), "expected": str(booking.id),
                                                 f"choice-{booking.id}": str(zoe.id)}, page="/admin/blockouts")
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "auf Zoe umgebucht" in done.get_data(as_text=True)
    session.expire_all()
    assert session.get(Booking, booking.id).vehicle_id == zoe.id
    assert session.scalars(select(Blockout)).one().reason == "Inspektion"


def test_cancel_all_button(admin_client, post_form, session, make_vehicle, make_user, make_booking_row):
    blue, _zoe = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe")
    booking = make_booking_row(vehicle=blue, user=make_user(), start=_local(3, 9), end=_local(3, 11))
    done = post_form("/admin/blockouts/create", {**_form(blue), "expected": str(booking.id), "cancel_all": "1"},
                     page="/admin/blockouts")
    assert done.status_code == 200
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"


def test_end_before_start_is_shown_at_the_field(admin_client, post_form, make_vehicle):
    blue = make_vehicle()
    data = {**_form(blue), "end": _local(2, 0).strftime("%Y-%m-%dT%H:%M")}
    response = post_form("/admin/blockouts/preview", data, page="/admin/blockouts")
    assert response.status_code == 422 and "Das Ende muss nach dem Beginn liegen." in response.get_data(as_text=True)
