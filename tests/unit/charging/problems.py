"""Problem builders for the charge-planner tests, as JSON-form dicts (what the CLI reads)."""

from __future__ import annotations

import random
from typing import Any

from sharing.domain.charging import (
    Plan,
    dumb_charging,
    plan_to_dict,
    problem_from_dict,
    solve,
    solve_exact,
    solve_heuristic,
)
from tests.unit.charging.plan_checker import Checked, check_plan

START = "2026-03-23T00:00:00+01:00"


def vehicle(vid: str, battery: float = 50.0, soc: float = 10.0, kw: float = 11.0, reserve: float = 0.0) -> dict:
    """A vehicle in JSON form."""
    return {"id": vid, "battery_kwh": battery, "soc_kwh": soc, "max_charge_kw": kw, "reserve_kwh": reserve}


def booking(bid: str, vid: str, start: int, end: int, energy: float) -> dict:
    """A booking in JSON form."""
    return {"id": bid, "vehicle": vid, "start_slot": start, "end_slot": end, "energy_kwh": energy}


def problem(
    tariff: list[float],
    vehicles: list[dict],
    chargers: list[dict] | None = None,
    bookings: list[dict] | None = None,
    *,
    grid: float = 100.0,
    slot_minutes: int = 60,
    efficiency: float = 1.0,
    **extra: Any,
) -> dict[str, Any]:
    """A problem in JSON form; by default one 11 kW charger per vehicle."""
    if chargers is None:
        chargers = [{"id": f"c{i}", "max_kw": 11.0} for i in range(len(vehicles))]
    return {
        "start": START,
        "slot_minutes": slot_minutes,
        "slots": len(tariff),
        "grid_limit_kw": grid,
        "tariff_eur_per_kwh": tariff,
        "charge_efficiency": efficiency,
        "vehicles": vehicles,
        "chargers": chargers,
        "bookings": bookings or [],
        **extra,
    }


SOLVERS = {
    "heuristic": solve_heuristic,
    "exact": lambda p: solve_exact(p, time_limit_s=30),
    "auto": lambda p: solve(p, "auto", time_limit_s=30),
    "dumb": dumb_charging,
}


def solve_checked(d: dict[str, Any], method: str = "exact") -> tuple[Plan, Checked]:
    """Plan the problem with `method` and run the independent checker on the plan's JSON form."""
    plan = SOLVERS[method](problem_from_dict(d))
    checked = check_plan(d, plan_to_dict(plan))
    return plan, checked


def random_problem(seed: int, *, scarce: bool = False, pv: bool = False, tight: bool = False) -> dict[str, Any]:
    """A small random problem (a day or two of hourly slots, a few cars) for comparing planners."""
    rng = random.Random(seed)
    slots = rng.choice([24, 36, 48])
    n_vehicles = rng.randint(1, 5)
    tariff = [round(rng.uniform(0.15, 0.45), 3) for _ in range(slots)]
    vehicles = [
        vehicle(
            f"v{i}",
            battery=rng.choice([30.0, 50.0, 77.0]),
            soc=round(rng.uniform(0, 30), 1),
            kw=rng.choice([3.7, 7.4, 11.0]),
            reserve=rng.choice([0.0, 3.0, 8.0]),
        )
        for i in range(n_vehicles)
    ]
    for v in vehicles:
        v["soc_kwh"] = min(v["soc_kwh"], v["battery_kwh"])
    bookings = []
    for i in range(n_vehicles):
        t = rng.randint(0, 8)
        while t < slots - 2:
            length = rng.randint(1, 6)
            end = min(slots, t + length)
            bookings.append(
                booking(f"b{len(bookings)}", f"v{i}", t, end, round(rng.uniform(2, 35 if tight else 20), 1))
            )
            t = end + rng.randint(1, 14)
    n_chargers = max(1, n_vehicles // 2) if scarce else n_vehicles
    chargers = [{"id": f"c{j}", "max_kw": rng.choice([7.4, 11.0, 22.0])} for j in range(n_chargers)]
    if scarce and n_vehicles > 1 and rng.random() < 0.3:
        chargers[0]["vehicles"] = [f"v{rng.randrange(n_vehicles)}"]
    extra: dict[str, Any] = {}
    if pv:
        extra["pv_kw"] = [round(max(0.0, 8 * rng.uniform(-0.5, 1)), 2) for _ in range(slots)]
        extra["feed_in_eur_per_kwh"] = 0.08
    grid = rng.choice([7.4, 11.0, 15.0, 30.0]) if tight else rng.choice([11.0, 22.0, 50.0])
    return problem(tariff, vehicles, chargers, bookings, grid=grid, efficiency=rng.choice([0.85, 0.9, 1.0]), **extra)
