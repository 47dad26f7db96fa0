"""Exact planner: least total shortfall first, then least cost, with HiGHS (LP or MILP)."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from scipy.optimize import OptimizeResult

from .assign import colour
from .evaluate import SHORTFALL_EPS, plan_from_power
from .heuristic import solve_heuristic
from .layout import POWER_EPS, build_layout
from .lpmodel import ChargeModel
from .model import Plan, Problem
from .polish import polish

#: Slack on the optimal shortfall when phase 2 minimises cost (kWh): first tight (the solver's
#: tolerances are ~1e-7, and a larger slack lets the cost phase trade charge for money), then wider.
TIGHT_SLACK = 2e-7
SHORTFALL_SLACK = 1e-5


@dataclass(frozen=True)
class LowerBound:
    """Optimum of the linear relaxation: least shortfall, and least cost for that shortfall."""

    shortfall_kwh: float
    cost_eur: float


def better(a: Plan, b: Plan) -> bool:
    """Whether plan a beats plan b: less total shortfall, then lower cost."""
    if abs(a.total_shortfall_kwh - b.total_shortfall_kwh) > SHORTFALL_SLACK * 10:
        return a.total_shortfall_kwh < b.total_shortfall_kwh
    return a.cost_eur < b.cost_eur - 1e-9 * max(1.0, abs(b.cost_eur))


def _cheaters(model: ChargeModel, x: np.ndarray) -> np.ndarray:
    """Bookings whose car the relaxation lets come home with charge it would not have (see lpmodel)."""
    lay = model.layout
    energy = np.bincount(model.x_p, weights=x[: len(model.x_p)], minlength=len(lay.p_vehicle)) * lay.eta
    r = x[model.i_r : model.i_s]
    prev = model.p_prev[model.period_before]
    soc = np.where(prev >= 0, r[np.maximum(prev, 0)], lay.soc0[lay.b_vehicle]) + energy[model.period_before]
    cheat = ~model.reset & (r > np.maximum(0.0, soc - lay.b_energy) + 1e-6)
    return np.isin(lay.b_vehicle, lay.b_vehicle[cheat])


def _run(
    model: ChargeModel, objective: str, integral: bool, honest: np.ndarray, deadline: float, **caps: float | None
) -> tuple[OptimizeResult | None, np.ndarray]:
    """Solve one phase, adding the exact trip-energy form for vehicles the relaxation flatters."""
    while True:
        res = model.solve(objective, integral=integral, honest=honest, time_limit=deadline - time.monotonic(), **caps)
        if res.x is None:
            return None, honest
        cheat = _cheaters(model, res.x)
        if not (cheat & ~honest).any() or time.monotonic() >= deadline:
            return res, honest
        honest = honest | cheat


def _extract(model: ChargeModel, x: np.ndarray, own: np.ndarray | None) -> tuple[np.ndarray, np.ndarray] | None:
    """Power matrix and charger per idle period from a solution vector (None if not integral)."""
    lay = model.layout
    power = np.zeros((lay.n_vehicles, lay.n_slots))
    power[model.x_v, model.x_t] = x[: len(model.x_v)]
    charging = np.bincount(model.x_p, weights=x[: len(model.x_p)] > POWER_EPS, minlength=len(lay.p_vehicle)) > 0
    periods = np.flatnonzero(charging)
    if own is not None:
        charger = np.full(len(lay.p_vehicle), -1)
        charger[periods] = own[lay.p_vehicle[periods]]
        return power, charger
    y = x[model.i_y : model.n_vars]
    group = np.full(len(lay.p_vehicle), -1)
    weight = np.zeros(len(lay.p_vehicle))
    for i in np.argsort(y):  # the largest y of each period wins
        group[model.y_p[i]] = model.y_g[i]
        weight[model.y_p[i]] = y[i]
    if (weight[periods] < 1 - 1e-6).any():
        return None
    charger = colour(lay, periods, group[periods])
    return None if charger is None else (power, charger)


def solve_exact(problem: Problem, time_limit_s: float = 60.0, start: Plan | None = None) -> Plan:
    """Optimal plan (least shortfall, then cost) within the time limit; never worse than the heuristic."""
    deadline = time.monotonic() + time_limit_s
    layout = build_layout(problem)
    fallback = start if start is not None else solve_heuristic(problem)
    own = layout.own_chargers()
    scarce = own is None  # otherwise the LP is exact: every car has a best charger of its own
    model = ChargeModel(layout, scarce_chargers=scarce)
    honest = np.zeros(len(layout.b_start), dtype=bool)
    optimal = True
    if fallback.total_shortfall_kwh <= SHORTFALL_EPS:
        target = 0.0  # the heuristic serves everything, so the optimum does too: skip phase 1
    else:
        phase1_deadline = time.monotonic() + (deadline - time.monotonic()) / 2
        res, honest = _run(model, "shortfall", scarce, honest, phase1_deadline, shortfall_cap=None, cost_cap=None)
        if res is None:
            return fallback.with_method("heuristic", notes=("the optimiser found no plan in time",))
        optimal = res.status == 0
        best = min(float(res.fun), fallback.total_shortfall_kwh)
        # with everything served, the cost phase must not buy savings with a sliver of shortfall
        target = 0.0 if best <= SHORTFALL_EPS else best + TIGHT_SLACK
    same_service = fallback.total_shortfall_kwh <= target + SHORTFALL_SLACK
    cost_cap = fallback.cost_eur + 1e-6 * max(1.0, abs(fallback.cost_eur)) if scarce and same_service else None
    res, honest = _run(model, "cost", scarce, honest, deadline, shortfall_cap=target, cost_cap=cost_cap)
    if res is None and 0 < target < fallback.total_shortfall_kwh and time.monotonic() < deadline:
        # the tight cap can be infeasible within the solver's tolerances: allow a little more
        target += SHORTFALL_SLACK
        res, honest = _run(model, "cost", scarce, honest, deadline, shortfall_cap=target, cost_cap=cost_cap)
    if res is None:
        return fallback.with_method("heuristic", notes=("the optimiser found nothing better in time",))
    extracted = _extract(model, res.x, own)
    if extracted is None:
        return fallback.with_method("heuristic", notes=("the optimiser's assignment was not integral",))
    power, charger = extracted
    plan = plan_from_power(layout, polish(layout, power, charger), charger, "exact", optimal and res.status == 0)
    if better(fallback, plan):
        return fallback.with_method("heuristic", notes=("the optimiser found nothing better in time",))
    return plan


def lp_lower_bound(problem: Problem, time_limit_s: float = 60.0) -> LowerBound:
    """Optimum of the LP relaxation (rule 2's one-charger condition relaxed): a bound for the same service."""
    deadline = time.monotonic() + time_limit_s
    layout = build_layout(problem)
    own = layout.own_chargers()
    model = ChargeModel(layout, scarce_chargers=own is None)
    honest = np.zeros(len(layout.b_start), dtype=bool)
    res = model.solve(
        "shortfall",
        integral=False,
        honest=honest,
        shortfall_cap=None,
        cost_cap=None,
        time_limit=deadline - time.monotonic(),
    )
    if res.x is None or res.status != 0:
        raise RuntimeError(f"LP relaxation failed: {res.message}")
    shortfall = float(res.fun) if res.fun > SHORTFALL_EPS else 0.0
    res = model.solve(
        "cost",
        integral=False,
        honest=honest,
        shortfall_cap=shortfall + SHORTFALL_SLACK * (shortfall > 0),
        cost_cap=None,
        time_limit=deadline - time.monotonic(),
    )
    if res.x is None or res.status != 0:
        raise RuntimeError(f"LP relaxation failed: {res.message}")
    return LowerBound(shortfall, float(res.fun))
