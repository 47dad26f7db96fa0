"""Dumb charging, the baseline the planner is compared with: plug in on return, charge flat out."""

from __future__ import annotations

import numpy as np

from .evaluate import plan_from_power
from .layout import Layout, build_layout
from .model import Plan, Problem


def _plug_on_arrival(layout: Layout) -> np.ndarray:
    """Charger per idle period: first come, first served; a car finding no free charger stays unplugged."""
    n_c = len(layout.problem.chargers)
    free_from = np.zeros(n_c, dtype=int)
    ccap = np.array([[layout.charger_cap(v, c) for c in range(n_c)] for v in range(layout.n_vehicles)])
    charger = np.full(len(layout.p_vehicle), -1)
    for p in np.lexsort((layout.p_vehicle, layout.p_start)):
        if layout.p_end[p] <= layout.p_start[p] or n_c == 0:
            continue
        v = layout.p_vehicle[p]
        ok = (free_from <= layout.p_start[p]) & (ccap[v].reshape(-1) > 0)
        if ok.any():
            c = int(np.flatnonzero(ok)[np.argmax(ccap[v][ok])])
            charger[p] = c
            free_from[c] = layout.p_end[p]
    return charger


def dumb_charging(problem: Problem) -> Plan:
    """Plan of plug-in-and-charge: full power from arrival until full, all cars cut back equally at the grid limit."""
    layout = build_layout(problem)
    charger = _plug_on_arrival(layout)
    limit = np.zeros((layout.n_vehicles, layout.n_slots))
    for p in np.flatnonzero(charger >= 0):
        v = layout.p_vehicle[p]
        limit[v, layout.p_start[p] : layout.p_end[p]] = layout.charger_cap(v, int(charger[p]))
    returning: dict[int, list[int]] = {}
    for k, end in enumerate(layout.b_end):
        returning.setdefault(int(end), []).append(k)
    soc = layout.soc0.copy()
    power = np.zeros_like(limit)
    room = problem.grid_limit_kw + layout.pv
    for t in range(layout.n_slots):
        for k in returning.get(t, ()):
            v = layout.b_vehicle[k]
            soc[v] = max(0.0, soc[v] - layout.b_energy[k])
        want = np.minimum(limit[:, t], np.maximum(0.0, layout.battery - soc) / layout.eta)
        total = want.sum()
        if total > room[t]:
            want *= room[t] / total
        power[:, t] = want
        soc += want * layout.eta
    return plan_from_power(layout, power, charger, "dumb")
