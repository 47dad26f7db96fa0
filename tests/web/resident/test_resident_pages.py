"""The resident pages through the test client: book, see, change, cancel, pick up, return; the feed."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from sharing.models import Booking, User
from tests.conftest import csrf_token_from, get_csrf, login
from tests.factories import DEFAULT_PASSWORD

BERLIN = ZoneInfo("Europe/Berlin")


def _next_monday() -> date:
    today = datetime.now(BERLIN).date()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def logged_in(client, resident):
    login(client, resident.email, DEFAULT_PASSWORD)
    return client


def _book(client, car, day: date, start: str, end: str, km: int = 20, check: bool = False):
    token = get_csrf(client, "/book")
    data = {"csrf_token": token, "vehicle_id": str(car.id), "start_date": day.isoformat(), "start_time": start,
            "end_date": day.isoformat(), "end_time": end, "distance_km": str(km), "note": ""}
    data["check" if check else "submit"] = "1"
    return client.post("/book", data=data)


@pytest.mark.parametrize("path", ["/cars", "/book", "/bookings", "/account"])
def test_pages_need_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_book_see_and_cancel(logged_in, session, resident, make_vehicle):
    car = make_vehicle(name="Die Blaue")
    day = _next_monday()
    response = _book(logged_in, car, day, "10:00", "12:00")
    assert response.status_code == 302 and response.headers["Location"] == "/bookings"
    booking = session.scalar(select(Booking))
    assert booking.start_at == datetime.combine(day, time(10), BERLIN)
    mine = logged_in.get("/bookings").get_data(as_text=True)
    assert "Die Blaue" in mine and "bestätigt" in mine
    week = logged_in.get(f"/cars?date={day.isoformat()}").get_data(as_text=True)
    assert "Ihre Buchung" in week
    token = csrf_token_from(mine)
    logged_in.post(f"/bookings/{booking.id}/cancel", data={"csrf_token": token})
    session.expire_all()
    assert session.get(Booking, booking.id).status == "cancelled"


def test_taken_slot_shows_reasons_and_bookable_suggestions(app, logged_in, session, make_user, make_vehicle):
    car, other = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe")
    neighbour = make_user(name="Nina Nachbar")
    day = _next_monday()
    neighbour_client = app.test_client()
    login(neighbour_client, neighbour.email, DEFAULT_PASSWORD)
    assert _book(neighbour_client, car, day, "14:00", "16:30").status_code == 302
    response = _book(logged_in, car, day, "15:00", "17:00")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Der Wagen ist von" in page and "14:00" in page and "16:30" in page
    assert "Nina" not in page  # other households stay anonymous
    assert "Zoe" in page
    forms = re.findall(r'<form method="post" action="/book/suggestion">(.*?)</form>', page, re.S)
    assert forms
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', forms[0]))
    taken = logged_in.post("/book/suggestion", data=fields)
    assert taken.status_code == 302
    booked = session.scalars(select(Booking).where(Booking.vehicle_id == other.id)).one()
    assert booked.start_at == datetime.combine(day, time(15), BERLIN)


def _change_fields(car, day: date, start: str, end: str) -> dict:
    return {"vehicle_id": str(car.id), "start_date": day.isoformat(), "start_time": start,
            "end_date": day.isoformat(), "end_time": end, "distance_km": "20", "note": ""}


def test_live_check_on_the_change_page_leaves_the_booking_itself_out(app, logged_in, session, resident,
                                                                     make_user, make_vehicle):
    car = make_vehicle(name="Die Blaue")
    day = _next_monday()
    assert _book(logged_in, car, day, "10:00", "12:00").status_code == 302
    mine = session.scalar(select(Booking))
    page = logged_in.get(f"/bookings/{mine.id}/change").get_data(as_text=True)
    assert f'data-live-check="/book/check?booking={mine.id}"' in page
    # An hour later overlaps the old time: on the change page that is no conflict ...
    moved = logged_in.get("/book/check", query_string={"booking": mine.id, **_change_fields(car, day, "11:00",
                                                                                            "13:00")})
    assert "Das Auto ist zu dieser Zeit frei" in moved.get_data(as_text=True)
    # ... while a new booking at that time would run into it.
    new = logged_in.get("/book/check", query_string=_change_fields(car, day, "11:00", "13:00"))
    assert "nicht möglich" in new.get_data(as_text=True)
    # Only a booking the resident may see can be left out.
    theirs_client = app.test_client()
    neighbour = make_user()
    login(theirs_client, neighbour.email, DEFAULT_PASSWORD)
    assert theirs_client.get("/book/check", query_string={"booking": mine.id, **_change_fields(
        car, day, "11:00", "13:00")}).status_code == 404
    assert logged_in.get("/book/check", query_string={"booking": "x"}).status_code == 404


def test_a_suggestion_taken_on_the_change_page_moves_the_booking(app, logged_in, session, make_user, make_vehicle):
    car, other = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe")
    day = _next_monday()
    assert _book(logged_in, car, day, "10:00", "12:00").status_code == 302
    mine = session.scalar(select(Booking))
    neighbour_client = app.test_client()
    login(neighbour_client, make_user().email, DEFAULT_PASSWORD)
    assert _book(neighbour_client, car, day, "14:00", "16:30").status_code == 302
    token = get_csrf(logged_in, f"/bookings/{mine.id}/change")
    refused = logged_in.post(f"/bookings/{mine.id}/change", data={"csrf_token": token, "submit": "1",
                                                                  **_change_fields(car, day, "15:00", "17:00")})
    assert refused.status_code == 409
    page = refused.get_data(as_text=True)
    assert "Alternativen, die Sie mit einem Klick wählen können" in page and "Stattdessen so ändern" in page
    forms = re.findall(r'<form method="post" action="/book/suggestion">(.*?)</form>', page, re.S)
    fields = dict(re.findall(r'name="(\w+)"[^>]*value="([^"]*)"', forms[0]))
    assert fields["booking_id"] == str(mine.id) and fields["vehicle_id"] == str(other.id)

    assert logged_in.post("/book/suggestion", data=fields).status_code == 302
    session.expire_all()
    moved = session.get(Booking, mine.id)
    assert (moved.vehicle_id, moved.start_at) == (other.id, datetime.combine(day, time(15), BERLIN))
    assert len(session.scalars(select(Booking)).all()) == 2  # moved, not booked a second time
    assert logged_in.post("/book/suggestion", data={**fields, "booking_id": "abc"}).status_code == 400


def test_check_availability_without_booking(logged_in, session, make_vehicle):
    car = make_vehicle()
    response = _book(logged_in, car, _next_monday(), "09:00", "10:00", check=True)
    assert response.status_code == 200 and "frei" in response.get_data(as_text=True)
    assert session.scalar(select(Booking)) is None


@pytest.mark.parametrize("start, end, expected", [
    ("10:07", "12:00", "Viertelstundentakt"),
    ("12:00", "10:00", "nach dem Beginn"),
    ("10:00", "10:15", "mindestens 30 Minuten"),
])
def test_invalid_requests_get_clear_messages(logged_in, make_vehicle, start, end, expected):
    response = _book(logged_in, make_vehicle(), _next_monday(), start, end)
    assert response.status_code in (409, 422)
    assert expected in response.get_data(as_text=True)


@pytest.mark.parametrize("field, value", [("start_date", "not-a-date"), ("distance_km", "-5"),
                                          ("distance_km", "99999999999999999999"), ("vehicle_id", "abc")])
def test_garbage_input_is_a_422_never_a_500(logged_in, make_vehicle, field, value):
    car = make_vehicle()
    token = get_csrf(logged_in, "/book")
    data = {"csrf_token": token, "vehicle_id": str(car.id), "start_date": _next_monday().isoformat(),
            "start_time": "10:00", "end_date": _next_monday().isoformat(), "end_time": "11:00",
            "distance_km": "10", "submit": "1", field: value}
    assert logged_in.post("/book", data=data).status_code == 422


def test_nonexistent_local_time_is_refused(logged_in, make_vehicle, site, session):
    site.max_advance_days = 800
    session.commit()
    car = make_vehicle()
    spring = date(2027, 3, 28)  # last Sunday of March 2027: 02:00-03:00 does not exist
    if spring <= datetime.now(BERLIN).date():
        pytest.skip("the date lies in the past")
    response = _book(logged_in, car, spring, "02:30", "04:00")
    assert response.status_code == 409
    assert "Diese Uhrzeit gibt es nicht" in response.get_data(as_text=True)


def test_other_households_bookings_are_404(app, logged_in, session, make_user, make_vehicle, make_booking_row):
    car = make_vehicle()
    neighbour = make_user()
    start = datetime.combine(_next_monday(), time(9), BERLIN)
    theirs = make_booking_row(vehicle=car, user=neighbour, start=start, end=start + timedelta(hours=1))
    for path in (f"/bookings/{theirs.id}/change", f"/bookings/{theirs.id}/pickup", f"/bookings/{theirs.id}/return",
                 f"/bookings/{theirs.id}/extend"):
        assert logged_in.get(path).status_code == 404
    token = get_csrf(logged_in, "/bookings")
    assert logged_in.post(f"/bookings/{theirs.id}/cancel", data={"csrf_token": token}).status_code == 404


def test_calendar_feed_and_regeneration(logged_in, session, resident, make_vehicle):
    car = make_vehicle(name="Die Blaue")
    _book(logged_in, car, _next_monday(), "10:00", "12:00")
    user = session.get(User, resident.id)
    feed = logged_in.application.test_client().get(f"/calendar/{user.calendar_token}.ics")
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(feed.data)
    events = [c for c in calendar.walk("VEVENT")]
    assert len(events) == 1 and "Die Blaue" in str(events[0]["SUMMARY"])
    assert str(events[0]["UID"]).startswith("booking-")
    assert calendar.walk("VTIMEZONE")
    old = user.calendar_token
    token = get_csrf(logged_in, "/account")
    logged_in.post("/account/calendar/regenerate", data={"csrf_token": token, "regenerate": "1"})
    session.expire_all()
    assert logged_in.application.test_client().get(f"/calendar/{old}.ics").status_code == 404
    assert session.get(User, resident.id).calendar_token != old


def test_pick_up_and_return(logged_in, session, resident, make_vehicle, make_booking_row):
    car = make_vehicle(key_box_code="4711", handover_note="Tiefgarage, Platz 3", odometer_km=1000)
    now = datetime.now(BERLIN)
    booking = make_booking_row(vehicle=car, user=resident, start=now - timedelta(minutes=30),
                               end=now + timedelta(hours=2))
    page = logged_in.get(f"/bookings/{booking.id}/pickup").get_data(as_text=True)
    assert "4711" in page and "Tiefgarage" in page
    token = csrf_token_from(page)
    assert logged_in.post(f"/bookings/{booking.id}/pickup", data={
        "csrf_token": token, "odometer_km": "1000", "soc_percent": "80"}).status_code == 302
    bad = logged_in.post(f"/bookings/{booking.id}/return", data={
        "csrf_token": token, "odometer_km": "900", "soc_percent": "60"})
    assert bad.status_code == 422 and "nicht niedriger" in bad.get_data(as_text=True)
    done = logged_in.post(f"/bookings/{booking.id}/return", data={
        "csrf_token": token, "odometer_km": "1042", "soc_percent": "60", "plugged_in": "y",
        "damage_note": "Delle vorne"})
    assert done.status_code == 302
    session.expire_all()
    stored = session.get(Booking, booking.id)
    assert stored.status == "completed" and stored.damage_note == "Delle vorne"


def test_account_settings_and_password_change(app, logged_in, session, resident):
    token = get_csrf(logged_in, "/account")
    logged_in.post("/account", data={"csrf_token": token, "name": "Rita R.", "language": "en", "phone": "0151 1",
                                     "share_contact": "y", "submit": "1"})
    assert "My bookings" in logged_in.get("/bookings").get_data(as_text=True)
    other_device = app.test_client()
    login(other_device, resident.email, DEFAULT_PASSWORD)
    token = get_csrf(logged_in, "/account")
    response = logged_in.post("/account/password", data={"csrf_token": token, "current_password": DEFAULT_PASSWORD,
                                                          "new_password": "ein-neues-passwort"})
    assert response.status_code == 302
    assert logged_in.get("/bookings").status_code == 200
    assert other_device.get("/bookings").status_code == 302  # the other session has ended


def test_live_check_fragment(logged_in, session, make_user, make_vehicle, make_booking_row):
    car = make_vehicle()
    day = _next_monday()
    start = datetime.combine(day, time(14), BERLIN)
    make_booking_row(vehicle=car, user=make_user(), start=start, end=start + timedelta(hours=2))
    params = {"vehicle_id": car.id, "start_date": day.isoformat(), "start_time": "15:00",
              "end_date": day.isoformat(), "end_time": "16:00", "distance_km": 10}
    taken = logged_in.get("/book/check", query_string=params).get_data(as_text=True)
    assert "Der Wagen ist von" in taken
    params["start_time"], params["end_time"] = "18:00", "19:00"
    assert "frei" in logged_in.get("/book/check", query_string=params).get_data(as_text=True)
    params["start_date"] = "kaputt"
    assert logged_in.get("/book/check", query_string=params).status_code == 200
    assert session.scalar(select(Booking).where(Booking.start_at == datetime.combine(day, time(18), BERLIN))) is None


def test_weekly_series_shows_conflicts_then_books_the_free_dates(app, logged_in, session, make_user, make_vehicle,
                                                                   make_booking_row, site):
    site.max_future_bookings = 10
    session.commit()
    car = make_vehicle()
    first = _next_monday() + timedelta(days=2)  # a Wednesday
    blocked_day = first + timedelta(days=7)
    start = datetime.combine(blocked_day, time(18), BERLIN)
    make_booking_row(vehicle=car, user=make_user(), start=start, end=start + timedelta(hours=1))
    token = get_csrf(logged_in, "/book/series")
    data = {"csrf_token": token, "vehicle_id": str(car.id), "first_date": first.isoformat(), "start_time": "18:00",
            "duration_minutes": "90", "weekdays": "2", "until_date": (first + timedelta(days=21)).isoformat(),
            "distance_km": "10"}
    preview = logged_in.post("/book/series", data=data)
    assert preview.status_code == 409
    assert session.scalar(select(Booking).where(Booking.series_id.is_not(None))) is None
    done = logged_in.post("/book/series", data={**data, "book_free_only": "1"})
    assert done.status_code == 302
    assert len(session.scalars(select(Booking).where(Booking.series_id.is_not(None))).all()) == 3


def test_my_bookings_name_the_previous_driver_only_if_they_share_their_contact(logged_in, resident, make_user,
                                                                             make_vehicle, make_booking_row):
    sharing, private = make_vehicle(name="Teilt"), make_vehicle(name="Privat")
    day = _next_monday()
    before = datetime.combine(day, time(10), BERLIN)
    make_booking_row(vehicle=sharing, user=make_user(name="Nora Nachbar", phone="0151 2345", share_contact=True),
                     start=before, end=before + timedelta(hours=2), status="confirmed")
    make_booking_row(vehicle=private, user=make_user(name="Paul Privat", phone="0151 9999", share_contact=False),
                     start=before, end=before + timedelta(hours=2), status="confirmed")
    for car in (sharing, private):
        make_booking_row(vehicle=car, user=resident, start=before + timedelta(hours=3),
                         end=before + timedelta(hours=4), status="confirmed")
    page = logged_in.get("/bookings").get_data(as_text=True)
    assert "Nora Nachbar" in page and "0151 2345" in page
    assert "Paul Privat" not in page and "0151 9999" not in page


def test_week_view_leaves_out_a_retired_cars_blockout(logged_in, session, make_vehicle):
    from sharing.models import Blockout

    shown, retired = make_vehicle(name="Im Dienst"), make_vehicle(name="Ausgemustert", status="retired")
    start = datetime.combine(_next_monday(), time(9), BERLIN)
    session.add(Blockout(site_id=retired.site_id, vehicle_id=retired.id, start_at=start,
                         end_at=start + timedelta(hours=3), reason="Abholung"))
    session.commit()
    page = logged_in.get("/cars", query_string={"week": _next_monday().isoformat()})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert shown.name in text and retired.name not in text
