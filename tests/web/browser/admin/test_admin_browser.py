"""The administrators' jobs in real Chromium: add a car, block a car over bookings, invite from a CSV with
a bad row, read the monthly report and download its CSV; axe-core finds nothing on any admin page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from sharing.models import AuditEvent, Booking, OutboxMessage, User, Vehicle
from tests.browser_support import assert_accessible, browser_login, screenshot
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser
BERLIN = ZoneInfo("Europe/Berlin")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
INSTANCE_PHOTOS = Path(__file__).resolve().parents[4] / "instance" / "photos"


@pytest.fixture
def admin_page(page, live_server, admin, session):
    """Logged in as the administrator; the test's session starts afresh (the server wrote meanwhile)."""
    browser_login(page, live_server.url, admin.email, DEFAULT_PASSWORD)
    session.rollback()
    return page


def _local(days: int, hour: int) -> datetime:
    day = datetime.now(BERLIN).date() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, tzinfo=BERLIN)


def test_admin_adds_a_car_with_a_photo(admin_page, live_server, session, make_charging_point, tmp_path):
    page = admin_page
    make_charging_point(name="Wallbox Nord")
    page.goto(live_server.url + "/admin/vehicles")
    page.get_by_role("link", name="Auto hinzufügen").click()
    assert_accessible(page)
    page.get_by_label("Rufname des Autos").fill("Die Blaue")
    page.get_by_label("Kennzeichen").fill("LH-QA 101E")
    page.get_by_label("Marke und Modell").fill("VW ID.3 Pro")
    page.get_by_label("Nutzbare Batteriekapazität (kWh)").fill("58,0")
    page.get_by_label("Verbrauch (kWh pro 100 km)").fill("15,5")
    page.get_by_label("Maximale AC-Ladeleistung (kW)").fill("11")
    page.get_by_label("Aktueller Ladestand (%)").fill("76,5")
    page.get_by_label("Kilometerstand (km)").fill("12345")
    page.get_by_label("Wallbox Nord").check()
    photo = tmp_path / "blaue.png"
    photo.write_bytes(PNG)
    page.get_by_label(re.compile("^Foto")).set_input_files(str(photo))
    screenshot(page, "admin-car-form")
    page.get_by_role("button", name="Auto speichern").click()
    page.get_by_text("Die Blaue ist gespeichert.").wait_for()
    assert page.get_by_role("cell", name="LH-QA 101E").is_visible()
    screenshot(page, "admin-cars")
    assert_accessible(page)
    session.rollback()
    car = session.scalars(select(Vehicle)).one()
    assert (car.battery_kwh, car.soc_percent, car.odometer_km) == (58.0, 76.5, 12345)
    assert [p.name for p in car.charging_points] == ["Wallbox Nord"]
    (INSTANCE_PHOTOS / car.photo_filename).unlink(missing_ok=True)


