"""Reading an uploaded price list (CSV) into prices per hour or per 15 minutes, with an error per bad row.

The reader is tolerant about what spreadsheet programs and price portals produce: `,`, `;` or tab
separators, a decimal comma, an optional header naming the columns (English or German), a date and
a clock time in one column or in two, local times with or without a column saying CET/CEST. It is
strict about what matters: every row must have a readable time and price, the times must run
forward in equal steps of 15, 30 or 60 minutes, and prices must be plausible in the chosen unit.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from .csv_text import numbered_rows

#: Multiply an uploaded number by this to get euro per kWh.
UNIT_FACTORS = {"ct_per_kwh": 0.01, "eur_per_kwh": 1.0, "eur_per_mwh": 0.001}
STEPS_MINUTES = (15, 30, 60)
#: Beyond this, a price in euro per kWh is surely a wrong unit or a typing error.
PLAUSIBLE_EUR_PER_KWH = 10.0
MAX_ROWS = 150_000

_DATETIME_NAMES = ("time", "timestamp", "datetime", "date_time", "zeitstempel", "zeitpunkt", "zeit", "start", "from",
                   "von", "beginn", "anfang", "datum", "date", "sdate", "day", "tag")
_CLOCK_NAMES = ("uhrzeit", "anfang", "beginn", "von", "from", "start", "stimestart", "time", "zeit", "clock")
_ZONE_NAMES = ("zone", "zone_start", "timezone", "zeitzone", "tz", "offset", "utc_offset")
_PRICE_MARKERS = ("price", "preis", "value", "wert", "eur", "€", "ct", "cent")
_ZONE_OFFSETS = {"CET": 1, "MEZ": 1, "CEST": 2, "MESZ": 2, "UTC": 0, "GMT": 0, "Z": 0, "WET": 0, "WEST": 1,
                 "EET": 2, "EEST": 3}
_OFFSET_RE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$")
_DATE_FORMATS = ("%d.%m.%Y", "%d.%m.%y", "%Y-%m-%d", "%d/%m/%Y", "%Y/%m/%d")
_CLOCK_FORMATS = ("%H:%M", "%H:%M:%S", "%H.%M")


@dataclass(frozen=True)
class RowError:
    """Why a line of the file was not accepted (line numbers count from 1, as an editor shows them)."""

    line: int | None
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PricePoint:
    """A price in euro per kWh (fees included) from `starts_at` (UTC) for one step."""

    starts_at: datetime
    eur_per_kwh: float


@dataclass
class ParsedPrices:
    """The readable prices and the problems of an uploaded file."""

    points: list[PricePoint]
    errors: list[RowError]
    step_minutes: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.points)

    @property
    def ends_at(self) -> datetime | None:
        if not self.points or self.step_minutes is None:
            return None
        return self.points[-1].starts_at + timedelta(minutes=self.step_minutes)


def parse_number(text: str) -> float:
    """A number written the German or the English way: 0,32 · 0.32 · 1.234,5 · 1,234.5 · −3."""
    s = text.strip().replace("\u2212", "-").replace("\u00a0", "").replace(" ", "").replace("'", "")
    if not s:
        raise ValueError("empty")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    elif s.count(",") == 1:
        s = s.replace(",", ".")
    return float(s)


def _parse_date_or_datetime(text: str) -> tuple[datetime, bool]:
    """(value, has_clock_time); the value is naive unless the text carries an offset."""
    s = text.strip()
    if not s:
        raise ValueError("empty")
    try:
        value = datetime.fromisoformat(s)
        return value, ("T" in s or " " in s or ":" in s)
    except ValueError:
        pass
    date_part, _, clock_part = s.partition(" ")
    for fmt in _DATE_FORMATS:
        try:
            day = datetime.strptime(date_part, fmt)
        except ValueError:
            continue
        if not clock_part:
            return day, False
        return datetime.combine(day.date(), _parse_clock(clock_part)), True
    raise ValueError(s)


def _parse_clock(text: str) -> time:
    s = text.strip()
    for fmt in _CLOCK_FORMATS:
        try:
            return datetime.strptime(s, fmt).time()
        except ValueError:
            continue
    raise ValueError(s)


def _zone_offset(text: str) -> timedelta | None:
    """The UTC offset a zone cell names ("CET", "MESZ", "+01:00", "UTC+2"); None if empty."""
    s = text.strip().upper()
    if not s:
        return None
    if s in _ZONE_OFFSETS:
        return timedelta(hours=_ZONE_OFFSETS[s])
    match = _OFFSET_RE.match(s)
    if match is None:
        raise ValueError(s)
    sign = -1 if match.group(1) == "-" else 1
    return sign * timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))


@dataclass(frozen=True)
class _Columns:
    when: int
    clock: int | None
    zone: int | None
    price: int


def _find(names: list[str], candidates: tuple[str, ...], exclude: tuple[int | None, ...] = ()) -> int | None:
    for candidate in candidates:
        for i, name in enumerate(names):
            if i not in exclude and name == candidate:
                return i
    return None


def _columns_from_header(header: list[str], sample: list[str] | None) -> _Columns | None:
    names = [h.strip().lower() for h in header]
    price = next((i for i, n in enumerate(names) if any(m in n for m in _PRICE_MARKERS)), None)
    dated = [i for i in range(len(names)) if sample is None or (i < len(sample) and _looks_like_data(sample[i:]))]
    when = _find(names, _DATETIME_NAMES, tuple(i for i in range(len(names)) if i not in dated or i == price))
    if when is None or price is None:
        return None
    clock = None
    if sample is not None and not _parse_date_or_datetime(sample[when])[1]:
        clock = _find(names, _CLOCK_NAMES, (when, price))
    return _Columns(when, clock, _find(names, _ZONE_NAMES, (when, clock, price)), price)


def _columns_without_header(first: list[str]) -> _Columns:
    try:
        has_clock = _parse_date_or_datetime(first[0])[1]
    except ValueError:
        has_clock = True
    clock = 1 if not has_clock and len(first) > 2 else None
    return _Columns(0, clock, None, len(first) - 1)


def _looks_like_data(row: list[str]) -> bool:
    try:
        _parse_date_or_datetime(row[0])
    except (ValueError, IndexError):
        return False
    return True


class _Reader:
    """Turns one row into an instant and a price, remembering the previous instant for DST repeats."""

    def __init__(self, columns: _Columns, zone: ZoneInfo, factor: float, fee: float):
        self.columns, self.zone, self.factor, self.fee = columns, zone, factor, fee
        self.previous: datetime | None = None

    def instant(self, row: list[str], line: int) -> datetime | RowError:
        c = self.columns
        try:
            value, has_clock = _parse_date_or_datetime(row[c.when])
            if not has_clock and c.clock is not None:
                value = datetime.combine(value.date(), _parse_clock(row[c.clock]))
            offset = _zone_offset(row[c.zone]) if c.zone is not None and c.zone < len(row) else None
        except IndexError:
            return RowError(line, "columns_missing")
        except ValueError:
            return RowError(line, "time_unreadable", {"value": row[c.when].strip()[:40]})
        if value.tzinfo is not None:
            return value.astimezone(UTC)
        if offset is not None:
            return (value - offset).replace(tzinfo=UTC)
        return self._local(value, line)

    def _local(self, naive: datetime, line: int) -> datetime | RowError:
        first = naive.replace(tzinfo=self.zone, fold=0).astimezone(UTC)
        if first.astimezone(self.zone).replace(tzinfo=None) != naive:
            return RowError(line, "time_nonexistent", {"value": naive.strftime("%Y-%m-%d %H:%M")})
        if self.previous is not None and first <= self.previous:
            second = naive.replace(tzinfo=self.zone, fold=1).astimezone(UTC)
            if second > self.previous:  # the hour repeated when the clocks go back
                return second
        return first

    def price(self, row: list[str], line: int) -> float | RowError:
        try:
            cell = row[self.columns.price]
        except IndexError:
            return RowError(line, "columns_missing")
        if not cell.strip():
            return RowError(line, "price_missing")
        try:
            value = parse_number(cell) * self.factor + self.fee
        except ValueError:
            return RowError(line, "price_unreadable", {"value": cell.strip()[:40]})
        if abs(value) > PLAUSIBLE_EUR_PER_KWH:
            return RowError(line, "price_implausible", {"value": cell.strip()[:40]})
        return value


def parse_price_csv(text: str, zone: ZoneInfo, *, unit: str, fee_eur_per_kwh: float = 0.0) -> ParsedPrices:
    """Every price of the file in euro per kWh plus the fee, or the reasons rows were refused."""
    rows = numbered_rows(text)
    if not rows:
        return ParsedPrices([], [RowError(None, "file_empty")])
    if len(rows) > MAX_ROWS:
        return ParsedPrices([], [RowError(None, "too_many_rows", {"max": MAX_ROWS})])
    if _looks_like_data(rows[0][1]):
        columns = _columns_without_header(rows[0][1])
    else:
        columns = _columns_from_header(rows[0][1], rows[1][1] if len(rows) > 1 else None)
        rows = rows[1:]
        if columns is None:
            return ParsedPrices([], [RowError(1, "header_unknown")])
    reader = _Reader(columns, zone, UNIT_FACTORS[unit], fee_eur_per_kwh)
    points: list[PricePoint] = []
    errors: list[RowError] = []
    lines: list[int] = []
    for line, row in rows:
        when, price = reader.instant(row, line), reader.price(row, line)
        problems = [x for x in (when, price) if isinstance(x, RowError)]
        if not problems and reader.previous is not None and when <= reader.previous:
            problems.append(RowError(line, "not_after_previous"))
        if problems:
            errors.append(problems[0])
            continue
        reader.previous = when
        points.append(PricePoint(when, price))
        lines.append(line)
    if not points and not errors:
        errors.append(RowError(None, "file_empty"))
    step = _check_steps(points, lines, errors)
    return ParsedPrices(points, errors, step)


def _check_steps(points: list[PricePoint], lines: list[int], errors: list[RowError]) -> int | None:
    """The usual step between rows; an error for each row that does not follow it."""
    if len(points) < 2:
        if points:
            errors.append(RowError(None, "too_few_rows"))
        return None
    refused = {e.line for e in errors}
    gaps = [int((b.starts_at - a.starts_at).total_seconds() // 60) for a, b in pairwise(points)]
    # refused rows between two rows may be the missing prices: they say nothing about the step,
    # and a gap is only reported if it is larger than they can explain
    between = [len(refused.intersection(range(a + 1, b))) for a, b in pairwise(lines)]
    usual = [g for g, n in zip(gaps, between, strict=True) if not n and g in STEPS_MINUTES]
    if not usual:
        errors.append(RowError(None, "step_unsupported", {"minutes": statistics.mode(gaps)}))
        return None
    step = statistics.mode(usual)
    for gap, n, line in zip(gaps, between, lines[1:], strict=True):
        if gap % step:
            errors.append(RowError(line, "step_irregular", {"minutes": gap, "step": step}))
        elif gap // step - 1 > n:
            errors.append(RowError(line, "gap_before", {"missing": gap // step - 1}))
    errors.sort(key=lambda e: (e.line or 0))
    return step
