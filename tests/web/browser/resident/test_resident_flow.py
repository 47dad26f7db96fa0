"""A resident books, meets a taken slot, takes a suggestion, cancels — in real Chromium, accessible."""

from __future__ import annotations

import re
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import select

from sharing.models import Booking, User
from tests.browser_support import assert_accessible, browser_login, screenshot
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser
BERLIN = ZoneInfo("Europe/Berlin")


def _next_monday() -> str:
    today = datetime.now(BERLIN).date()
    return (today + timedelta(days=7 - today.weekday())).isoformat()


def _fill_booking(page, car_label: str, day: str, start: str, end: str) -> None:
    page.get_by_label(re.compile("^(Auto|Car)")).select_option(label=car_label)
    page.get_by_label(re.compile("Von \\(Datum\\)|From \\(date\\)")).fill(day)
    page.get_by_label(re.compile("Von \\(Uhrzeit\\)|From \\(time\\)")).fill(start)
    page.get_by_label(re.compile("Bis \\(Datum\\)|Until \\(date\\)")).fill(day)
    page.get_by_label(re.compile("Bis \\(Uhrzeit\\)|Until \\(time\\)")).fill(end)
    page.get_by_label(re.compile("Geplante Strecke|Expected distance")).fill("25")


def _scenario(page, live_server, resident, cars, make_booking_row, make_user, session, prefix: str):
    blue, zoe = cars
    day = _next_monday()
    neighbour = make_user(name="Nina Nachbar")
    start = datetime.fromisoformat(f"{day}T14:00").replace(tzinfo=BERLIN)
    make_booking_row(vehicle=blue, user=neighbour, start=start, end=start + timedelta(hours=2, minutes=30))

    browser_login(page, live_server.url, resident.email, DEFAULT_PASSWORD)
    page.goto(f"{live_server.url}/cars?date={day}")
    assert page.get_by_role("heading", name="Die Blaue").is_visible()
    screenshot(page, f"{prefix}-week")
    assert_accessible(page)

    page.goto(live_server.url + "/book")
    _fill_booking(page, blue_label(page, "Die Blaue"), day, "09:00", "11:00")
    screenshot(page, f"{prefix}-book-form")
    assert_accessible(page)
    page.get_by_role("button", name=re.compile("^(Buchen|Book)$")).click()
    page.wait_for_url(re.compile("/bookings$"))
    assert page.get_by_text(re.compile("Gebucht|Booked")).first.is_visible()
    screenshot(page, f"{prefix}-my-bookings")
    assert_accessible(page)

    # The taken slot: reasons in words and a suggestion to take.
    page.goto(live_server.url + "/book")
    _fill_booking(page, blue_label(page, "Die Blaue"), day, "15:00", "17:00")
    # Checked as the resident types, before anything is sent.
    page.locator("#live-availability").get_by_text(re.compile("Der Wagen ist von|The car is booked")).wait_for()
    page.get_by_role("button", name=re.compile("^(Buchen|Book)$")).click()
    alert = page.get_by_role("alert")
    assert re.search(r"(Der Wagen ist von|The car is booked from) .*14:00.*16:30", alert.inner_text())
    screenshot(page, f"{prefix}-taken")
    assert_accessible(page)
    page.get_by_role("listitem").filter(has_text="Zoe").get_by_role("button").click()
    page.wait_for_url(re.compile("/bookings$"))
    screenshot(page, f"{prefix}-after-suggestion")
    session.rollback()  # a fresh snapshot: the server wrote meanwhile
    taken = session.scalars(select(Booking).where(Booking.vehicle_id == zoe.id)).all()
    assert len(taken) == 1

    # The calendar feed has both bookings.
    user = session.get(User, resident.id)
    session.refresh(user)
    with urllib.request.urlopen(f"{live_server.url}/calendar/{user.calendar_token}.ics") as feed:
        events = icalendar.Calendar.from_ical(feed.read()).walk("VEVENT")
    assert len(events) == 2

    # Cancel the suggestion again.
    page.get_by_role("button", name=re.compile("(Stornieren|Cancel) Zoe")).click()
    page.get_by_text(re.compile("Die Buchung ist storniert|The booking is cancelled")).wait_for()
    session.rollback()
    assert session.get(Booking, taken[0].id).status == "cancelled"
    page.goto(live_server.url + "/account")
    screenshot(page, f"{prefix}-account")
    assert_accessible(page)


def blue_label(page, name: str) -> str:
    option = page.locator("#vehicle_id option", has_text=name).first
    try:
        return option.inner_text(timeout=5000)
    except Exception:
        print(page.url, page.content()[:3000])
        raise


@pytest.fixture
def cars(make_vehicle):
    return make_vehicle(name="Die Blaue", soc_percent=90), make_vehicle(name="Zoe", model="Renault Zoe")


def test_resident_books_on_desktop(page, live_server, resident, cars, make_booking_row, make_user, session):
    _scenario(page, live_server, resident, cars, make_booking_row, make_user, session, "desktop")


def test_resident_books_on_a_phone(phone_page, live_server, resident, cars, make_booking_row, make_user, session):
    _scenario(phone_page, live_server, resident, cars, make_booking_row, make_user, session, "phone")


def test_english_interface(page, live_server, resident, session, cars):
    resident.language = "en"
    session.commit()
    browser_login(page, live_server.url, resident.email, DEFAULT_PASSWORD)
    page.goto(live_server.url + "/cars")
    assert page.get_by_role("heading", name="Cars and when they are free").is_visible()
    assert_accessible(page)
    page.goto(live_server.url + "/bookings")
    assert page.get_by_role("heading", name="My bookings", exact=True).is_visible()
    screenshot(page, "english-my-bookings")


def test_trip_pages_are_accessible(page, live_server, resident, cars, make_booking_row):
    blue, _zoe = cars
    now = datetime.now(BERLIN)
    booking = make_booking_row(vehicle=blue, user=resident, start=now - timedelta(minutes=15),
                               end=now + timedelta(hours=2))
    browser_login(page, live_server.url, resident.email, DEFAULT_PASSWORD)
    for path, name in ((f"/bookings/{booking.id}/pickup", "pickup"), ("/book/series", "series")):
        page.goto(live_server.url + path)
        screenshot(page, f"page-{name}")
        assert_accessible(page)
    page.goto(f"{live_server.url}/bookings/{booking.id}/pickup")
    page.get_by_role("button", name=re.compile("^(Abholen|Pick up)$")).click()
    page.wait_for_url(re.compile("/bookings$"))
    for path, name in ((f"/bookings/{booking.id}/return", "return"), (f"/bookings/{booking.id}/extend", "extend")):
        page.goto(live_server.url + path)
        screenshot(page, f"page-{name}")
        assert_accessible(page)
