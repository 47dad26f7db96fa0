"""Improve a greedy plan with scarce chargers by moving cars to cheaper idle periods.

The greedy fills each trip's need from the idle period just before it when it can, so a car often
charges in a short evening period although it stood for days over cheap nights earlier, with a
charger free for all of that time. Here each car in turn (the ones paying most per kWh first) tries
plugging such an earlier period, plans its own trips again over its plugged periods, gives back the
chargers of periods left without energy, and keeps the change only if its trips are served as well
as before at a lower total cost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .evaluate import total_cost
from .layout import POWER_EPS

if TYPE_CHECKING:
    from .heuristic import _Greedy

#: Moves tried in all (each replans one car's week: about 1 ms at 50 cars).
MAX_TRIES = 40
#: Earlier periods tried per car, cheapest first.
PER_CAR = 2
SHORTFALL_EPS = 1e-9


def _vehicle_shortfall(greedy: _Greedy, v: int) -> float:
    lay = greedy.layout
    ks = list(lay.vehicle_bookings[v])
    greedy.chain(v)
    return float(np.maximum(0.0, lay.b_req[ks] - greedy.soc_start[ks]).sum()) if ks else 0.0


def release_unused(greedy: _Greedy, periods: np.ndarray | None = None) -> None:
    """Give back the chargers of plugged idle periods in which nothing is charged."""
    lay = greedy.layout
    candidates = np.flatnonzero(greedy.period_group >= 0) if periods is None else periods
    for p in candidates:
        if greedy.period_group[p] >= 0:
            v, s, e = lay.p_vehicle[p], lay.p_start[p], lay.p_end[p]
            if not (greedy.power[v, s:e] > POWER_EPS).any():
                greedy.ledger.unplug(int(p))
                greedy.energy[p] = 0.0


def replan_vehicle(greedy: _Greedy, v: int) -> None:
    """Clear vehicle v's charging and serve its trips again within its plugged idle periods."""
    lay = greedy.layout
    greedy.total -= greedy.power[v]
    greedy.power[v] = 0.0
    greedy.energy[list(lay.vehicle_periods[v])] = 0.0
    may_plug, greedy.may_plug = greedy.may_plug, False
    try:
        for k in lay.vehicle_bookings[v]:
            greedy.serve(k)
    finally:
        greedy.may_plug = may_plug
    greedy.chain(v)


def _candidates(greedy: _Greedy, v: int) -> list[int]:
    """Unplugged idle periods of v before a trip, with a charger free throughout and a cheaper slot than v pays now."""
    lay = greedy.layout
    paying = greedy.power[v] > POWER_EPS
    if not paying.any():
        return []
    worst = lay.tariff[paying].max()
    out = []
    for p in lay.vehicle_periods[v]:
        s, e = lay.p_start[p], lay.p_end[p]
        if greedy.period_group[p] >= 0 or e <= s or lay.p_next[p] < 0:
            continue
        cheapest = lay.tariff[s:e].min()
        if cheapest < worst - 1e-12 and greedy.ledger.free_group(p) >= 0:
            out.append((cheapest, int(p)))
    return [p for _, p in sorted(out)[:PER_CAR]]


def replug(greedy: _Greedy) -> None:
    """Try moving each car's charging to a cheaper earlier idle period; keep what lowers the cost."""
    lay = greedy.layout
    release_unused(greedy)
    h = lay.problem.slot_hours
    energy = greedy.power.sum(axis=1) * h
    paid = greedy.power @ lay.tariff * h
    order = np.argsort(-np.where(energy > POWER_EPS, paid / np.maximum(energy, POWER_EPS), -np.inf), kind="stable")
    tries = 0
    cost = total_cost(lay, greedy.power)
    for v in order:
        if energy[v] <= POWER_EPS:
            break
        for p in _candidates(greedy, int(v)):
            if tries >= MAX_TRIES:
                return
            tries += 1
            g = greedy.ledger.free_group(p)
            if g < 0:
                continue
            before = _vehicle_shortfall(greedy, int(v))
            saved = (greedy.power.copy(), greedy.total.copy(), greedy.energy.copy(), greedy.ledger.copy())
            greedy.ledger.plug(p, g)
            replan_vehicle(greedy, int(v))
            release_unused(greedy, np.array(lay.vehicle_periods[v]))
            new_cost = total_cost(lay, greedy.power)
            if _vehicle_shortfall(greedy, int(v)) <= before + SHORTFALL_EPS and new_cost < cost - 1e-9:
                cost = new_cost
                continue
            greedy.power, greedy.total, greedy.energy, greedy.ledger = saved
            greedy.period_group = greedy.ledger.period_group
            greedy.chain(int(v))
