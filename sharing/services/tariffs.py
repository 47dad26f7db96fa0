"""The site's electricity tariff: a flat price, a time-of-use table or an imported price series.

`load_curve` gives the price at any moment for reports; the charge planner reads the same columns.
Times the table or the series do not cover cost the flat price.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from itertools import accumulate, pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from ..domain.tariff_csv import PLAUSIBLE_EUR_PER_KWH, ParsedPrices
from ..models import AuditEvent, Site, TariffPrice, User
from . import audit
from .admin_errors import Invalid, Problem
from .site_settings import site_of

KINDS = ("flat", "time_of_use", "series")
QUARTER = timedelta(minutes=15)


def _check_price(value: float | None, field_name: str) -> list[Problem]:
    if value is None or abs(value) > PLAUSIBLE_EUR_PER_KWH:
        return [Problem(field_name, "price_implausible")]
    return []


def _tariff_snapshot(site: Site) -> dict[str, Any]:
    return audit.snapshot(site, ("tariff_kind", "tariff_flat_eur_per_kwh", "tariff_table"))


def _save(session: Session, admin: User, site: Site, before: dict[str, Any]) -> Site:
    audit.record(session, actor=admin, action="site.tariff", obj=site, before=before, after=_tariff_snapshot(site))
    session.commit()
    return site


def set_flat(session: Session, admin: User, eur_per_kwh: float) -> Site:
    """One price at every hour. Commits."""
    problems = _check_price(eur_per_kwh, "flat_price")
    if problems:
        raise Invalid(*problems)
    site = site_of(session, admin)
    before = _tariff_snapshot(site)
    site.tariff_kind, site.tariff_flat_eur_per_kwh = "flat", eur_per_kwh
    return _save(session, admin, site, before)


def parse_clock(text: str) -> time:
    """"07:30" as a time; "24:00" is the end of the day (00:00)."""
    hours, _, minutes = text.strip().partition(":")
    if not (hours.isdigit() and minutes.isdigit()) or int(minutes) > 59 or int(hours) > 24:
        raise ValueError(text)
    return time(int(hours) % 24, int(minutes)) if int(hours) < 24 or int(minutes) == 0 else time(0, 0)


def set_time_of_use(session: Session, admin: User, rows: list[dict[str, Any]], default_eur_per_kwh: float) -> Site:
    """Prices by weekday and time of day (first matching row wins; other times cost the default). Commits.

    Each row: {"weekdays": [0..6], "from": "HH:MM", "to": "HH:MM", "eur_per_kwh": x}; a "to" at or
    before "from" runs past midnight.
    """
    problems = _check_price(default_eur_per_kwh, "flat_price")
    table = []
    for i, row in enumerate(rows):
        prefix = f"rows-{i}-"
        if not row.get("weekdays"):
            problems.append(Problem(prefix + "weekdays", "weekdays_required", {"row": i + 1}))
        try:
            start, end = parse_clock(row.get("from") or ""), parse_clock(row.get("to") or "")
        except ValueError:
            problems.append(Problem(prefix + "start", "clock_unreadable", {"row": i + 1}))
            continue
        problems += _check_price(row.get("eur_per_kwh"), prefix + "price")
        table.append({"weekdays": sorted(set(row.get("weekdays") or [])), "from": start.strftime("%H:%M"),
                      "to": end.strftime("%H:%M"), "eur_per_kwh": row.get("eur_per_kwh")})
    if not rows:
        problems.append(Problem(None, "table_empty"))
    if problems:
        raise Invalid(*problems)
    site = site_of(session, admin)
    before = _tariff_snapshot(site)
    site.tariff_kind, site.tariff_table, site.tariff_flat_eur_per_kwh = "time_of_use", table, default_eur_per_kwh
    return _save(session, admin, site, before)


def import_series(session: Session, admin: User, parsed: ParsedPrices, *, unit: str, fee_eur_per_kwh: float,
                  filename: str) -> Site:
    """Store an uploaded price series (replacing stored prices of the same period) and use it. Commits."""
    if not parsed.ok:
        raise Invalid(Problem("file", "file_has_errors", {"count": len(parsed.errors)}))
    site = site_of(session, admin)
    before = _tariff_snapshot(site)
    session.execute(delete(TariffPrice).where(TariffPrice.site_id == site.id,
                                              TariffPrice.starts_at >= parsed.points[0].starts_at,
                                              TariffPrice.starts_at < parsed.ends_at))
    session.execute(insert(TariffPrice), [{"site_id": site.id, "starts_at": p.starts_at, "eur_per_kwh": p.eur_per_kwh}
                                          for p in parsed.points])
    site.tariff_kind = "series"
    audit.record(session, actor=admin, action="site.tariff_import", obj=site, before=before, after={
        **_tariff_snapshot(site), "rows": len(parsed.points), "from": parsed.points[0].starts_at,
        "until": parsed.ends_at, "step_minutes": parsed.step_minutes, "unit": unit,
        "fee_eur_per_kwh": fee_eur_per_kwh, "filename": filename[:120]})
    session.commit()
    return site


@dataclass(frozen=True)
class SeriesSummary:
    """What the stored price series covers."""

    rows: int
    first: datetime
    last: datetime
    min_eur: float
    mean_eur: float
    max_eur: float
    last_import: dict | None


def series_summary(session: Session, site: Site) -> SeriesSummary | None:
    """Range and figures of the stored series, with the settings of the last import; None if empty."""
    rows, first, last, low, mean, high = session.execute(
        select(func.count(), func.min(TariffPrice.starts_at), func.max(TariffPrice.starts_at),
               func.min(TariffPrice.eur_per_kwh), func.avg(TariffPrice.eur_per_kwh), func.max(TariffPrice.eur_per_kwh))
        .where(TariffPrice.site_id == site.id)).one()
    if not rows:
        return None
    last_import = session.scalar(
        select(AuditEvent.after).where(AuditEvent.site_id == site.id, AuditEvent.action == "site.tariff_import")
        .order_by(AuditEvent.id.desc()).limit(1))
    return SeriesSummary(rows, first, last, low, float(mean), high, last_import)


MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY


def week_prices(table: list[dict], default: float) -> list[float]:
    """The price of every local minute of the week (Monday 00:00 first) from a time-of-use table.

    The first row that covers a minute wins; a row whose end is at or before its start runs past
    midnight into the next day; minutes no row covers cost `default`.
    """
    prices: list[float | None] = [None] * MINUTES_PER_WEEK
    for row in table:
        start, end = parse_clock(row["from"]), parse_clock(row["to"])
        first = start.hour * 60 + start.minute
        length = (end.hour * 60 + end.minute - first) % MINUTES_PER_DAY or MINUTES_PER_DAY
        for day in row["weekdays"]:
            for minute in range(day * MINUTES_PER_DAY + first, day * MINUTES_PER_DAY + first + length):
                if prices[minute % MINUTES_PER_WEEK] is None:
                    prices[minute % MINUTES_PER_WEEK] = row["eur_per_kwh"]
    return [default if p is None else p for p in prices]


@dataclass
class PriceCurve:
    """The price in euro per kWh at any moment, and its mean over any interval, from the site's tariff.

    Means are exact integrals of the step function, answered from prefix sums: a report asks for
    thousands of them.
    """

    kind: str
    flat: float
    zone: ZoneInfo
    #: time-of-use: price per minute of the week, and its running sum over two weeks (for wrap-around)
    week: list[float] = field(default_factory=list)
    week_sum: list[float] = field(default_factory=list)
    #: series: segment starts and ends (UTC timestamps), prices, and the integral up to each start
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    prices: list[float] = field(default_factory=list)
    integral: list[float] = field(default_factory=list)

    def at(self, moment: datetime) -> float:
        """The price that applies at this moment."""
        if self.kind == "time_of_use":
            return self.week[_minute_of_week(moment.astimezone(self.zone))]
        if self.kind == "series" and self.starts:
            t = moment.timestamp()
            i = bisect.bisect_right(self.starts, t) - 1
            if i >= 0 and t < self.ends[i]:
                return self.prices[i]
        return self.flat

    def mean(self, start: datetime, end: datetime) -> float:
        """The time-weighted mean price over [start, end)."""
        if end <= start:
            return self.at(start)
        if self.kind == "series" and self.starts:
            seconds = end.timestamp() - start.timestamp()
            return (self._series_integral(end.timestamp()) - self._series_integral(start.timestamp())) / seconds
        if self.kind == "time_of_use":
            local_start, local_end = start.astimezone(self.zone), end.astimezone(self.zone)
            minutes = int((end - start).total_seconds() // 60)
            if local_start.utcoffset() != local_end.utcoffset() or not 0 < minutes <= MINUTES_PER_WEEK:
                return _sampled_mean(self, start, end)  # a clock change inside: walk it quarter by quarter
            first = _minute_of_week(local_start)
            return (self.week_sum[first + minutes] - self.week_sum[first]) / minutes
        return self.flat

    def _series_integral(self, t: float) -> float:
        """∫ price dt from the first segment's start to t (negative before it); flat outside the segments."""
        i = bisect.bisect_right(self.starts, t) - 1
        if i < 0:
            return self.flat * (t - self.starts[0])
        covered = min(t, self.ends[i]) - self.starts[i]
        return self.integral[i] + self.prices[i] * covered + self.flat * max(0.0, t - self.ends[i])