def test_blockout_over_existing_bookings(admin_page, live_server, session, make_vehicle, make_user,
                                         make_booking_row):
    page = admin_page
    blue, zoe = make_vehicle(name="Die Blaue"), make_vehicle(name="Zoe", model="Renault Zoe")
    anna, jonas = make_user(name="Anna Schmidt"), make_user(name="Jonas Weber")
    first = make_booking_row(vehicle=blue, user=anna, start=_local(3, 9), end=_local(3, 11))
    second = make_booking_row(vehicle=blue, user=jonas, start=_local(4, 9), end=_local(4, 11))
    make_booking_row(vehicle=zoe, user=make_user(), start=_local(4, 8), end=_local(4, 12))  # Zoe taken on day 4

    page.goto(live_server.url + "/admin/blockouts")
    page.get_by_label("Auto", exact=True).select_option(label=f"Die Blaue ({blue.licence_plate})")
    page.get_by_label("Von", exact=True).fill(_local(3, 0).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Bis", exact=True).fill(_local(5, 0).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Grund").fill("Reifenwechsel")
    page.get_by_role("button", name="Betroffene Buchungen prüfen").click()
    page.get_by_role("heading", name="2 Buchungen sind betroffen").wait_for()
    screenshot(page, "admin-blockout-preview")
    assert_accessible(page)
    # Anna's booking can move to Zoe (preselected); on Jonas's day Zoe is taken: only cancelling remains.
    assert page.get_by_label(re.compile("Auf Zoe .* umbuchen")).is_checked()
    assert page.get_by_label(re.compile("kein anderes Auto frei")).is_checked()
    session.rollback()
    assert session.get(Booking, first.id).vehicle_id == blue.id  # nothing stored yet

    page.get_by_role("button", name="Sperrzeit speichern und Buchungen wie gewählt behandeln").click()
    page.get_by_role("heading", name="Sperrzeit gespeichert").wait_for()
    screenshot(page, "admin-blockout-done")
    assert_accessible(page)
    session.rollback()
    assert session.get(Booking, first.id).vehicle_id == zoe.id
    assert session.get(Booking, second.id).status == "cancelled"
    assert session.get(Booking, second.id).cancel_reason == "Reifenwechsel"
    mails = session.scalars(select(OutboxMessage.to_address)).all()
    assert anna.email in mails and jonas.email in mails


def test_bulk_invite_from_a_csv_with_one_bad_row(admin_page, live_server, session, make_household, tmp_path):
    page = admin_page
    make_household(name="Lindenweg 4")
    csv_file = tmp_path / "nachbarn.csv"
    csv_file.write_text("Name;E-Mail;Haushalt\nAnna Schmidt;anna@example.org;Lindenweg 4\n"
                        "Jonas Weber;jonas-at-example.org;Am Dorfbach 2\nPetra Klein;petra@example.org;Am Dorfbach 2\n",
                        encoding="utf-8")
    page.goto(live_server.url + "/admin/users")
    page.get_by_role("link", name="Viele aus einer CSV-Datei einladen").click()
    assert_accessible(page)
    page.get_by_label("CSV-Datei mit den Spalten Name, E-Mail, Haushalt").set_input_files(str(csv_file))
    page.get_by_role("button", name="Datei prüfen").click()
    page.get_by_role("heading", name="2 Personen können eingeladen werden.").wait_for()
    bad_row = page.get_by_role("row").filter(has_text="jonas-at-example.org")
    assert "Das ist keine gültige E-Mail-Adresse." in bad_row.inner_text()
    assert "neuer Haushalt" in page.get_by_role("row").filter(has_text="Petra Klein").inner_text()
    screenshot(page, "admin-invite-preview")
    assert_accessible(page)
    session.rollback()
    assert session.scalars(select(User)).all() != [] and session.scalar(
        select(User).where(User.email == "anna@example.org")) is None  # nothing stored before confirming

    page.get_by_role("button", name="2 Personen einladen").click()
    page.get_by_text("2 von 2 gesendet, 0 wartend, 0 fehlgeschlagen").wait_for()  # the progress bar's requests
    screenshot(page, "admin-invite-progress")
    assert_accessible(page)
    session.rollback()
    invited = session.scalars(select(User).where(User.email.in_(["anna@example.org", "petra@example.org"]))).all()
    assert {u.household.name for u in invited} == {"Lindenweg 4", "Am Dorfbach 2"}
    assert session.scalars(select(OutboxMessage.status)).all() == ["sent", "sent"]


