"""Fast greedy planner for re-planning on every change (about 0.1 s for 50 cars x 672 slots).

Bookings are served in start order. Each need is filled from the cheapest capacity left before the
booking: in idle periods where the car already holds a charger, in the idle period just before the
trip if a charger is free for all of it, and only then by plugging in earlier periods. Ordering by
the end of the idle period is the classic greedy for interval scheduling, so a scarce charger goes
to as many periods as possible. A capacity ledger per slot and per charger keeps rules 2 and 3, and
a per-booking headroom keeps the battery below full at every later departure (rule 4).
"""

from __future__ import annotations

import numpy as np

from .assign import GroupLedger
from .evaluate import plan_from_power, total_cost
from .layout import POWER_EPS, Layout, build_layout
from .model import Plan, Problem
from .polish import polish
from .replug import replug

ENERGY_EPS = 1e-9
#: Swaps tried per short booking; each costs a replanning of two cars.
MAX_RESCUE_TRIES = 8
#: Rescues of a displaced car's trips per planning run (they chain a second swap behind the first).
MAX_NESTED_RESCUES = 6


class _Greedy:
    def __init__(self, layout: Layout, ledger: GroupLedger | None = None, may_plug: bool = True) -> None:
        self.layout = layout
        self.may_plug = may_plug
        n_v, n_t = layout.n_vehicles, layout.n_slots
        self.power = np.zeros((n_v, n_t))
        self.total = np.zeros(n_t)
        self.room = layout.problem.grid_limit_kw + layout.pv
        self.ledger = ledger if ledger is not None else GroupLedger(layout)
        self.period_group = self.ledger.period_group
        self.energy = np.zeros(len(layout.p_vehicle))  # kWh put into the battery per idle period
        self.soc_start = np.zeros(len(layout.b_start))
        self.soc_final = layout.soc0.copy()
        self.cap = layout.cap
        #: Nested rescues left (each may replan up to MAX_RESCUE_TRIES cars).
        self.nested_budget = MAX_NESTED_RESCUES

    def chain(self, v: int) -> None:
        """Recompute vehicle v's state of charge at each departure from the energy per idle period."""
        lay = self.layout
        soc = lay.soc0[v]
        for p in lay.vehicle_periods[v]:
            soc += self.energy[p]
            k = lay.p_next[p]
            if k < 0:
                self.soc_final[v] = soc
            else:
                self.soc_start[k] = soc
                soc = max(0.0, soc - lay.b_energy[k])

    def fill(self, v: int, targets: list[tuple[int, int, int]], slack: list[float], need: float) -> float:
        """Charge vehicle v in the cheapest free capacity of `targets` (period, charger, position).

        `slack[i]` is the room left in the battery at departure i; energy added in the period at
        position j raises the charge at every departure from j on. Returns the need left.
        """
        lay = self.layout
        idx = np.concatenate([np.arange(lay.p_start[p], lay.p_end[p]) for p, _, _ in targets])
        limit = np.concatenate([np.full(lay.p_end[p] - lay.p_start[p], self.cap[v, c]) for p, c, _ in targets])
        pos = np.concatenate([np.full(lay.p_end[p] - lay.p_start[p], j) for p, _, j in targets])
        own_room = np.minimum(limit - self.power[v, idx], self.room[idx] - self.total[idx])
        pv_left = lay.pv[idx] - self.total[idx]
        has_pv = pv_left > POWER_EPS
        seg = np.concatenate((np.flatnonzero(has_pv), np.arange(len(idx))))
        is_pv = np.concatenate((np.ones(has_pv.sum(), bool), np.zeros(len(idx), bool)))
        price = np.where(is_pv, lay.problem.feed_in_eur_per_kwh, lay.tariff[idx[seg]])
        useful = own_room[seg] > POWER_EPS
        seg, is_pv, price = seg[useful], is_pv[useful], price[useful]
        if len(seg) == 0:
            return need
        anchor = idx[seg[np.argmin(price)]]
        order = np.lexsort((np.abs(idx[seg] - anchor), np.round(price, 9)))
        for o in order:
            i = seg[o]
            t, j = idx[i], pos[i]
            grid = (lay.pv[t] if is_pv[o] else self.room[t]) - self.total[t]
            head = min(slack[j:]) / lay.eta
            amount = min(limit[i] - self.power[v, t], grid, head, need / lay.eta)
            if amount <= POWER_EPS:
                if head <= POWER_EPS and j == len(slack) - 1:
                    break  # the battery is full at the departure: no slot can help
                continue
            self.add(v, t, amount, j, slack)
            need -= amount * lay.eta
            if need <= ENERGY_EPS:
                break
        return need

    def add(self, v: int, t: int, amount: float, j: int, slack: list[float]) -> None:
        """Charge vehicle v `amount` kW more in slot t of its idle period at position j."""
        self.power[v, t] += amount
        self.total[t] += amount
        self.energy[self.layout.period_of[v, t]] += amount * self.layout.eta
        for m in range(j, len(slack)):
            slack[m] -= amount * self.layout.eta

    def serve(self, k: int) -> None:
        """Fill booking k's need from the cheapest capacity before it."""
        lay = self.layout
        v = lay.b_vehicle[k]
        ks = lay.vehicle_bookings[v]
        pos = ks.index(k)
        periods = lay.vehicle_periods[v][: pos + 1]
        self.chain(v)
        need = lay.b_req[k] - self.soc_start[k]
        if need <= ENERGY_EPS:
            return
        slack = [lay.battery[v] - self.soc_start[b] for b in ks[: pos + 1]]
        nonempty = [(p, j) for j, p in enumerate(periods) if lay.p_end[p] > lay.p_start[p]]
        targets = [(p, self.period_group[p], j) for p, j in nonempty if self.period_group[p] >= 0]
        last = periods[-1]
        if self.may_plug and self.period_group[last] < 0:
            g = self.ledger.free_group(last)
            if g >= 0:
                targets.append((last, g, pos))
        need = self._fill_and_plug(v, targets, slack, need)
        if need > ENERGY_EPS and self.may_plug:
            # plug in earlier idle periods after all (each blocks a charger, hence only now)
            late = [(p, self.ledger.free_group(p), j) for p, j in nonempty if self.period_group[p] < 0]
            need = self._fill_and_plug(v, [(p, g, j) for p, g, j in late if g >= 0], slack, need)
        if need > ENERGY_EPS:
            self.make_room(v, slack, need)
        self.chain(v)

    def _fill_and_plug(self, v: int, targets: list[tuple[int, int, int]], slack: list[float], need: float) -> float:
        if not targets:
            return need
        before = self.energy.copy()
        need = self.fill(v, targets, slack, need)
        for p, g, _ in targets:
            if self.period_group[p] < 0 and self.energy[p] > before[p]:
                self.ledger.plug(p, g)
        return need

    def make_room(self, v: int, slack: list[float], need: float) -> None:
        """Serve a short booking by shifting other cars' charging inside their own idle periods.

        Breadth-first search for a chain of such shifts (an augmenting path) from a full slot where
        v could charge to a slot with spare grid capacity; repeated while it helps.
        """
        lay = self.layout
        sources = {}
        for j, p in enumerate(lay.vehicle_periods[v][: len(slack)]):
            if self.period_group[p] >= 0:
                for t in range(lay.p_start[p], lay.p_end[p]):
                    sources[t] = (p, j)
        while need > ENERGY_EPS:
            parent: dict[int, tuple[int, int] | None] = {}
            queue = []
            for t, (p, j) in sources.items():
                if self.cap[v, self.period_group[p]] - self.power[v, t] > POWER_EPS and min(slack[j:]) > ENERGY_EPS:
                    parent[t] = None
                    queue.append(t)
            expanded: set[int] = set()
            sink = -1
            while queue and sink < 0:
                t = queue.pop(0)
                for w in np.flatnonzero(self.power[:, t] > POWER_EPS):
                    q = lay.period_of[w, t]
                    if w == v or q in expanded:
                        continue
                    expanded.add(q)
                    limit = self.cap[w, self.period_group[q]]
                    for u in range(lay.p_start[q], lay.p_end[q]):
                        if u in parent or limit - self.power[w, u] <= POWER_EPS:
                            continue
                        parent[u] = (t, w)
                        if self.room[u] - self.total[u] > POWER_EPS:
                            sink = u
                            break
                        queue.append(u)
                    if sink >= 0:
                        break
            if sink < 0:
                return
            path = []  # (from slot, to slot, vehicle moving)
            u = sink
            while parent[u] is not None:
                t, w = parent[u]
                path.append((t, u, w))
                u = t
            p, j = sources[u]
            amount = min(
                self.cap[v, self.period_group[p]] - self.power[v, u],
                min(slack[j:]) / lay.eta,
                need / lay.eta,
                self.room[sink] - self.total[sink],
            )
            for t, to, w in path:
                amount = min(
                    amount, self.power[w, t], self.cap[w, self.period_group[lay.period_of[w, to]]] - self.power[w, to]
                )
            for t, to, w in path:
                self.power[w, t] -= amount
                self.power[w, to] += amount
                self.total[t] -= amount
                self.total[to] += amount
            self.add(v, u, amount, j, slack)
            need -= amount * lay.eta

    def plug_spare(self) -> None:
        """Plug idle periods that still fit into a charger group, cheapest first: more room to shift charging."""
        lay = self.layout
        open_periods = np.flatnonzero((self.period_group < 0) & (lay.p_end > lay.p_start) & (lay.p_next >= 0))
        cheapest = np.array([lay.tariff[lay.p_start[p] : lay.p_end[p]].min() for p in open_periods])
        for p in open_periods[np.argsort(cheapest, kind="stable")]:
            g = self.ledger.free_group(p)
            if g >= 0:
                self.ledger.plug(p, g)

    def serve_all(self) -> None:
        """Serve every booking, in order of departure; try to rescue the ones left short."""
        lay = self.layout
        order = sorted(range(len(lay.b_start)), key=lambda k: (lay.b_start[k], lay.b_end[k]))
        for i, k in enumerate(order):
            self.serve(k)
            if self.may_plug and lay.b_req[k] - self.soc_start[k] > ENERGY_EPS:
                self.rescue(k, order[: i + 1])

    def _shortfall(self, bookings: list[int]) -> float:
        return float(np.maximum(0.0, self.layout.b_req[bookings] - self.soc_start[bookings]).sum())

    def rescue(self, k: int, done: list[int], depth: int = 0) -> None:
        """Give a short booking's car the charger of another car's idle period, if that car copes without it.

        Tries each period holding the only charger that stands in the way, replans the displaced
        car's trips so far (rescuing them in turn, one level deep, while the budget lasts) and keeps
        the swap only if the total shortfall drops.
        """
        lay = self.layout
        v = lay.b_vehicle[k]
        pos = lay.vehicle_bookings[v].index(k)
        tries = 0
        for p in reversed(lay.vehicle_periods[v][: pos + 1]):
            if self.period_group[p] >= 0 or lay.p_end[p] <= lay.p_start[p]:
                continue
            for g in np.flatnonzero(lay.cap[v] > 0):
                for removal in self.ledger.blockers(p, int(g)):
                    if tries >= MAX_RESCUE_TRIES:
                        return
                    tries += 1
                    before = self._shortfall(done)
                    saved = (self.power.copy(), self.total.copy(), self.energy.copy(), self.ledger.copy())
                    displaced = {int(lay.p_vehicle[q]) for q in removal}
                    for q in removal:
                        w, s, e = lay.p_vehicle[q], lay.p_start[q], lay.p_end[q]
                        self.total[s:e] -= self.power[w, s:e]
                        self.power[w, s:e] = 0.0
                        self.energy[q] = 0.0
                        self.ledger.unplug(q)
                    self.ledger.plug(p, int(g))
                    for b in [k, *(b for b in done if lay.b_vehicle[b] in displaced)]:
                        self.serve(b)
                    for x in (v, *displaced):
                        self.chain(x)
                    nested = False
                    for b in [b for b in done if lay.b_vehicle[b] in displaced] if depth == 0 else ():
                        if self.nested_budget > 0 and lay.b_req[b] - self.soc_start[b] > ENERGY_EPS:
                            self.nested_budget -= 1
                            nested = True
                            self.rescue(b, done, depth + 1)
                    if self._shortfall(done) < before - ENERGY_EPS:
                        return
                    self.power, self.total, self.energy, self.ledger = saved
                    self.period_group = self.ledger.period_group
                    for x in range(lay.n_vehicles) if nested else (v, *displaced):
                        self.chain(x)

    def score(self) -> tuple[float, float]:
        """(total shortfall, cost) of the current powers, for comparing two greedy runs."""
        lay = self.layout
        for v in range(lay.n_vehicles):
            self.chain(v)
        shortfall = float(np.maximum(0.0, lay.b_req - self.soc_start).sum())
        return round(shortfall, 6), total_cost(lay, self.power)

    def soak_negative_prices(self) -> None:
        """Charge extra where drawing power earns money (negative prices), within battery room."""
        lay = self.layout
        negative = (lay.tariff < 0) | ((lay.pv > 0) & (lay.problem.feed_in_eur_per_kwh < 0))
        if not negative.any():
            return
        for v, periods in enumerate(lay.vehicle_periods):
            for j, p in enumerate(periods):
                s, e = lay.p_start[p], lay.p_end[p]
                if e <= s or not negative[s:e].any():
                    continue
                g = self.period_group[p] if self.period_group[p] >= 0 else self.ledger.free_group(p)
                if g < 0:
                    continue
                self.chain(v)
                later = [lay.battery[v] - self.soc_start[k] for k in lay.vehicle_bookings[v][j:]]
                slack = [min([*later, lay.battery[v] - self.soc_final[v]])]
                for t in sorted((t for t in range(s, e) if negative[t]), key=lambda t: lay.tariff[t]):
                    amount = min(self.cap[v, g] - self.power[v, t], self.room[t] - self.total[t], slack[0] / lay.eta)
                    if amount > POWER_EPS:
                        self.add(v, t, amount, 0, slack)
                        if self.period_group[p] < 0:
                            self.ledger.plug(p, g)


