"""Rule 2 bookkeeping: idle periods counted per group of interchangeable chargers, then coloured."""

from __future__ import annotations

import numpy as np

from .layout import Layout


def colour(layout: Layout, periods: np.ndarray, group: np.ndarray) -> np.ndarray | None:
    """Concrete charger per plugged idle period, given each one's charger group (-1 elsewhere).

    Greedy colouring by start time uses at most as many chargers as the most periods of a group
    overlapping at one moment (interval graphs are perfect); None if that is more than the group has.
    """
    charger = np.full(len(layout.p_vehicle), -1)
    for g, members in enumerate(layout.groups):
        free_from = dict.fromkeys(members, 0)
        mine = periods[group == g]
        for p in mine[np.argsort(layout.p_start[mine], kind="stable")]:
            ready = [c for c, t in free_from.items() if t <= layout.p_start[p]]
            if not ready:
                return None
            c = max(ready, key=lambda c: free_from[c])  # best fit keeps long-free chargers for later
            charger[p] = c
            free_from[c] = layout.p_end[p]
    return charger


class GroupLedger:
    """How many idle periods are plugged into each charger group at each slot."""

    def __init__(self, layout: Layout) -> None:
        self.layout = layout
        self.size = np.array([len(members) for members in layout.groups])
        self.used = np.zeros((len(layout.groups), layout.n_slots), dtype=int)
        self.period_group = np.full(len(layout.p_vehicle), -1)
        chargers = layout.problem.chargers
        # restricted chargers are kept for the cars that may use them: try them first
        self.openness = np.array(
            [
                len(chargers[m[0]].vehicles or ()) if chargers[m[0]].vehicles is not None else 10**9
                for m in layout.groups
            ]
        )

    def free_group(self, p: int) -> int:
        """Best group with a charger free for the whole idle period p: most power, then most restricted (-1: none)."""
        lay = self.layout
        v, s, e = lay.p_vehicle[p], lay.p_start[p], lay.p_end[p]
        if e <= s or not len(self.size):
            return -1
        ok = (lay.cap[v] > 0) & (self.used[:, s:e].max(axis=1) < self.size)
        if not ok.any():
            return -1
        candidates = np.flatnonzero(ok)
        return int(candidates[np.lexsort((self.openness[candidates], -lay.cap[v, candidates]))[0]])

    def plug(self, p: int, g: int) -> None:
        """Occupy a charger of group g for the whole idle period p."""
        self.period_group[p] = g
        self.used[g, self.layout.p_start[p] : self.layout.p_end[p]] += 1

    def unplug(self, p: int) -> None:
        """Free the charger held for idle period p."""
        g = self.period_group[p]
        self.period_group[p] = -1
        self.used[g, self.layout.p_start[p] : self.layout.p_end[p]] -= 1

    def blockers(self, p: int, g: int, most: int = 3) -> list[list[int]]:
        """Sets of plugged periods in group g whose removal would let idle period p plug into g.

        Each period alone that covers every full slot, then one greedy cover of the full slots
        (periods covering most of them first) if it needs at most `most` periods.
        """
        lay = self.layout
        s, e = lay.p_start[p], lay.p_end[p]
        full = s + np.flatnonzero(self.used[g, s:e] >= self.size[g])
        if not len(full):
            return []
        mine = np.flatnonzero(self.period_group == g)
        covers = (lay.p_start[mine][:, None] <= full[None, :]) & (full[None, :] < lay.p_end[mine][:, None])
        singles = [[int(q)] for q in mine[covers.all(axis=1)]]
        chosen: list[int] = []
        left = np.ones(len(full), dtype=bool)
        while left.any() and len(chosen) < most:
            gain = (covers & left).sum(axis=1)
            best = int(np.argmax(gain))
            if gain[best] == 0:
                break
            chosen.append(int(mine[best]))
            left &= ~covers[best]
        cover = [chosen] if not left.any() and len(chosen) > 1 else []
        return singles + cover

    def copy(self) -> GroupLedger:
        """An independent copy."""
        other = GroupLedger.__new__(GroupLedger)
        other.layout, other.size, other.openness = self.layout, self.size, self.openness
        other.used, other.period_group = self.used.copy(), self.period_group.copy()
        return other

    def chargers(self) -> np.ndarray:
        """Concrete charger per idle period (-1: not plugged)."""
        plugged = np.flatnonzero(self.period_group >= 0)
        charger = colour(self.layout, plugged, self.period_group[plugged])
        if charger is None:  # cannot happen: plug() never exceeds a group's size
            raise AssertionError("charger groups over-committed")
        return charger
