"""Reading uploaded price files: tolerant about the format, strict and clear about bad lines."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from sharing.domain.tariff_csv import parse_number, parse_price_csv

BERLIN = ZoneInfo("Europe/Berlin")
REAL_FILE = Path("/work/shared/data/de_day_ahead_2024_hourly.csv")


def _codes(parsed):
    return [(e.line, e.code) for e in parsed.errors]


@pytest.mark.skipif(not REAL_FILE.exists(), reason="the shared price data is not on this machine")
def test_the_real_day_ahead_file_in_cent_with_fees():
    parsed = parse_price_csv(REAL_FILE.read_text(encoding="utf-8"), BERLIN, unit="ct_per_kwh", fee_eur_per_kwh=0.22)
    assert parsed.ok and parsed.step_minutes == 60 and len(parsed.points) == 8808
    assert parsed.points[0].starts_at == datetime(2023, 12, 31, 23, tzinfo=UTC)
    assert parsed.points[0].eur_per_kwh == pytest.approx(0.2201)
    # the night the clocks go back: 02:00 CEST and 02:00 CET are two different hours
    repeated = [p for p in parsed.points if p.starts_at.date() == datetime(2024, 10, 27).date()
                and p.starts_at.hour in (0, 1)]
    assert [p.starts_at.hour for p in repeated] == [0, 1]


def test_the_real_file_without_its_zone_column_still_reads_the_repeated_hour():
    text = "time,price\n2024-10-27 01:00:00,8.4\n2024-10-27 02:00:00,8.223\n2024-10-27 02:00:00,8.043\n" \
           "2024-10-27 03:00:00,7.941\n"
    parsed = parse_price_csv(text, BERLIN, unit="ct_per_kwh")
    assert parsed.ok
    assert [p.starts_at.hour for p in parsed.points] == [23, 0, 1, 2]


def test_german_spreadsheet_with_semicolons_decimal_commas_and_separate_date_and_time():
    text = "\ufeffDatum;Anfang;Ende;Deutschland/Luxemburg [€/MWh]\n01.03.2025;00:00;00:15;79,91\n" \
           "01.03.2025;00:15;00:30;1.234,50\n01.03.2025;00:30;00:45;−5,2\n"
    parsed = parse_price_csv(text, BERLIN, unit="eur_per_mwh")
    assert parsed.ok and parsed.step_minutes == 15
    assert [round(p.eur_per_kwh, 5) for p in parsed.points] == [0.07991, 1.2345, -0.0052]


def test_every_bad_line_is_named_with_its_problem():
    text = ("time;price\n"
            "2025-03-01 00:00;0,30\n"
            "2025-03-01 01:00;\n"           # 3: missing price
            "2025-03-01 02:00;viel\n"       # 4: not a number
            "gestern;0,31\n"                # 5: unreadable time
            "2025-03-01 03:00;0,31\n"
            "2025-03-01 03:00;0,32\n"       # 7: same time again
            "2025-03-01 06:00;0,33\n"       # 8: two hours missing before
            "2025-03-01 07:00;0,34\n"
            "2025-03-01 07:20;0,35\n"       # 10: off the hourly step
            "2025-03-01 09:00;4711\n")      # 11: not plausible in euro per kWh
    parsed = parse_price_csv(text, BERLIN, unit="eur_per_kwh")
    assert not parsed.ok
    assert _codes(parsed) == [(3, "price_missing"), (4, "price_unreadable"), (5, "time_unreadable"),
                              (7, "not_after_previous"), (8, "gap_before"), (10, "step_irregular"),
                              (11, "price_implausible")]
    assert parsed.errors[4].params == {"missing": 2}


def test_a_time_skipped_in_spring_is_refused_unless_a_zone_says_which():
    skipped = parse_price_csv("2025-03-30 01:00,1\n2025-03-30 02:00,2\n2025-03-30 03:00,3\n", BERLIN,
                              unit="ct_per_kwh")
    assert ("time_nonexistent" in [code for _, code in _codes(skipped)])
    with_offset = parse_price_csv("2025-03-30T01:00+01:00,1\n2025-03-30T03:00+02:00,2\n", BERLIN, unit="ct_per_kwh")
    assert with_offset.ok and with_offset.step_minutes == 60


@pytest.mark.parametrize("text, problem", [("", "file_empty"), ("foo;bar\nbaz;qux\n", "header_unknown"),
                                           ("2025-03-01 00:00;1\n", "too_few_rows"),
                                           ("2025-03-01 00:00;1\n2025-03-01 00:07;1\n2025-03-01 00:14;1\n",
                                            "step_unsupported")])
def test_files_that_cannot_be_used_at_all(text, problem):
    assert problem in [code for _, code in _codes(parse_price_csv(text, BERLIN, unit="ct_per_kwh"))]


@pytest.mark.parametrize("text, value", [("0,32", 0.32), ("0.32", 0.32), ("1.234,5", 1234.5), ("1,234.5", 1234.5),
                                         ("−3", -3.0), (" 7 ", 7.0)])
def test_numbers_the_german_and_the_english_way(text, value):
    assert parse_number(text) == value
