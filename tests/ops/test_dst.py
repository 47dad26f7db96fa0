"""Both 2026 switch nights in Europe/Berlin through the whole stack: stored in UTC, counted in real
hours against the quota, shown in local time; 02:30 on 29 March 2026 refused in plain words.

(The pure conversions are in tests/unit/domain/test_booking_rules.py; the web form's refusal of a
future spring-forward time in tests/web/resident. Here: the database round trip on SQLite and
PostgreSQL, the quota, the pages, and the 2026 date itself.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from sharing.domain.errors import BookingRejected
from sharing.domain.localtime import local_to_utc
from sharing.models import Booking
from sharing.services import bookings
from sharing.services.booking_lifecycle import household_quota
from tests.conftest import get_csrf, login
from tests.factories import DEFAULT_PASSWORD

BERLIN = ZoneInfo("Europe/Berlin")
SPRING, AUTUMN = date(2026, 3, 28), date(2026, 10, 24)  # the Saturdays before the switch nights


def _night(saturday: date) -> tuple[datetime, datetime]:
    """22:00 on Saturday to 06:00 on Sunday, local time."""
    return local_to_utc(saturday, time(22), BERLIN), local_to_utc(saturday + timedelta(days=1), time(6), BERLIN)


@pytest.fixture
def car(site, session, make_vehicle):
    site.max_hours_per_7_days = 8
    site.max_future_bookings = 10
    site.max_advance_days = 30
    session.commit()
    return make_vehicle(name="Nachtwagen", soc_percent=100)


def test_spring_night_has_7_hours_and_fits_an_8_hour_quota(session, resident, car):
    start, end = _night(SPRING)
    now = datetime(2026, 3, 20, 12, tzinfo=UTC)
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=start, end=end, now=now)
    session.expire_all()
    stored = session.get(Booking, booking.id)
    assert (stored.start_at, stored.end_at) == (datetime(2026, 3, 28, 21, tzinfo=UTC),
                                                datetime(2026, 3, 29, 4, tzinfo=UTC))
    assert stored.end_at - stored.start_at == timedelta(hours=7)
    assert stored.start_at.astimezone(BERLIN).strftime("%H:%M %Z") == "22:00 CET"
    assert stored.end_at.astimezone(BERLIN).strftime("%H:%M %Z") == "06:00 CEST"
    assert household_quota(session, resident, now=datetime(2026, 3, 27, 12, tzinfo=UTC)).hours_used == 7.0


def test_autumn_night_has_9_hours_and_exceeds_an_8_hour_quota(session, resident, car, site):
    start, end = _night(AUTUMN)
    now = datetime(2026, 10, 20, 12, tzinfo=UTC)
    assert end - start == timedelta(hours=9)
    with pytest.raises(BookingRejected) as refused:
        bookings.create_booking(session, resident, vehicle_id=car.id, start=start, end=end, now=now)
    assert [(r.kind, r.params.get("hours")) for r in refused.value.reasons] == [("household_hours_limit", 9.0)]
    site.max_hours_per_7_days = 9
    session.commit()
    booking = bookings.create_booking(session, resident, vehicle_id=car.id, start=start, end=end, now=now)
    session.expire_all()
    stored = session.get(Booking, booking.id)
    assert (stored.start_at, stored.end_at) == (datetime(2026, 10, 24, 20, tzinfo=UTC),
                                                datetime(2026, 10, 25, 5, tzinfo=UTC))
    assert household_quota(session, resident, now=datetime(2026, 10, 23, 12, tzinfo=UTC)).hours_used == 9.0


def _day_cell(page: str, label: str) -> str:
    return page.split(f'data-day="{label}"', 1)[1].split("</td>", 1)[0]


@pytest.mark.parametrize("saturday, sunday_label, real_hours, day_hours", [
    (SPRING, "Sonntag 29.3.", 5, 23), (AUTUMN, "Sonntag 25.10.", 7, 25)])
def test_switch_nights_are_shown_in_local_time(client, session, resident, car, make_booking_row, saturday,
                                              sunday_label, real_hours, day_hours):
    start, end = _night(saturday)
    make_booking_row(vehicle=car, user=resident, start=start, end=end)
    login(client, resident.email, DEFAULT_PASSWORD)
    week = client.get(f"/cars?date={saturday.isoformat()}").get_data(as_text=True)
    saturday_cell = _day_cell(week, f"Samstag {saturday.day}.{saturday.month}.")
    sunday_cell = _day_cell(week, sunday_label)
    assert "22:00–00:00" in saturday_cell and "00:00–06:00" in sunday_cell
    # The day bar measures real time: 00:00-06:00 is 5 of 23 hours in spring, 7 of 25 in autumn.
    width = float(sunday_cell.split('class="daybar__own"', 1)[1].split('width="', 1)[1].split('"', 1)[0])
    assert width == round(real_hours / day_hours * 100, 2)


def test_the_calendar_feed_has_the_autumn_night_with_its_9_hours(client, session, resident, car, make_booking_row):
    import icalendar

    start, end = _night(AUTUMN)
    make_booking_row(vehicle=car, user=resident, start=start, end=end)
    feed = client.get(f"/calendar/{resident.calendar_token}.ics")
    event = icalendar.Calendar.from_ical(feed.data).walk("VEVENT")[0]
    begin, finish = (event.decoded(key).astimezone(UTC) for key in ("DTSTART", "DTEND"))
    assert (begin, finish) == (start, end) and finish - begin == timedelta(hours=9)


@pytest.mark.parametrize("language, words", [("de", "Diese Uhrzeit gibt es nicht"),
                                              ("en", "This time does not exist")])
def test_0230_on_29_march_2026_is_refused_in_plain_words(client, session, resident, car, language, words):
    resident.language = language
    session.commit()
    login(client, resident.email, DEFAULT_PASSWORD)
    token = get_csrf(client, "/book")
    data = {"csrf_token": token, "vehicle_id": str(car.id), "start_date": "2026-03-29", "start_time": "02:30",
            "end_date": "2026-03-29", "end_time": "04:00", "distance_km": "10", "note": "", "check": "1"}
    response = client.post("/book", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code in (409, 422) and words in page and "02:30" in page
    assert session.scalar(select(func.count()).select_from(Booking)) == 0