def heuristic_power(layout: Layout) -> tuple[np.ndarray, np.ndarray]:
    """Greedy power matrix and charger per idle period (before polishing)."""
    greedy = _Greedy(layout)
    own = layout.own_chargers()
    if own is not None:
        # a charger per car: plug every idle period, nobody competes for chargers
        for p, v in enumerate(layout.p_vehicle):
            if own[v] >= 0 and layout.p_end[p] > layout.p_start[p]:
                greedy.ledger.plug(p, layout.group_of(int(own[v])))
        greedy.serve_all()
    else:
        # first plug only where needed, then add the periods that still fit and plan again with
        # them all: the second pass finds cheaper hours, the first one is kept if it served more
        greedy.serve_all()
        greedy.plug_spare()
        second = _Greedy(layout, greedy.ledger, may_plug=False)
        second.serve_all()
        if second.score() <= greedy.score():
            greedy = second
        replug(greedy)
    greedy.soak_negative_prices()
    return greedy.power, greedy.ledger.chargers()


def solve_heuristic(problem: Problem) -> Plan:
    """Fast greedy plan: serve bookings in start order from the cheapest capacity, then polish."""
    layout = build_layout(problem)
    power, period_charger = heuristic_power(layout)
    power = polish(layout, power, period_charger)
    return plan_from_power(layout, power, period_charger, "heuristic")
