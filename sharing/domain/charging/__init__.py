"""The charge planner: a pure function from a charging problem to a plan (no Flask, no database).

The exchange format and the rules a plan keeps are in /work/shared/planning/FORMAT.md.

Values
    Problem, Vehicle, Charger, Booking       the problem (frozen dataclasses)
    Plan, Window, BookingOutcome             the plan; Plan.method / .optimal say how it was made
    PlanningInputError(field, reason)        raised for any invalid input (a ValueError)

JSON form
    problem_from_dict(d) -> Problem          validates, raises PlanningInputError naming the field
    problem_to_dict(problem) -> dict
    plan_to_dict(plan) -> dict
    windows_from_dict(d) -> tuple[Window]    read back a plan's windows
    validate_problem(problem) -> None        the cross-field checks, for problems built in code

Planning
    solve(problem, method="auto", time_limit_s=60) -> Plan     "auto" | "exact" | "heuristic"
    solve_heuristic(problem) -> Plan         greedy, ~0.1 s for 50 cars x 672 slots
    solve_exact(problem, time_limit_s=60, start=None) -> Plan
        least total shortfall, then least cost (HiGHS LP; a MILP when chargers are scarce);
        never worse than `start` (by default the heuristic plan), which it falls back to
    lp_lower_bound(problem) -> LowerBound(shortfall_kwh, cost_eur)
        optimum of the linear relaxation (rule 2's one-charger condition relaxed)
    dumb_charging(problem) -> Plan           baseline: plug in on return, charge at full power
    evaluate(problem, windows) -> Plan       the stated numbers recomputed from windows (rule 7)

Tariffs
    flat_tariff(price, slots) -> list[float]
    time_of_use_tariff(rules, start, slots, slot_minutes, default_eur_per_kwh=None)
        with TimeOfUseRule(weekdays, start, end, price_eur_per_kwh)
    parse_price_csv(text, zone, price_scale=1.0) -> list[PricePoint]
    price_series_tariff(points, start, slots, slot_minutes, surcharge_eur_per_kwh=0.0)
"""

from .baseline import dumb_charging
from .codec import plan_to_dict, problem_from_dict, problem_to_dict, validate_problem, windows_from_dict
from .evaluate import evaluate
from .exact import LowerBound, lp_lower_bound, solve_exact
from .heuristic import solve_heuristic
from .model import Booking, BookingOutcome, Charger, Plan, PlanningInputError, Problem, Vehicle, Window
from .solve import METHODS, solve
from .tariffs import (
    PricePoint,
    TimeOfUseRule,
    flat_tariff,
    horizon_start,
    parse_price_csv,
    price_series_tariff,
    time_of_use_tariff,
)

__all__ = [
    "METHODS",
    "Booking",
    "BookingOutcome",
    "Charger",
    "LowerBound",
    "Plan",
    "PlanningInputError",
    "PricePoint",
    "Problem",
    "TimeOfUseRule",
    "Vehicle",
    "Window",
    "dumb_charging",
    "evaluate",
    "flat_tariff",
    "horizon_start",
    "lp_lower_bound",
    "parse_price_csv",
    "plan_to_dict",
    "price_series_tariff",
    "problem_from_dict",
    "problem_to_dict",
    "solve",
    "solve_exact",
    "solve_heuristic",
    "time_of_use_tariff",
    "validate_problem",
    "windows_from_dict",
]
