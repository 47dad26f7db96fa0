"""Independent checker of FORMAT.md's rules for a plan, written from the spec on plain JSON dicts.

It deliberately shares no code with sharing.domain.charging: a planner bug must not hide itself
by also living in its own checker. Slot by slot, no numpy, no cleverness.

Reading of rule 2 used here: a vehicle that has a window in an idle period occupies that window's
charger for the whole idle period; two such occupations of the same charger by different vehicles
must not overlap in time (whether or not both draw power in the overlap).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

TOL_KW = 1e-6
TOL_KWH = 1e-4
TOL_REL = 1e-6


@dataclass(frozen=True)
class Checked:
    """Figures the checker computed itself from the windows."""

    cost_eur: float
    total_shortfall_kwh: float
    served: int
    energy_kwh: float


def _idle_periods(bookings: list[dict[str, Any]], slots: int) -> list[tuple[int, int]]:
    periods, edge = [], 0
    for b in sorted(bookings, key=lambda b: b["start_slot"]):
        periods.append((edge, b["start_slot"]))
        edge = b["end_slot"]
    periods.append((edge, slots))
    return periods


def _is_number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _read_windows(problem: dict[str, Any], plan: dict[str, Any], tidy: bool, bad: list[str]) -> tuple[dict, dict]:
    """Power and charger per vehicle and slot; window shape, charger permission, power limits (rule 3)."""
    slots = problem["slots"]
    vehicles = {v["id"]: v for v in problem["vehicles"]}
    chargers = {c["id"]: c for c in problem["chargers"]}
    power = {vid: [0.0] * slots for vid in vehicles}
    charger_at: dict[str, list[str | None]] = {vid: [None] * slots for vid in vehicles}
    runs: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for i, w in enumerate(plan["windows"]):
        vid, cid, start, end, kw = w["vehicle"], w["charger"], w["start_slot"], w["end_slot"], w["power_kw"]
        if vid not in vehicles or cid not in chargers:
            bad.append(f"window {i}: unknown vehicle {vid!r} or charger {cid!r}")
            continue
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= slots):
            bad.append(f"window {i}: slots {start}..{end} outside the horizon")
            continue
        if len(kw) != end - start:
            bad.append(f"window {i}: {len(kw)} powers for {end - start} slots")
            continue
        allowed = chargers[cid].get("vehicles")
        if allowed is not None and vid not in allowed:
            bad.append(f"window {i}: charger {cid} does not allow vehicle {vid} (rule 2)")
        runs.setdefault((vid, cid), []).append((start, end))
        for t, p in zip(range(start, end), kw, strict=True):
            if not (_is_number(p) and p >= 0):
                bad.append(f"window {i}: power {p!r} at slot {t} is not a non-negative number")
                continue
            if tidy and p <= 0:
                bad.append(f"window {i}: zero power at slot {t}; windows should be runs of power > 0")
            if charger_at[vid][t] not in (None, cid):
                bad.append(f"window {i}: vehicle {vid} at chargers {charger_at[vid][t]} and {cid} in slot {t} (rule 2)")
            charger_at[vid][t] = cid
            power[vid][t] += p
    for vid, v in vehicles.items():
        for t in range(slots):
            cid = charger_at[vid][t]
            if cid is not None:
                limit = min(v["max_charge_kw"], chargers[cid]["max_kw"])
                if power[vid][t] > limit + TOL_KW:
                    bad.append(f"vehicle {vid}: {power[vid][t]} kW at slot {t} exceeds {limit} kW (rule 3)")
    if tidy:
        for (vid, cid), spans in runs.items():
            spans.sort()
            for (_, e1), (s2, _) in itertools.pairwise(spans):
                if s2 <= e1:
                    bad.append(f"windows of {vid} at {cid} touch or overlap at slot {s2}; they should be one run")
    return power, charger_at


def _check_parking(problem: dict, trips: dict, power: dict, charger_at: dict, bad: list[str]) -> None:
    """Rules 1 and 2: no charging while away; one charger per idle period, held for all of it."""
    occupations: dict[str, list[tuple[int, int, str]]] = {}
    for vid in power:
        for b in trips[vid]:
            for t in range(b["start_slot"], b["end_slot"]):
                if power[vid][t] > 0 or charger_at[vid][t] is not None:
                    bad.append(f"vehicle {vid} charges at slot {t} during booking {b['id']} (rule 1)")
        for start, end in _idle_periods(trips[vid], problem["slots"]):
            used = {charger_at[vid][t] for t in range(start, end)} - {None}
            if len(used) > 1:
                bad.append(f"vehicle {vid} uses chargers {sorted(used)} in one idle period {start}..{end} (rule 2)")
            for cid in used:
                occupations.setdefault(cid, []).append((start, end, vid))
    for cid, occ in occupations.items():
        for i, (s1, e1, v1) in enumerate(occ):
            for s2, e2, v2 in occ[i + 1 :]:
                if v1 != v2 and s1 < e2 and s2 < e1:
                    bad.append(f"charger {cid} held by {v1} ({s1}..{e1}) and {v2} ({s2}..{e2}) at once (rule 2)")


def _soc_at_starts(problem: dict, trips: dict, power: dict, bad: list[str]) -> dict[str, float]:
    """Rule 4 slot by slot: the charge at each booking's start; flags a battery over its capacity."""
    hours = problem["slot_minutes"] / 60
    eff = problem["charge_efficiency"]
    slots = problem["slots"]
    soc_at = {}
    for v in problem["vehicles"]:
        vid = v["id"]
        soc = v["soc_kwh"]
        starts = {b["start_slot"]: b for b in trips[vid]}
        ends = {b["end_slot"]: b for b in trips[vid]}
        over = None
        for t in range(slots + 1):
            if t in ends:
                soc = max(0.0, soc - ends[t]["energy_kwh"])
            if t in starts:
                soc_at[starts[t]["id"]] = soc
            if t == slots:
                break
            soc += eff * power[vid][t] * hours
            if over is None and soc > v["battery_kwh"] + TOL_KWH:
                over = t
                bad.append(f"vehicle {vid} above battery capacity after slot {t}: {soc:.6f} kWh (rule 4)")
    return soc_at


