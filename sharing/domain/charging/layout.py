"""Array view of a problem shared by the solvers: bookings, idle periods and charger groups by index."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from .model import Problem

#: Powers below this (kW) are treated as zero; far below any meter's resolution.
POWER_EPS = 1e-7


@dataclass(frozen=True)
class Layout:
    """Index structures derived once from a Problem.

    Vehicle v's bookings in time order are k = 0..K-1; its idle period k is the gap before booking k
    and period K the gap after its last one (periods may be empty). Chargers with the same power and
    the same allowed vehicles form a group: they are interchangeable, which lets the optimiser count
    plugged cars per group instead of choosing a specific charger (no symmetric duplicates).
    """

    problem: Problem
    eta: float  # kWh into the battery per kW drawn during one slot
    battery: np.ndarray  # (V,)
    soc0: np.ndarray  # (V,)
    tariff: np.ndarray  # (T,)
    pv: np.ndarray  # (T,)
    b_vehicle: np.ndarray  # (B,) vehicle index of each booking
    b_start: np.ndarray
    b_end: np.ndarray
    b_energy: np.ndarray
    b_req: np.ndarray  # charge needed at the start to be served (rule 5)
    vehicle_bookings: tuple[tuple[int, ...], ...]  # booking indices per vehicle, in time order
    p_vehicle: np.ndarray  # (NP,) periods
    p_start: np.ndarray
    p_end: np.ndarray
    p_next: np.ndarray  # booking that ends the period, -1 for the last one
    vehicle_periods: tuple[tuple[int, ...], ...]
    period_of: np.ndarray  # (V, T) period id of each parked slot, -1 while away
    groups: tuple[tuple[int, ...], ...]  # charger indices per group
    cap: np.ndarray  # (V, G) power vehicle v can draw at a charger of group g (0: not allowed)

    @property
    def n_vehicles(self) -> int:
        """Number of vehicles."""
        return len(self.battery)

    @property
    def n_slots(self) -> int:
        """Number of slots in the horizon."""
        return len(self.tariff)

    @property
    def best_cap(self) -> np.ndarray:
        """Most power each vehicle can draw at any charger it may use."""
        return self.cap.max(axis=1) if self.cap.shape[1] else np.zeros(self.n_vehicles)

    def charger_cap(self, vehicle: int, charger: int) -> float:
        """Power a vehicle can draw at one charger (0 if not allowed)."""
        c = self.problem.chargers[charger]
        v = self.problem.vehicles[vehicle]
        return min(v.max_charge_kw, c.max_kw) if c.allows(v.id) else 0.0

    def group_of(self, charger: int) -> int:
        """Group index of a charger."""
        return next(g for g, members in enumerate(self.groups) if charger in members)

    def own_chargers(self) -> np.ndarray | None:
        """A charger per vehicle giving each its best power exclusively, or None if there is none.

        When it exists, rule 2 never binds and the charging LP is exact.
        """
        n_v, n_c = self.n_vehicles, len(self.problem.chargers)
        best = self.best_cap
        edges = np.array(
            [[best[v] > 0 and self.charger_cap(v, c) >= best[v] for c in range(n_c)] for v in range(n_v)], dtype=bool
        ).reshape(n_v, n_c)
        needed = best > 0
        if needed.sum() > n_c:
            return None
        match = maximum_bipartite_matching(csr_matrix(edges[needed].astype(np.int8)), perm_type="column")
        if (match < 0).any():
            return None
        result = np.full(n_v, -1)
        result[needed] = match
        return result


def build_layout(problem: Problem) -> Layout:
    """Derive the index structures of a (validated) problem."""
    n_v, n_t = len(problem.vehicles), problem.slots
    vindex = {v.id: i for i, v in enumerate(problem.vehicles)}
    battery = np.array([v.battery_kwh for v in problem.vehicles], dtype=float)
    b_vehicle = np.array([vindex[b.vehicle] for b in problem.bookings], dtype=int)
    b_energy = np.array([b.energy_kwh for b in problem.bookings], dtype=float)
    reserve = np.array([v.reserve_kwh for v in problem.vehicles], dtype=float)
    b_req = np.minimum(b_energy + reserve[b_vehicle], battery[b_vehicle]) if len(b_vehicle) else np.zeros(0)
    b_start = np.array([b.start_slot for b in problem.bookings], dtype=int)
    b_end = np.array([b.end_slot for b in problem.bookings], dtype=int)

    vehicle_bookings = tuple(
        tuple(sorted(np.flatnonzero(b_vehicle == v).tolist(), key=lambda k: b_start[k])) for v in range(n_v)
    )
    p_vehicle, p_start, p_end, p_next, vehicle_periods = [], [], [], [], []
    period_of = np.full((n_v, n_t), -1, dtype=int)
    for v, ks in enumerate(vehicle_bookings):
        ids = []
        edge = 0
        for k in (*ks, -1):
            end = b_start[k] if k >= 0 else n_t
            ids.append(len(p_vehicle))
            period_of[v, edge:end] = len(p_vehicle)
            p_vehicle.append(v)
            p_start.append(edge)
            p_end.append(end)
            p_next.append(k)
            if k >= 0:
                edge = b_end[k]
        vehicle_periods.append(tuple(ids))

    keys: dict[tuple[float, tuple[str, ...] | None], list[int]] = {}
    for c, charger in enumerate(problem.chargers):
        allowed = None if charger.vehicles is None else tuple(sorted(set(charger.vehicles)))
        keys.setdefault((charger.max_kw, allowed), []).append(c)
    groups = tuple(tuple(members) for members in keys.values())
    vmax = np.array([v.max_charge_kw for v in problem.vehicles], dtype=float)
    cap = np.zeros((n_v, len(groups)))
    for g, ((kw, allowed), _) in enumerate(keys.items()):
        mask = np.ones(n_v, bool) if allowed is None else np.isin([v.id for v in problem.vehicles], allowed)
        cap[:, g] = np.where(mask, np.minimum(vmax, kw), 0.0)

    return Layout(
        problem=problem,
        eta=problem.charge_efficiency * problem.slot_hours,
        battery=battery,
        soc0=np.array([v.soc_kwh for v in problem.vehicles], dtype=float),
        tariff=np.array(problem.tariff_eur_per_kwh, dtype=float),
        pv=np.zeros(n_t) if problem.pv_kw is None else np.array(problem.pv_kw, dtype=float),
        b_vehicle=b_vehicle,
        b_start=b_start,
        b_end=b_end,
        b_energy=b_energy,
        b_req=b_req,
        vehicle_bookings=vehicle_bookings,
        p_vehicle=np.array(p_vehicle, dtype=int),
        p_start=np.array(p_start, dtype=int),
        p_end=np.array(p_end, dtype=int),
        p_next=np.array(p_next, dtype=int),
        vehicle_periods=tuple(vehicle_periods),
        period_of=period_of,
        groups=groups,
        cap=cap,
    )
