"""Splitting a month's costs between households by kilometres, hours booked or a mix of both."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime


def overlap_hours(start: datetime, end: datetime, period_start: datetime, period_end: datetime) -> float:
    """Hours of [start, end) that fall into [period_start, period_end) (real elapsed time)."""
    seconds = (min(end, period_end) - max(start, period_start)).total_seconds()
    return max(0.0, seconds / 3600.0)


@dataclass(frozen=True)
class Usage:
    """What a household used in the period."""

    km: float
    hours: float


@dataclass(frozen=True)
class Share:
    """A household's part: the fraction (0..1) and the amount in euro, rounded to cents."""

    fraction: float
    amount_eur: float


def km_weight_for(mode: str, mix_km_weight: float) -> float:
    """How much kilometres count (the rest is hours): 1 for "km", 0 for "hours", the site's weight for "mix"."""
    return {"km": 1.0, "hours": 0.0}.get(mode, min(1.0, max(0.0, mix_km_weight)))


def split_costs(usage: Mapping[int, Usage], total_eur: float, *, mode: str, mix_km_weight: float) -> dict[int, Share]:
    """Each household's share of `total_eur`; the cents add up exactly to the total.

    A measure nobody used (no km at all, say) gives its weight to the other one; if nobody used
    anything, every household pays the same.
    """
    if not usage:
        return {}
    km_weight = km_weight_for(mode, mix_km_weight)
    km_total = sum(u.km for u in usage.values())
    hours_total = sum(u.hours for u in usage.values())
    if km_total <= 0:
        km_weight = 0.0
    if hours_total <= 0:
        km_weight = 1.0 if km_total > 0 else km_weight
    if km_total <= 0 and hours_total <= 0:
        fractions = {h: 1.0 / len(usage) for h in usage}
    else:
        fractions = {
            h: km_weight * (u.km / km_total if km_total else 0.0)
            + (1 - km_weight) * (u.hours / hours_total if hours_total else 0.0)
            for h, u in usage.items()
        }
    amounts = _round_to_cents({h: f * total_eur for h, f in fractions.items()}, total_eur)
    return {h: Share(fractions[h], amounts[h]) for h in usage}


def _round_to_cents(amounts: Mapping[int, float], total_eur: float) -> dict[int, float]:
    """Largest-remainder rounding: each amount to whole cents, the sum exactly the rounded total."""
    cents = {h: math.floor(a * 100 + 1e-9) for h, a in amounts.items()}
    missing = round(total_eur * 100) - sum(cents.values())
    by_remainder = sorted(amounts, key=lambda h: (amounts[h] * 100 - cents[h]), reverse=True)
    for h in by_remainder[:max(0, missing)]:
        cents[h] += 1
    return {h: c / 100 for h, c in cents.items()}