def test_monthly_report_and_csv_download(admin_page, live_server, session, make_vehicle, make_user, make_booking_row,
                                         make_household, site):
    page = admin_page
    site.monthly_fixed_costs_eur, site.cost_split_mode, site.tariff_flat_eur_per_kwh = 300.0, "km", 0.30
    session.commit()
    car = make_vehicle(name="Die Blaue", battery_kwh=50.0)
    anna = make_user(name="Anna Schmidt", household_id=make_household(name="Schmidt").id)
    jonas = make_user(name="Jonas Weber", household_id=make_household(name="Weber").id)
    today = datetime.now(BERLIN).date().replace(day=1)
    last_month = (today - timedelta(days=1)).replace(day=10)
    for person, km, soc_end in ((anna, 100, 70.0), (jonas, 300, 30.0)):
        start = datetime(last_month.year, last_month.month, last_month.day, 9 if person is anna else 14, tzinfo=BERLIN)
        make_booking_row(vehicle=car, user=person, start=start, end=start + timedelta(hours=4), status="completed",
                         odometer_start_km=1000, odometer_end_km=1000 + km, soc_start_percent=90.0,
                         soc_end_percent=soc_end)
    page.goto(live_server.url + "/admin/reports")
    page.get_by_role("link", name="Vorheriger Monat").click()
    page.get_by_role("heading", name=re.compile("Bericht für")).wait_for()
    split = page.get_by_role("table", name="Anteil jedes Haushalts")
    # energy: (20 % + 60 %) of 50 kWh = 40 kWh at 0,30 € = 12 €; total 312 € split 1:3 by km
    assert "78,00" in split.get_by_role("row").filter(has_text="Schmidt").inner_text()
    assert "234,00" in split.get_by_role("row").filter(has_text="Weber").inner_text()
    assert page.locator("svg.chart__svg").count() == 4
    screenshot(page, "admin-report")
    assert_accessible(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV für Excel (deutsch) herunterladen").click()
    data = Path(download_info.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Haushalt;Buchungen;")
    assert "Weber;1;4,00;300,00;30,00;9,00;75,00;234,00" in lines
    assert lines[-1] == "Summe;2;8,00;400,00;40,00;12,00;100,00;312,00"


#: Admin GET routes that answer with something other than an HTML page.
NOT_PAGES = {"admin.vehicle_photo", "admin.report_csv", "admin.invite_batch_status"}


def test_every_admin_page_is_accessible(admin_page, live_server, app, session, make_vehicle, make_user,
                                        make_booking_row, make_charging_point, admin, tmp_path):
    page = admin_page
    car = make_vehicle(name="Die Blaue", requires_approval=True)
    make_vehicle(name="Zoe")
    anna = make_user(name="Anna Schmidt")
    booking = make_booking_row(vehicle=car, user=anna, start=_local(2, 9), end=_local(2, 11), status="pending")
    point = make_charging_point(name="Wallbox Nord")
    batch = AuditEvent(site_id=admin.site_id, actor_id=admin.id, action="user.bulk_invite",
                       object_type="invitation_batch", after={"user_ids": [anna.id], "skipped_lines": [3]})
    session.add(batch)
    session.commit()
    values = {"vehicle_id": car.id, "booking_id": booking.id, "user_id": anna.id, "household_id": anna.household_id,
              "point_id": point.id, "batch_id": batch.id}
    urls = sorted({rule.build({k: values[k] for k in rule.arguments if k in values})[1]
                   for rule in app.url_map.iter_rules()
                   if rule.endpoint.startswith("admin.") and "GET" in rule.methods and rule.endpoint not in NOT_PAGES})
    assert len(urls) >= 20
    for url in urls:
        response = page.goto(live_server.url + url)
        assert response.status == 200, url
        assert_accessible(page)
    screenshot(page, "admin-last-page")

    # A page with errors: a price file with bad lines.
    bad = tmp_path / "preise.csv"
    bad.write_text("Zeit;Preis\n01.03.2025 00:00;7,57\n01.03.2025 01:00;viel\n01.03.2025 03:00;6,0\n", encoding="utf-8")
    page.goto(live_server.url + "/admin/tariff")
    page.get_by_label("CSV-Datei mit Preisen pro Stunde oder pro 15 Minuten").set_input_files(str(bad))
    page.get_by_role("button", name="Datei prüfen und importieren").click()
    errors = page.get_by_role("alert").filter(has_text="nichts wurde importiert")
    assert "„viel“ ist keine Zahl." in errors.inner_text()
    screenshot(page, "admin-tariff-errors")
    assert_accessible(page)
