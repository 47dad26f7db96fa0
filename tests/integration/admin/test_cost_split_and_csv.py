"""The cost split (pure) and the CSV files for spreadsheet programs."""

from __future__ import annotations

import pytest

from sharing.domain.cost_split import Usage, split_costs
from sharing.services.csv_export import CsvFormat, decode_upload, write_csv

USAGE = {1: Usage(km=100, hours=10), 2: Usage(km=300, hours=10), 3: Usage(km=0, hours=0)}


@pytest.mark.parametrize("mode, weight, amounts", [
    ("km", 0.5, {1: 100.0, 2: 300.0, 3: 0.0}),
    ("hours", 0.5, {1: 200.0, 2: 200.0, 3: 0.0}),
    ("mix", 0.5, {1: 150.0, 2: 250.0, 3: 0.0}),
    ("mix", 0.25, {1: 175.0, 2: 225.0, 3: 0.0}),
])
def test_split_by_km_hours_or_a_mix(mode, weight, amounts):
    shares = split_costs(USAGE, 400.0, mode=mode, mix_km_weight=weight)
    assert {h: s.amount_eur for h, s in shares.items()} == amounts
    assert sum(s.fraction for s in shares.values()) == pytest.approx(1.0)


def test_cents_always_add_up_to_the_total():
    shares = split_costs({1: Usage(1, 1), 2: Usage(1, 1), 3: Usage(1, 1)}, 100.0, mode="mix", mix_km_weight=0.5)
    assert sorted(s.amount_eur for s in shares.values()) == [33.33, 33.33, 33.34]
    assert round(sum(s.amount_eur for s in shares.values()), 2) == 100.0


def test_nobody_drove_so_hours_decide_and_nobody_booked_so_everyone_pays_the_same():
    by_hours = split_costs({1: Usage(0, 3), 2: Usage(0, 1)}, 80.0, mode="km", mix_km_weight=0.5)
    assert [s.amount_eur for s in by_hours.values()] == [60.0, 20.0]
    equal = split_costs({1: Usage(0, 0), 2: Usage(0, 0)}, 80.0, mode="mix", mix_km_weight=0.5)
    assert [s.amount_eur for s in equal.values()] == [40.0, 40.0]


def test_csv_for_german_excel_has_bom_semicolons_and_decimal_commas():
    data = write_csv(["Haushalt", "Betrag"], [["Müller", 1234.5], ["=HYPERLINK(1)", 0.1]], CsvFormat(";", True))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text == "Haushalt;Betrag\r\nMüller;1234,50\r\n'=HYPERLINK(1);0,10\r\n"


def test_csv_with_comma_separator_and_decimal_point():
    fmt = CsvFormat.from_options("comma", "point")
    assert fmt == CsvFormat(",", False)
    assert write_csv(["a", "b"], [["x, y", -2.5]], fmt).decode("utf-8-sig") == 'a,b\r\n"x, y",-2.50\r\n'
    assert CsvFormat.from_options("comma", None) == CsvFormat(",", False)
    assert CsvFormat.from_options(None, None) == CsvFormat(";", True)


def test_uploads_in_utf8_or_windows_1252_are_read():
    assert decode_upload("Müller".encode("cp1252")) == "Müller"
    assert decode_upload("\ufeffMüller".encode()) == "Müller"
