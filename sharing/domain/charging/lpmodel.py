"""The charging problem as a sparse linear (or mixed-integer) programme for HiGHS.

Variables, all in kW or kWh:
  P[v,t]  power of vehicle v in a parked slot t (only idle periods before a booking, or where a
          price is negative: elsewhere charging can only cost money)
  u[t]    PV power used in slot t (only where pv_kw > 0)
  r[k]    charge left after booking k; s[k] its shortfall
  y[p,g]  vehicle of idle period p plugged at a charger of group g (only when chargers are scarce)
  z[k]    1 when booking k's trip energy is covered (only for vehicles that need it, see below)
Rule 2 is modelled per group of interchangeable chargers: at every moment at most n_g idle periods
plugged into group g. Intervals are perfect graphs, so such counts can always be turned into an
assignment of concrete chargers (greedy colouring by start time).

Rule 4's "never below 0" makes the charge after a trip max(0, soc - energy), which is not convex.
The relaxation r[k] <= soc - energy + s[k] may claim charge the car would not bring home after an
unserved trip; when a solution does, the car's bookings get the exact binary form (z) and the
programme is solved again. With every booking served it never happens.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, OptimizeResult, milp
from scipy.sparse import coo_matrix, csr_matrix

from .layout import Layout

_INF = np.inf


@dataclass
class _Rows:
    """Triplets of a growing sparse constraint matrix with upper bounds (all rows are A x <= ub)."""

    rows: list[np.ndarray]
    cols: list[np.ndarray]
    vals: list[np.ndarray]
    ub: list[np.ndarray]
    n: int = 0

    def block(self, count: int, ub: np.ndarray | float) -> int:
        """Reserve `count` rows with the given upper bounds; returns the first row index."""
        first = self.n
        self.n += count
        self.ub.append(np.broadcast_to(np.asarray(ub, dtype=float), (count,)).copy())
        return first

    def add(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray | float) -> None:
        """Add coefficients (broadcasting a scalar value)."""
        self.rows.append(np.asarray(rows, dtype=int))
        self.cols.append(np.asarray(cols, dtype=int))
        self.vals.append(np.broadcast_to(np.asarray(vals, dtype=float), np.shape(rows)).copy())

    def matrix(self, n_cols: int) -> csr_matrix:
        """The assembled matrix."""
        cat = (lambda xs: np.concatenate(xs)) if self.rows else (lambda xs: np.zeros(0))
        return coo_matrix((cat(self.vals), (cat(self.rows), cat(self.cols))), shape=(self.n, n_cols)).tocsr()


class ChargeModel:
    """Variables and constraints of one problem; `solve` runs one phase of the lexicographic objective."""

    def __init__(self, layout: Layout, scarce_chargers: bool) -> None:
        lay = self.layout = layout
        self.scarce = scarce_chargers
        n_b = len(lay.b_start)
        best = lay.best_cap
        effective = np.where(lay.pv > 0, np.minimum(lay.tariff, lay.problem.feed_in_eur_per_kwh), lay.tariff)
        starts = np.concatenate(([0.0], np.cumsum(effective < 0)))
        negative_inside = starts[lay.p_end] - starts[lay.p_start] > 0
        self.candidate = (lay.p_end > lay.p_start) & (best[lay.p_vehicle] > 0) & ((lay.p_next >= 0) | negative_inside)
        mask = (lay.period_of >= 0) & self.candidate[np.maximum(lay.period_of, 0)]
        self.x_v, self.x_t = np.nonzero(mask)  # ordered by vehicle, then slot: each period is a contiguous run
        self.x_p = lay.period_of[self.x_v, self.x_t]
        self.pv_t = np.flatnonzero((lay.pv > 0) & np.isin(np.arange(lay.n_slots), self.x_t))
        n_x = len(self.x_v)
        self.i_u = n_x
        self.i_r = self.i_u + len(self.pv_t)
        self.i_s = self.i_r + n_b
        self.i_y = self.i_s + n_b
        if scarce_chargers:
            cand = np.flatnonzero(self.candidate)
            pairs = np.argwhere(lay.cap[lay.p_vehicle[cand]] > 0)
            self.y_p, self.y_g = cand[pairs[:, 0]], pairs[:, 1]
        else:
            self.y_p = self.y_g = np.zeros(0, dtype=int)
        self.n_vars = self.i_y + len(self.y_p)
        self.period_before = np.full(n_b, -1)
        has_next = lay.p_next >= 0
        self.period_before[lay.p_next[has_next]] = np.flatnonzero(has_next)
        self.reset = lay.b_energy >= lay.battery[lay.b_vehicle]  # the car always comes back empty
        self.p_prev = np.full(len(lay.p_vehicle), -1)  # booking before each idle period
        for v, periods in enumerate(lay.vehicle_periods):
            self.p_prev[list(periods[1:])] = lay.vehicle_bookings[v]
        self.cost = self._cost_vector()

    def _cost_vector(self) -> np.ndarray:
        lay = self.layout
        c = np.zeros(self.n_vars)
        h = lay.problem.slot_hours
        c[: len(self.x_t)] = lay.tariff[self.x_t] * h
        c[self.i_u : self.i_r] = (lay.problem.feed_in_eur_per_kwh - lay.tariff[self.pv_t]) * h
        return c

    def _soc_before(self, rows: _Rows, first: int, periods: np.ndarray, sign: float) -> None:
        """Add sign * (charge at the end of each idle period) to rows first, first+1, ... (one per period).

        That charge is r of the booking before the period (or the initial charge) plus eta * sum(P).
        """
        lay = self.layout
        row_of_period = np.full(len(lay.p_vehicle), -1)
        row_of_period[periods] = np.arange(len(periods))
        row = row_of_period[self.x_p]
        keep = row >= 0
        rows.add(first + row[keep], np.flatnonzero(keep), sign * lay.eta)
        prev = self.p_prev[periods]
        is_var = prev >= 0
        rows.add(first + np.flatnonzero(is_var), self.i_r + prev[is_var], sign)
        # the initial charge is a constant: move it to the bound
        rows.ub[-1][~is_var] -= sign * lay.soc0[lay.p_vehicle[periods[~is_var]]]

    def constraints(self, honest: np.ndarray) -> tuple[csr_matrix, np.ndarray, np.ndarray]:
        """Constraint matrix, upper bounds and integrality mask; `honest` marks bookings given z."""
        lay = self.layout
        rows = _Rows([], [], [], [])
        n_x = len(self.x_t)
        # rule 3: the site connection (plus PV) limits the sum of all powers in a slot
        slot_row = np.full(lay.n_slots, -1)
        used_slots = np.unique(self.x_t)
        slot_row[used_slots] = np.arange(len(used_slots))
        first = rows.block(len(used_slots), lay.problem.grid_limit_kw)
        rows.add(first + slot_row[self.x_t], np.arange(n_x), 1.0)
        rows.add(first + slot_row[self.pv_t], self.i_u + np.arange(len(self.pv_t)), -1.0)
        # PV used cannot exceed the power drawn
        first = rows.block(len(self.pv_t), 0.0)
        pv_row = np.full(lay.n_slots, -1)
        pv_row[self.pv_t] = np.arange(len(self.pv_t))
        rows.add(first + np.arange(len(self.pv_t)), self.i_u + np.arange(len(self.pv_t)), 1.0)
        keep = pv_row[self.x_t] >= 0
        rows.add(first + pv_row[self.x_t[keep]], np.flatnonzero(keep), -1.0)
        # rule 4: the battery is fullest at the end of each idle period
        cand = np.flatnonzero(self.candidate)
        first = rows.block(len(cand), lay.battery[lay.p_vehicle[cand]])
        self._soc_before(rows, first, cand, 1.0)
        # rule 5 and the charge left after each trip
        normal = np.flatnonzero(~self.reset)
        specs = [  # (bookings, sign of the charge at departure, coefficient of r, of s, upper bound)
            (np.arange(len(lay.b_start)), -1.0, 0.0, -1.0, -lay.b_req),  # soc + s >= req
            (normal, -1.0, 1.0, -1.0, -lay.b_energy[normal]),  # r <= soc - e + s (the relaxation)
            (normal, 1.0, -1.0, 0.0, lay.b_energy[normal]),  # r >= soc - e
        ]
        for bookings, sign, r_coef, s_coef, ub in specs:
            first = rows.block(len(bookings), ub)
            self._soc_before(rows, first, self.period_before[bookings], sign)
            at = first + np.arange(len(bookings))
            if r_coef:
                rows.add(at, self.i_r + bookings, r_coef)
            if s_coef:
                rows.add(at, self.i_s + bookings, s_coef)
        # the exact form where needed: r <= soc - e * z and r <= battery * z
        z = np.flatnonzero(honest & ~self.reset)
        self.i_z = self.n_vars
        self.n_vars_total = self.n_vars + len(z)
        if len(z):
            z_cols = self.i_z + np.arange(len(z))
            first = rows.block(len(z), 0.0)
            self._soc_before(rows, first, self.period_before[z], -1.0)
            rows.add(first + np.arange(len(z)), self.i_r + z, 1.0)
            rows.add(first + np.arange(len(z)), z_cols, lay.b_energy[z])
            first = rows.block(len(z), 0.0)
            rows.add(first + np.arange(len(z)), self.i_r + z, 1.0)
            rows.add(first + np.arange(len(z)), z_cols, -lay.battery[lay.b_vehicle[z]])
        if self.scarce:
            row_of_period = np.full(len(lay.p_vehicle), -1)
            row_of_period[cand] = np.arange(len(cand))
            self._assignment_rows(rows, row_of_period)
        integrality = np.zeros(self.n_vars_total)
        integrality[self.i_z :] = 1
        return rows.matrix(self.n_vars_total), np.concatenate(rows.ub), integrality

    def _assignment_rows(self, rows: _Rows, row_of_period: np.ndarray) -> None:
        lay = self.layout
        n_y = len(self.y_p)
        y_cols = self.i_y + np.arange(n_y)
        # one charger group per idle period
        first = rows.block(int(self.candidate.sum()), 1.0)
        rows.add(first + row_of_period[self.y_p], y_cols, 1.0)
        # power only while plugged: P[v,t] <= sum_g cap[v,g] * y[p,g]
        n_x = len(self.x_t)
        first = rows.block(n_x, 0.0)
        rows.add(first + np.arange(n_x), np.arange(n_x), 1.0)
        counts = np.bincount(self.x_p, minlength=len(lay.p_vehicle))
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        reps = counts[self.y_p]
        offsets = np.arange(reps.sum()) - np.repeat(np.cumsum(reps) - reps, reps)
        x_rows = np.repeat(starts[self.y_p], reps) + offsets
        rows.add(first + x_rows, np.repeat(y_cols, reps), -np.repeat(lay.cap[lay.p_vehicle[self.y_p], self.y_g], reps))
        # at any moment at most n_g idle periods plugged into group g (clique rows at period starts)
        for g, members in enumerate(lay.groups):
            mine = np.flatnonzero(self.y_g == g)
            s, e = lay.p_start[self.y_p[mine]], lay.p_end[self.y_p[mine]]
            points = np.unique(s)
            cover = (s[None, :] <= points[:, None]) & (points[:, None] < e[None, :])
            binding = cover.sum(axis=1) > len(members)
            r, c = np.nonzero(cover[binding])
            first = rows.block(int(binding.sum()), float(len(members)))
            rows.add(first + r, y_cols[mine[c]], 1.0)

    def bounds(self, shortfall_zero: bool) -> Bounds:
        """Variable bounds; with `shortfall_zero` every booking must be served."""
        lay = self.layout
        lb = np.zeros(self.n_vars_total)
        ub = np.ones(self.n_vars_total)
        ub[: len(self.x_t)] = lay.best_cap[self.x_v]
        ub[self.i_u : self.i_r] = lay.pv[self.pv_t]
        ub[self.i_r : self.i_s] = np.where(self.reset, 0.0, lay.battery[lay.b_vehicle])
        ub[self.i_s : self.i_y] = 0.0 if shortfall_zero else lay.b_req
        return Bounds(lb, ub)

    def solve(
        self,
        objective: str,
        *,
        integral: bool,
        honest: np.ndarray,
        shortfall_cap: float | None,
        cost_cap: float | None,
        time_limit: float,
    ) -> OptimizeResult:
        """One phase: minimise total shortfall ("shortfall") or cost ("cost") under the given caps."""
        a, ub, integrality = self.constraints(honest)
        if integral:
            integrality[self.i_y : self.n_vars] = 1
        n = self.n_vars_total
        shortfall_row = np.zeros(n)
        shortfall_row[self.i_s : self.i_y] = 1.0
        cost = np.zeros(n)
        cost[: self.n_vars] = self.cost
        extra = []
        if shortfall_cap is not None and shortfall_cap > 0:
            extra.append(LinearConstraint(shortfall_row.reshape(1, -1), -_INF, shortfall_cap))
        if cost_cap is not None:
            extra.append(LinearConstraint(cost.reshape(1, -1), -_INF, cost_cap))
        c = shortfall_row if objective == "shortfall" else cost
        return milp(
            c,
            integrality=integrality,
            bounds=self.bounds(shortfall_zero=shortfall_cap == 0),
            constraints=[LinearConstraint(a, -_INF, ub), *extra],
            options={"time_limit": max(0.05, time_limit), "disp": False, "mip_rel_gap": 1e-6},
        )
