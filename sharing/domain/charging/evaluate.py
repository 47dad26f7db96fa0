"""The one place where a plan's stated numbers are computed from its windows (FORMAT rules 4-7)."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .layout import POWER_EPS, Layout, build_layout
from .model import BookingOutcome, Plan, PlanningInputError, Problem, Window

#: Shortfalls below this (kWh) are solver noise and the rounding of powers to 1e-6 kW over many slots,
#: inside the format's 1e-4 kWh tolerance: such a booking counts as served.
SHORTFALL_EPS = 5e-5
#: Powers are stated to this many decimals (0.001 W).
POWER_DECIMALS = 6


def power_matrix(problem: Problem, windows: Iterable[Window]) -> np.ndarray:
    """Power per vehicle and slot (V x T) drawn by the windows; checks ids and slot ranges."""
    vindex = {v.id: i for i, v in enumerate(problem.vehicles)}
    chargers = {c.id for c in problem.chargers}
    power = np.zeros((len(problem.vehicles), problem.slots))
    for i, w in enumerate(windows):
        if w.vehicle not in vindex:
            raise PlanningInputError(f"windows[{i}].vehicle", f"unknown vehicle {w.vehicle!r}")
        if w.charger not in chargers:
            raise PlanningInputError(f"windows[{i}].charger", f"unknown charger {w.charger!r}")
        if not 0 <= w.start_slot < w.end_slot <= problem.slots:
            raise PlanningInputError(f"windows[{i}]", f"slots {w.start_slot}..{w.end_slot} out of range")
        if len(w.power_kw) != w.end_slot - w.start_slot:
            raise PlanningInputError(f"windows[{i}].power_kw", "needs one value per slot of the window")
        power[vindex[w.vehicle], w.start_slot : w.end_slot] += w.power_kw
    return power


def booking_numbers(layout: Layout, power: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """State of charge at each booking's start and its shortfall, by rules 4 and 5."""
    # energy[v, t] = kWh put into vehicle v's battery before slot t
    energy = np.zeros((power.shape[0], power.shape[1] + 1))
    np.cumsum(power * layout.eta, axis=1, out=energy[:, 1:])
    soc_start = np.zeros(len(layout.b_start))
    for v, ks in enumerate(layout.vehicle_bookings):
        soc, since = layout.soc0[v], 0
        for k in ks:
            soc += energy[v, layout.b_start[k]] - energy[v, since]
            soc_start[k] = soc
            soc = max(0.0, soc - layout.b_energy[k])
            since = layout.b_end[k]
    shortfall = np.maximum(0.0, layout.b_req - soc_start)
    shortfall[shortfall < SHORTFALL_EPS] = 0.0
    return soc_start, shortfall


def total_cost(layout: Layout, power: np.ndarray) -> float:
    """Cost by rule 6: grid import at the tariff plus PV used at the feed-in price."""
    total = power.sum(axis=0)
    pv_used = np.minimum(total, layout.pv)
    grid = total - pv_used
    h = layout.problem.slot_hours
    return float(h * (layout.tariff @ grid + layout.problem.feed_in_eur_per_kwh * pv_used.sum()))


def evaluate(
    problem: Problem, windows: Iterable[Window], method: str = "", optimal: bool = False, layout: Layout | None = None
) -> Plan:
    """Plan with soc, shortfall and cost recomputed from the windows (rule 7); `layout` if already built."""
    windows = tuple(windows)
    layout = layout if layout is not None and layout.problem is problem else build_layout(problem)
    power = power_matrix(problem, windows)
    soc_start, shortfall = booking_numbers(layout, power)
    outcomes = tuple(
        BookingOutcome(b.id, float(soc_start[k]), float(shortfall[k])) for k, b in enumerate(problem.bookings)
    )
    return Plan(windows, outcomes, total_cost(layout, power), method, optimal)


def slot_limits(layout: Layout, period_charger: np.ndarray) -> np.ndarray:
    """Most power each vehicle may draw in each slot, given the charger of each idle period (-1: none)."""
    limit = np.zeros((layout.n_vehicles, layout.n_slots))
    for p in np.flatnonzero(period_charger >= 0):
        v = layout.p_vehicle[p]
        limit[v, layout.p_start[p] : layout.p_end[p]] = layout.charger_cap(v, int(period_charger[p]))
    return limit


def _floor(x: np.ndarray) -> np.ndarray:
    scale = 10.0**POWER_DECIMALS
    return np.floor(x * scale) / scale


def sanitize(layout: Layout, power: np.ndarray, period_charger: np.ndarray) -> np.ndarray:
    """Round powers and pull solver noise back inside every limit of rules 3 and 4."""
    power = np.round(np.where(power < POWER_EPS, 0.0, power), POWER_DECIMALS)
    power = np.minimum(power, slot_limits(layout, period_charger))
    room = layout.problem.grid_limit_kw + layout.pv
    total = power.sum(axis=0)
    over = total > room
    if over.any():
        power[:, over] = _floor(power[:, over] * (room[over] / total[over]))
    # the battery is fullest at the end of an idle period: trim the period's last powers if rounding overfilled it
    soc = layout.soc0.copy()
    for v, periods in enumerate(layout.vehicle_periods):
        for p in periods:
            s, e = layout.p_start[p], layout.p_end[p]
            excess = soc[v] + power[v, s:e].sum() * layout.eta - layout.battery[v]
            for t in range(e - 1, s - 1, -1):
                if excess <= 0:
                    break
                reduced = max(0.0, float(_floor(np.array(power[v, t] - excess / layout.eta))))
                excess -= (power[v, t] - reduced) * layout.eta
                power[v, t] = reduced
            soc[v] += power[v, s:e].sum() * layout.eta
            k = layout.p_next[p]
            if k >= 0:
                soc[v] = max(0.0, soc[v] - layout.b_energy[k])
    return power


def plan_from_power(
    layout: Layout, power: np.ndarray, period_charger: np.ndarray, method: str, optimal: bool = False
) -> Plan:
    """Turn a power matrix and the charger of each idle period into windows and evaluate them."""
    power = sanitize(layout, power, period_charger)
    problem = layout.problem
    windows = []
    for v, vehicle in enumerate(problem.vehicles):
        for p in layout.vehicle_periods[v]:
            s, e = int(layout.p_start[p]), int(layout.p_end[p])
            on = np.concatenate(([False], power[v, s:e] > 0, [False]))
            edges = np.flatnonzero(on[1:] != on[:-1])
            if len(edges) and period_charger[p] < 0:
                raise AssertionError(f"vehicle {vehicle.id} charges in idle period {p} without a charger")
            charger = problem.chargers[int(period_charger[p])].id if len(edges) else ""
            for a, b in zip(edges[::2], edges[1::2], strict=True):
                run = power[v, s + a : s + b]
                windows.append(Window(vehicle.id, charger, s + int(a), s + int(b), tuple(float(x) for x in run)))
    return evaluate(problem, windows, method, optimal, layout)
