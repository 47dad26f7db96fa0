"""Import prices per slot: flat, from a time-of-use table, or from a price series (e.g. a CSV upload).

Slots are counted in absolute time from an aware start, so a horizon across a DST change has the
right number of hours and each slot gets the price of the local hour it falls in.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

import numpy as np

from .model import PlanningInputError

_TIME_HEADERS = ("time", "timestamp", "datetime", "date", "start", "from", "zeit", "datum", "beginn", "von")
_PRICE_HEADERS = ("price", "preis", "value", "wert", "eur/kwh", "ct/kwh", "eur/mwh")


def _slot_starts(start: datetime, slots: int, slot_minutes: int) -> np.ndarray:
    if start.tzinfo is None:
        raise PlanningInputError("start", "needs a time zone")
    return start.timestamp() + np.arange(slots) * slot_minutes * 60.0


def flat_tariff(price_eur_per_kwh: float, slots: int) -> list[float]:
    """The same price in every slot."""
    return [float(price_eur_per_kwh)] * slots


@dataclass(frozen=True)
class TimeOfUseRule:
    """A price for local times [start, end) on some weekdays (0 = Monday); end <= start runs past midnight."""

    weekdays: frozenset[int]
    start: time
    end: time
    price_eur_per_kwh: float

    def matches(self, local: datetime) -> bool:
        """Whether the rule applies at this local time (an overnight part belongs to the day it started)."""
        t = local.time().replace(tzinfo=None)
        if self.start < self.end:
            return local.weekday() in self.weekdays and self.start <= t < self.end
        # runs past midnight (or all day when start == end)
        if local.weekday() in self.weekdays and t >= self.start:
            return True
        return (local.weekday() - 1) % 7 in self.weekdays and t < self.end


def time_of_use_tariff(
    rules: Sequence[TimeOfUseRule],
    start: datetime,
    slots: int,
    slot_minutes: int,
    default_eur_per_kwh: float | None = None,
) -> list[float]:
    """Price per slot from the first matching rule (at the slot's local start time in start's zone)."""
    zone = start.tzinfo
    prices = []
    for i, stamp in enumerate(_slot_starts(start, slots, slot_minutes)):
        local = datetime.fromtimestamp(stamp, zone)
        rule = next((r for r in rules if r.matches(local)), None)
        if rule is not None:
            prices.append(rule.price_eur_per_kwh)
        elif default_eur_per_kwh is not None:
            prices.append(default_eur_per_kwh)
        else:
            raise PlanningInputError("tariff", f"no time-of-use rule covers slot {i} ({local:%a %Y-%m-%d %H:%M})")
    return prices


@dataclass(frozen=True)
class PricePoint:
    """A price that holds from `at` until the next point."""

    at: datetime
    price_eur_per_kwh: float


def _number(text: str) -> float:
    """Parse 0.12, 0,12, 1.234,5 or 1,234.5."""
    s = text.strip().replace("\u2212", "-").replace(" ", "")
    if "," in s and "." in s:
        s = s.replace(".", "").replace(",", ".") if s.rfind(",") > s.rfind(".") else s.replace(",", "")
    else:
        s = s.replace(",", ".")
    return float(s)


def _timestamp(text: str) -> datetime:
    s = text.strip()
    try:
        return datetime.fromisoformat(s.replace("Z", "+00:00"))
    except ValueError:
        pass
    for fmt in ("%d.%m.%Y %H:%M:%S", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d/%m/%Y %H:%M"):
        try:
            return datetime.strptime(s, fmt)
        except ValueError:
            continue
    raise ValueError(f"unreadable date-time {s!r}")


def _columns(header: list[str]) -> tuple[int, int] | None:
    names = [h.strip().lower() for h in header]
    when = next((i for i, n in enumerate(names) if n in _TIME_HEADERS), None)
    price = next((i for i, n in enumerate(names) if any(n.startswith(p) for p in _PRICE_HEADERS)), None)
    if when is None and price is None:
        return None
    return (0 if when is None else when), (len(names) - 1 if price is None else price)


def _is_data(row: list[str]) -> bool:
    try:
        _timestamp(row[0])
        _number(row[-1])
    except (IndexError, ValueError):
        return False
    return True


def parse_price_csv(text: str, zone: str | ZoneInfo, price_scale: float = 1.0) -> list[PricePoint]:
    """Read `timestamp,price` rows (comma, semicolon or tab separated; decimal comma allowed).

    A header row is optional; with one, the columns named like time/timestamp and price are used,
    otherwise the first and last. Times without an offset are local times in `zone`; a repeated
    local hour (the night DST ends) is read as the second occurrence. Prices are multiplied by
    `price_scale` (0.01 for ct/kWh, 0.001 for EUR/MWh). Raises PlanningInputError naming the line.
    """
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    lines = [line for line in text.lstrip("\ufeff").splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        raise PlanningInputError("prices", "the file has no rows")
    first = lines[0]
    delimiter = ";" if ";" in first else "\t" if "\t" in first else ","
    rows = list(csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter))
    columns = _columns(rows[0])
    has_header = columns is not None or not _is_data(rows[0])
    when_col, price_col = columns or (0, len(rows[0]) - 1)
    body = rows[1:] if has_header else rows
    offset = 2 if has_header else 1
    points: list[PricePoint] = []
    for n, row in enumerate(body, start=offset):
        try:
            stamp = _timestamp(row[when_col])
            price = _number(row[price_col]) * price_scale
        except (IndexError, ValueError) as exc:
            raise PlanningInputError(f"line {n}", f"expected a date-time and a price: {exc}") from None
        if stamp.tzinfo is None:
            stamp = stamp.replace(tzinfo=tz)
            if points and stamp.timestamp() <= points[-1].at.timestamp():
                stamp = stamp.replace(fold=1)  # the repeated hour when clocks go back
        # compare instants: datetimes sharing a tzinfo compare by wall time, ignoring fold
        if points and stamp.timestamp() <= points[-1].at.timestamp():
            raise PlanningInputError(f"line {n}", f"time {row[when_col].strip()} does not come after the previous row")
        points.append(PricePoint(stamp, price))
    return points


def price_series_tariff(
    points: Iterable[PricePoint], start: datetime, slots: int, slot_minutes: int, surcharge_eur_per_kwh: float = 0.0
) -> list[float]:
    """Price per slot: the time-weighted mean of the series over the slot, plus a fixed surcharge (fees, VAT)."""
    points = list(points)
    if len(points) < 2:
        raise PlanningInputError("prices", "need at least two price points")
    at = np.array([p.at.timestamp() for p in points])
    price = np.array([p.price_eur_per_kwh for p in points])
    step = float(np.median(np.diff(at)))
    edges = np.append(at, at[-1] + step)  # the last price holds for one usual step
    slot_starts = _slot_starts(start, slots, slot_minutes)
    slot_ends = slot_starts + slot_minutes * 60.0
    if slot_starts[0] < edges[0] or slot_ends[-1] > edges[-1]:
        first = datetime.fromtimestamp(edges[0], start.tzinfo)
        last = datetime.fromtimestamp(edges[-1], start.tzinfo)
        raise PlanningInputError(
            "prices", f"the series covers {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M}, not the whole horizon"
        )
    # integral of the step function at any time x: cumulative[i] + price[i] * (x - edges[i])
    cumulative = np.concatenate(([0.0], np.cumsum(price * np.diff(edges))))

    def integral(x: np.ndarray) -> np.ndarray:
        i = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(price) - 1)
        return cumulative[i] + price[i] * (x - edges[i])

    mean = (integral(slot_ends) - integral(slot_starts)) / (slot_ends - slot_starts)
    return [float(x) + surcharge_eur_per_kwh for x in mean]


def horizon_start(day: datetime | str, zone: str | ZoneInfo) -> datetime:
    """Local midnight of a date in a zone, as an aware datetime (convenient horizon start)."""
    tz = ZoneInfo(zone) if isinstance(zone, str) else zone
    d = datetime.fromisoformat(day) if isinstance(day, str) else day
    return datetime(d.year, d.month, d.day, tzinfo=tz)


__all__ = [
    "PricePoint",
    "TimeOfUseRule",
    "flat_tariff",
    "horizon_start",
    "parse_price_csv",
    "price_series_tariff",
    "time_of_use_tariff",
]