def _minute_of_week(local: datetime) -> int:
    return local.weekday() * MINUTES_PER_DAY + local.hour * 60 + local.minute


def _sampled_mean(curve: PriceCurve, start: datetime, end: datetime) -> float:
    total = 0.0
    moment = start
    while moment < end:
        step_end = min(end, moment + QUARTER)
        total += curve.at(moment) * (step_end - moment).total_seconds()
        moment = step_end
    return total / (end - start).total_seconds()


def _series_curve(curve: PriceCurve, rows: list[TariffPrice]) -> None:
    starts = [r.starts_at.timestamp() for r in rows]
    step = min((b - a for a, b in pairwise(starts)), default=3600.0)
    curve.starts, curve.prices = starts, [r.eur_per_kwh for r in rows]
    # a price holds for one step, or until the next price if that comes sooner; gaps cost the flat price
    curve.ends = [min(s + step, n) for s, n in zip(starts, [*starts[1:], float("inf")], strict=True)]
    running, curve.integral = 0.0, []
    for i, s in enumerate(starts):
        if i:
            running += curve.prices[i - 1] * (curve.ends[i - 1] - starts[i - 1]) + curve.flat * (s - curve.ends[i - 1])
        curve.integral.append(running)


def load_curve(session: Session, site: Site, start: datetime, end: datetime) -> PriceCurve:
    """The site's prices for [start, end) (one or two queries)."""
    curve = PriceCurve(site.tariff_kind, site.tariff_flat_eur_per_kwh, ZoneInfo(site.timezone))
    if site.tariff_kind == "time_of_use":
        curve.week = week_prices(list(site.tariff_table or []), site.tariff_flat_eur_per_kwh)
        curve.week_sum = [0.0, *accumulate(curve.week + curve.week)]
    elif site.tariff_kind == "series":
        window = select(TariffPrice).where(TariffPrice.site_id == site.id)
        before = session.scalar(window.where(TariffPrice.starts_at <= start)
                                .order_by(TariffPrice.starts_at.desc()).limit(1))
        rows = ([before] if before else []) + list(session.scalars(
            window.where(TariffPrice.starts_at > start, TariffPrice.starts_at < end + timedelta(days=1))
            .order_by(TariffPrice.starts_at)))
        _series_curve(curve, rows)
    return curve
