"""Choosing a planner."""

from __future__ import annotations

import time

from .codec import validate_problem
from .exact import solve_exact
from .heuristic import solve_heuristic
from .model import Plan, Problem

METHODS = ("auto", "exact", "heuristic")
#: Below this time limit "auto" does not start the optimiser (building the model alone takes a while).
AUTO_MIN_SECONDS = 1.0


def solve(problem: Problem, method: str = "auto", time_limit_s: float = 60.0) -> Plan:
    """Best plan by `method` within the time limit: "heuristic", "exact" or "auto" (exact unless time is short)."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    validate_problem(problem)
    started = time.monotonic()
    quick = solve_heuristic(problem)
    if method == "heuristic" or (method == "auto" and time_limit_s < AUTO_MIN_SECONDS):
        return quick
    return solve_exact(problem, max(0.0, time_limit_s - (time.monotonic() - started)), start=quick)
