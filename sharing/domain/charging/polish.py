"""Re-spread each idle period's energy over its cheapest slots: lowers cost and joins windows.

Moving energy inside one idle period keeps the state of charge at the period's end, so bookings,
battery limits (the battery is fullest at the period's end) and rule 2 all stay as they were.
"""

from __future__ import annotations

import numpy as np

from .layout import POWER_EPS, Layout


def slot_prices(layout: Layout, others: np.ndarray, idx: np.ndarray, limit: float) -> tuple[np.ndarray, ...]:
    """Price segments of slots `idx` for one more vehicle: (slot position, capacity kW, price EUR/kWh).

    Each slot offers first the PV left over by the others (valued at the feed-in price, rule 6), then
    the grid connection up to the limit; both are capped by the vehicle's own power `limit`.
    """
    pv = layout.pv[idx]
    room = np.maximum(0.0, layout.problem.grid_limit_kw + pv - others)
    pv_part = np.minimum(np.maximum(0.0, pv - others), np.minimum(room, limit))
    grid_part = np.minimum(room, limit) - pv_part
    positions = np.arange(len(idx))
    has_pv = pv_part > POWER_EPS
    return (
        np.concatenate((positions[has_pv], positions)),
        np.concatenate((pv_part[has_pv], grid_part)),
        np.concatenate((np.full(has_pv.sum(), layout.problem.feed_in_eur_per_kwh), layout.tariff[idx])),
    )


def cheapest_fill(positions: np.ndarray, capacity: np.ndarray, price: np.ndarray, amount: float, n: int) -> np.ndarray:
    """Powers for n slots drawing `amount` (kW x slots) from the cheapest segments.

    Among equal prices the segments nearest to the cheapest one come first, so the chosen slots
    form one run wherever that costs nothing.
    """
    out = np.zeros(n)
    if amount <= POWER_EPS or len(positions) == 0:
        return out
    anchor = positions[np.argmin(price)]
    order = np.lexsort((np.abs(positions - anchor), np.round(price, 9)))
    cap_sorted = capacity[order]
    before = np.cumsum(cap_sorted) - cap_sorted
    take = np.clip(amount - before, 0.0, cap_sorted)
    np.add.at(out, positions[order], take)
    return out


def polish(layout: Layout, power: np.ndarray, period_charger: np.ndarray, rounds: int = 2) -> np.ndarray:
    """Redistribute every plugged period's energy onto its cheapest slots, given everybody else's."""
    power = power.copy()
    total = power.sum(axis=0)
    plugged = np.flatnonzero(period_charger >= 0)
    for _ in range(rounds):
        changed = False
        for p in plugged:
            v, s, e = layout.p_vehicle[p], layout.p_start[p], layout.p_end[p]
            own = power[v, s:e]
            amount = own.sum()
            if amount <= POWER_EPS:
                continue
            idx = np.arange(s, e)
            others = total[s:e] - own
            limit = layout.charger_cap(v, int(period_charger[p]))
            new = cheapest_fill(*slot_prices(layout, others, idx, limit), amount=amount, n=e - s)
            if (
                np.abs(new - own).max() > 1e-9
                and _cost(layout, others, new, idx) <= _cost(layout, others, own, idx) + 1e-12
            ):
                power[v, s:e] = new
                total[s:e] = others + new
                changed = True
        if not changed:
            break
    return power


def _cost(layout: Layout, others: np.ndarray, own: np.ndarray, idx: np.ndarray) -> float:
    total = others + own
    pv_used = np.minimum(total, layout.pv[idx])
    return float(layout.tariff[idx] @ (total - pv_used) + layout.problem.feed_in_eur_per_kwh * pv_used.sum())