def violations(problem: dict[str, Any], plan: dict[str, Any], tidy: bool = False) -> tuple[list[str], Checked]:
    """All rule violations of `plan` for `problem`, and the figures implied by the windows.

    With `tidy`, also require what this planner promises beyond the format: each window is a maximal
    run of positive power.
    """
    bad: list[str] = []
    slots = problem["slots"]
    hours = problem["slot_minutes"] / 60
    tariff = problem["tariff_eur_per_kwh"]
    pv = problem.get("pv_kw") or [0.0] * slots
    feed_in = problem.get("feed_in_eur_per_kwh", 0.0)
    vehicles = {v["id"]: v for v in problem["vehicles"]}
    trips = {vid: [b for b in problem["bookings"] if b["vehicle"] == vid] for vid in vehicles}

    power, charger_at = _read_windows(problem, plan, tidy, bad)
    _check_parking(problem, trips, power, charger_at, bad)

    # rule 3: the site limit
    totals = [sum(power[vid][t] for vid in vehicles) for t in range(slots)]
    for t in range(slots):
        if totals[t] > problem["grid_limit_kw"] + pv[t] + TOL_KW:
            bad.append(f"slot {t}: {totals[t]:.6f} kW exceeds grid limit plus PV (rule 3)")

    soc_at = _soc_at_starts(problem, trips, power, bad)

    # rules 5 and 7: the stated numbers agree with the windows, every booking once
    stated: dict[str, dict] = {}
    for o in plan["bookings"]:
        if o["id"] in stated:
            bad.append(f"booking {o['id']} appears twice in the plan (rule 7)")
        stated[o["id"]] = o
    shortfall_total, served = 0.0, 0
    for b in problem["bookings"]:
        v = vehicles[b["vehicle"]]
        soc = soc_at[b["id"]]
        need = min(b["energy_kwh"] + v["reserve_kwh"], v["battery_kwh"])
        shortfall = max(0.0, need - soc)
        shortfall_total += shortfall
        served += shortfall <= TOL_KWH
        o = stated.get(b["id"])
        if o is None:
            bad.append(f"booking {b['id']} missing from the plan (rule 7)")
            continue
        if not (_is_number(o["soc_at_start_kwh"]) and _is_number(o["shortfall_kwh"])):
            bad.append(f"booking {b['id']}: stated figures are not finite numbers")
            continue
        if abs(o["soc_at_start_kwh"] - soc) > TOL_KWH + TOL_REL * abs(soc):
            bad.append(f"booking {b['id']}: stated soc {o['soc_at_start_kwh']} but windows give {soc} (rule 7)")
        if abs(o["shortfall_kwh"] - shortfall) > TOL_KWH + TOL_REL * shortfall:
            bad.append(
                f"booking {b['id']}: stated shortfall {o['shortfall_kwh']} but windows give {shortfall} (rule 7)"
            )
    unknown = set(stated) - {b["id"] for b in problem["bookings"]}
    if unknown:
        bad.append(f"plan states unknown bookings {sorted(unknown)} (rule 7)")

    # rule 6
    cost = 0.0
    for t in range(slots):
        grid = max(0.0, totals[t] - pv[t])
        own_pv = min(totals[t], pv[t])
        cost += (grid * tariff[t] + own_pv * feed_in) * hours
    if not _is_number(plan["cost_eur"]) or abs(plan["cost_eur"] - cost) > TOL_REL * max(1.0, abs(cost)):
        bad.append(f"stated cost {plan['cost_eur']} but windows give {cost} (rule 7)")
    return bad, Checked(cost, shortfall_total, served, sum(totals) * hours)


def check_plan(problem: dict[str, Any], plan: dict[str, Any], tidy: bool = True) -> Checked:
    """Assert that the plan keeps every rule (and, with `tidy`, has maximal windows); returns the checker's figures."""
    bad, checked = violations(problem, plan, tidy)
    assert not bad, "plan breaks FORMAT.md:\n  " + "\n  ".join(bad[:20])
    return checked
