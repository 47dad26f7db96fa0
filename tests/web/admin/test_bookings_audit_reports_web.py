"""Bookings oversight, the audit log, charging points and the report pages with their CSV."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from sharing.models import AuditEvent, Booking, ChargingPoint, OutboxMessage
from tests.mail import outbox_mails

BERLIN = ZoneInfo("Europe/Berlin")


def _local(days: int, hour: int) -> datetime:
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def _field(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def test_book_on_behalf_then_move_and_cancel_with_reasons(admin_client, post_form, session, make_vehicle, make_user):
    blue, zoe, anna = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe"), make_user(name="Anna Schmidt")
    made = post_form("/admin/bookings/new", {"user_id": str(anna.id), "vehicle_id": str(blue.id),
                                             "start": _field(_local(2, 9)), "end": _field(_local(2, 11)),
                                             "distance_km": "20", "note": ""})
    assert made.status_code == 302, made.get_data(as_text=True)
    booking = session.scalars(select(Booking)).one()
    assert (booking.user_id, booking.household_id, booking.status) == (anna.id, anna.household_id, "confirmed")
    detail = f"/admin/bookings/{booking.id}"
    moved = post_form(f"{detail}/move", {"vehicle_id": str(zoe.id), "start": _field(_local(2, 10)),
                                         "end": _field(_local(2, 12)), "reason": "Die Blaue muss in die Werkstatt"},
                      page=detail)
    assert moved.status_code == 302
    session.expire_all()
    assert session.get(Booking, booking.id).vehicle_id == zoe.id
    reasons = [m.body_text for m in outbox_mails(session, OutboxMessage.to_address == anna.email)]
    assert any("Die Blaue muss in die Werkstatt" in body for body in reasons)
    assert post_form(f"{detail}/cancel", {"reason": ""}, page=detail).status_code == 422
    assert post_form(f"{detail}/cancel", {"reason": "Unfall"}, page=detail).status_code == 302
    session.expire_all()
    assert (session.get(Booking, booking.id).status, session.get(Booking, booking.id).cancel_reason) == (
        "cancelled", "Unfall")
    history = admin_client.get(detail).get_data(as_text=True)
    assert "booking.move_reason" in history and "booking.cancel" in history


def test_a_taken_slot_is_explained_with_alternatives(admin_client, post_form, make_vehicle, make_user,
                                                      make_booking_row):
    blue, _ = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe")
    make_booking_row(vehicle=blue, user=make_user(), start=_local(2, 8), end=_local(2, 12))
    anna = make_user(name="Anna")
    refused = post_form("/admin/bookings/new", {"user_id": str(anna.id), "vehicle_id": str(blue.id),
                                                "start": _field(_local(2, 9)), "end": _field(_local(2, 11)),
                                                "distance_km": "0"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "Stattdessen frei" in page and "Zoe" in page


def test_list_filters_by_car_household_state_and_dates(admin_client, make_vehicle, make_user, make_booking_row):
    blue, zoe = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe")
    anna, ben = make_user(name="Anna"), make_user(name="Ben")
    make_booking_row(vehicle=blue, user=anna, start=_local(2, 9), end=_local(2, 11))
    make_booking_row(vehicle=zoe, user=ben, start=_local(5, 9), end=_local(5, 11), status="cancelled")
    everything = admin_client.get("/admin/bookings").get_data(as_text=True)
    assert everything.count("<tr>") == 3  # header and two bookings
    only_zoe = admin_client.get(f"/admin/bookings?vehicle_id={zoe.id}").get_data(as_text=True)
    assert only_zoe.count("<tr>") == 2 and "storniert" in only_zoe
    assert admin_client.get(f"/admin/bookings?household_id={anna.household_id}&status=confirmed").get_data(
        as_text=True).count("<tr>") == 2
    day = _local(5, 0).date().isoformat()
    assert admin_client.get(f"/admin/bookings?start={day}&end={day}").get_data(as_text=True).count("<tr>") == 2


def test_pending_booking_can_be_approved(admin_client, post_form, session, make_vehicle, make_user,
                                         make_booking_row):
    booking = make_booking_row(vehicle=make_vehicle(), user=make_user(), start=_local(2, 9), end=_local(2, 11),
                               status="pending")
    detail = f"/admin/bookings/{booking.id}"
    assert "Wartet auf Ihre Freigabe" in admin_client.get(detail).get_data(as_text=True)
    assert post_form(f"{detail}/decide", {"decision": "approve"}, page=detail).status_code == 302
    session.expire_all()
    assert session.get(Booking, booking.id).status == "confirmed"


def test_charging_point_with_its_cars(admin_client, post_form, session, make_vehicle):
    blue = make_vehicle(name="Die Blaue")
    assert post_form("/admin/charging-points/new", {"name": "Wallbox Nord", "max_power_kw": "22",
                                                    "active": "y", "vehicles": [str(blue.id)]}).status_code == 302
    point = session.scalars(select(ChargingPoint)).one()
    assert (point.max_power_kw, [v.name for v in point.vehicles]) == (22.0, ["Die Blaue"])
    assert post_form(f"/admin/charging-points/{point.id}", {"name": "Wallbox Nord", "max_power_kw": "11"}
                     ).status_code == 302
    session.refresh(point)
    assert (point.max_power_kw, point.vehicles, point.active) == (11.0, [], False)
    assert "jedes Auto" in admin_client.get("/admin/charging-points").get_data(as_text=True)


def test_audit_log_lists_and_filters_admin_actions(admin_client, post_form, session, admin):
    post_form("/admin/households", {"name": "Lindenweg 4"})
    post_form("/admin/tariff/flat", {"flat_price": "0,30"}, page="/admin/tariff")
    page = admin_client.get("/admin/audit").get_data(as_text=True)
    assert "Haushalt angelegt" in page and "Tarif geändert" in page and admin.name in page
    filtered = admin_client.get("/admin/audit?action=site.tariff").get_data(as_text=True)
    assert "Tarif geändert" in filtered and "Haushalt angelegt</th>" not in filtered
    assert session.scalar(select(AuditEvent).where(AuditEvent.action == "household.create")).actor_id == admin.id


def test_report_page_and_csv_options(admin_client, make_vehicle, make_user, make_booking_row):
    make_booking_row(vehicle=make_vehicle(), user=make_user(), start=_local(-1, 9), end=_local(-1, 11))
    month = _local(-1, 9).strftime("%Y-%m")
    page = admin_client.get(f"/admin/reports?month={month}").get_data(as_text=True)
    assert "Monatliche Kostenaufteilung" in page and page.count('<svg class="chart__svg"') == 4
    german = admin_client.get(f"/admin/reports/cost-split.csv?month={month}")
    assert german.mimetype == "text/csv" and "attachment" in german.headers["Content-Disposition"]
    assert german.data.startswith("\ufeffHaushalt;".encode())
    english = admin_client.get(f"/admin/reports/cost-split.csv?month={month}&separator=comma&decimal=point")
    assert english.data.decode("utf-8-sig").splitlines()[-1].endswith(",100.00,0.00")
