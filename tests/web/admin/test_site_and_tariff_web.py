"""Settings, rules, cost split and the tariff in the admin pages."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sharing.models import TariffPrice

REAL_FILE = Path("/work/shared/data/de_day_ahead_2024_hourly.csv")


def test_settings_page_and_saving_each_form(admin_client, post_form, session, site):
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert "Buchungsregeln" in page and "Europe/Berlin" in page
    response = post_form("/admin/settings/site", {"name": "Lindenhof", "timezone": "Europe/Berlin",
                                                  "grid_limit_kw": "43,5"}, page="/admin/settings")
    assert response.status_code == 302
    response = post_form("/admin/settings/costs", {"cost_split_mode": "km", "cost_split_km_weight": "0,7",
                                                   "monthly_fixed_costs_eur": "1.450,00"}, page="/admin/settings")
    assert response.status_code == 302
    session.refresh(site)
    assert (site.name, site.grid_limit_kw, site.cost_split_mode, site.monthly_fixed_costs_eur) == (
        "Lindenhof", 43.5, "km", 1450.0)


def test_bad_rules_are_shown_at_the_field(admin_client, post_form):
    data = {"grid_minutes": "15", "min_duration_minutes": "60", "max_duration_minutes": "30",
            "max_advance_days": "30", "buffer_minutes": "15", "max_future_bookings": "3",
            "max_hours_per_7_days": "20", "reserve_percent": "10", "no_show_grace_minutes": "30",
            "reminder_minutes_before": "60"}
    response = post_form("/admin/settings/rules", data, page="/admin/settings")
    assert response.status_code == 422
    assert "Die längste Buchung kann nicht kürzer sein als die kürzeste." in response.get_data(as_text=True)


def test_flat_price_and_time_of_use_table(admin_client, post_form, session, site):
    assert post_form("/admin/tariff/flat", {"flat_price": "0,29"}, page="/admin/tariff").status_code == 302
    session.refresh(site)
    assert (site.tariff_kind, site.tariff_flat_eur_per_kwh) == ("flat", 0.29)
    data = {"rows-0-weekdays": ["0", "1", "2", "3", "4"], "rows-0-start": "22:00", "rows-0-end": "06:00",
            "rows-0-price": "0,21", "rows-1-start": "", "default_price": "0,34"}
    assert post_form("/admin/tariff/time-of-use", data, page="/admin/tariff").status_code == 302
    session.refresh(site)
    assert site.tariff_kind == "time_of_use"
    assert site.tariff_table == [{"weekdays": [0, 1, 2, 3, 4], "from": "22:00", "to": "06:00", "eur_per_kwh": 0.21}]
    page = admin_client.get("/admin/tariff").get_data(as_text=True)
    assert 'value="22:00"' in page and 'value="0,21"' in page


def test_a_row_without_days_is_shown_in_its_row(admin_client, post_form):
    data = {"rows-0-start": "22:00", "rows-0-end": "06:00", "rows-0-price": "0,21", "default_price": "0,34"}
    response = post_form("/admin/tariff/time-of-use", data, page="/admin/tariff")
    assert response.status_code == 422
    assert "Zeile 1: Bitte kreuzen Sie mindestens einen Tag an." in response.get_data(as_text=True)


@pytest.mark.skipif(not REAL_FILE.exists(), reason="the shared price data is not on this machine")
def test_upload_of_the_real_price_file(admin_client, post_form, session, site):
    # the first 2,000 lines (the whole year is read in the parser's tests; large bodies make the
    # test client spool to a file it never closes)
    head = "".join(REAL_FILE.read_text(encoding="utf-8").splitlines(keepends=True)[:2000])
    data = {"unit": "ct_per_kwh", "fee_ct_per_kwh": "22,5",
            "file": (io.BytesIO(head.encode()), "de_day_ahead_2024_hourly.csv")}
    response = post_form("/admin/tariff/upload", data, page="/admin/tariff", content_type="multipart/form-data")
    assert response.status_code == 302
    assert session.scalar(select(func.count()).select_from(TariffPrice)) == 1999
    page = admin_client.get("/admin/tariff").get_data(as_text=True)
    assert "1.999" in page and "de_day_ahead_2024_hourly.csv" in page and "22,50 ct/kWh" in page


def test_upload_with_bad_lines_lists_them_and_imports_nothing(admin_client, post_form, session):
    text = "Zeit;Preis\n01.03.2025 00:00;7,57\n01.03.2025 01:00;viel\n01.03.2025 02:00;6,0\n"
    data = {"unit": "ct_per_kwh", "fee_ct_per_kwh": "0", "file": (io.BytesIO(text.encode("cp1252")), "p.csv")}
    response = post_form("/admin/tariff/upload", data, page="/admin/tariff", content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "„viel“ ist keine Zahl." in page and "nichts wurde importiert" in page
    assert session.scalar(select(func.count()).select_from(TariffPrice)) == 0
