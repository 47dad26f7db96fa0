"""JSON form of problems and plans, with validation that names the offending field."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from .model import Booking, Charger, Plan, PlanningInputError, Problem, Vehicle, Window


def _get(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d:
        raise PlanningInputError(f"{where}{key}", "missing")
    return d[key]


def _number(value: Any, name: str, *, minimum: float | None = None, strict: bool = False) -> float:
    # bool is an int in Python, but `true` is never a sensible quantity
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanningInputError(name, f"must be a number, not {value!r}")
    if not math.isfinite(value):
        raise PlanningInputError(name, "must be finite")
    if minimum is not None and (value <= minimum if strict else value < minimum):
        raise PlanningInputError(name, f"must be {'>' if strict else '>='} {minimum:g}, not {value:g}")
    return float(value)


def _integer(value: Any, name: str, *, minimum: int) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanningInputError(name, f"must be a whole number, not {value!r}")
    if value < minimum:
        raise PlanningInputError(name, f"must be >= {minimum}, not {value}")
    return value


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise PlanningInputError(name, f"must be a non-empty string, not {value!r}")
    return value


def _objects(value: Any, name: str) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        raise PlanningInputError(name, "must be a list")
    for i, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise PlanningInputError(f"{name}[{i}]", "must be an object")
    return value


def _series(value: Any, name: str, length: int, *, minimum: float | None = None) -> tuple[float, ...]:
    if not isinstance(value, list):
        raise PlanningInputError(name, "must be a list of numbers")
    if len(value) != length:
        raise PlanningInputError(name, f"has {len(value)} values but the horizon has {length} slots")
    return tuple(_number(x, f"{name}[{i}]", minimum=minimum) for i, x in enumerate(value))


def _start(value: Any) -> datetime:
    text = _text(value, "start")
    try:
        start = datetime.fromisoformat(text)
    except ValueError:
        raise PlanningInputError("start", f"is not an RFC 3339 date-time: {text!r}") from None
    if start.tzinfo is None or start.utcoffset() is None:
        raise PlanningInputError("start", "needs a UTC offset, e.g. 2026-03-23T00:00:00+01:00")
    return start


def problem_from_dict(d: Any) -> Problem:
    """Build and validate a Problem from its JSON form; raises PlanningInputError with a clear message."""
    if not isinstance(d, Mapping):
        raise PlanningInputError("", "the problem must be a JSON object")
    slots = _integer(_get(d, "slots", ""), "slots", minimum=1)
    vehicles = []
    for i, v in enumerate(_objects(_get(d, "vehicles", ""), "vehicles")):
        where = f"vehicles[{i}]."
        vehicles.append(
            Vehicle(
                id=_text(_get(v, "id", where), where + "id"),
                battery_kwh=_number(_get(v, "battery_kwh", where), where + "battery_kwh", minimum=0, strict=True),
                soc_kwh=_number(_get(v, "soc_kwh", where), where + "soc_kwh", minimum=0),
                max_charge_kw=_number(_get(v, "max_charge_kw", where), where + "max_charge_kw", minimum=0),
                reserve_kwh=_number(_get(v, "reserve_kwh", where), where + "reserve_kwh", minimum=0),
            )
        )
    chargers = []
    for i, c in enumerate(_objects(_get(d, "chargers", ""), "chargers")):
        where = f"chargers[{i}]."
        allowed = c.get("vehicles")
        if allowed is not None:
            if not isinstance(allowed, list):
                raise PlanningInputError(where + "vehicles", "must be a list of vehicle ids")
            allowed = tuple(_text(x, f"{where}vehicles[{j}]") for j, x in enumerate(allowed))
        chargers.append(
            Charger(
                id=_text(_get(c, "id", where), where + "id"),
                max_kw=_number(_get(c, "max_kw", where), where + "max_kw", minimum=0),
                vehicles=allowed,
            )
        )
    bookings = []
    for i, b in enumerate(_objects(_get(d, "bookings", ""), "bookings")):
        where = f"bookings[{i}]."
        bookings.append(
            Booking(
                id=_text(_get(b, "id", where), where + "id"),
                vehicle=_text(_get(b, "vehicle", where), where + "vehicle"),
                start_slot=_integer(_get(b, "start_slot", where), where + "start_slot", minimum=0),
                end_slot=_integer(_get(b, "end_slot", where), where + "end_slot", minimum=0),
                energy_kwh=_number(_get(b, "energy_kwh", where), where + "energy_kwh", minimum=0),
            )
        )
    pv = d.get("pv_kw")
    problem = Problem(
        start=_start(_get(d, "start", "")),
        slot_minutes=_integer(_get(d, "slot_minutes", ""), "slot_minutes", minimum=1),
        slots=slots,
        grid_limit_kw=_number(_get(d, "grid_limit_kw", ""), "grid_limit_kw", minimum=0),
        tariff_eur_per_kwh=_series(_get(d, "tariff_eur_per_kwh", ""), "tariff_eur_per_kwh", slots),
        charge_efficiency=_number(_get(d, "charge_efficiency", ""), "charge_efficiency", minimum=0, strict=True),
        vehicles=tuple(vehicles),
        chargers=tuple(chargers),
        bookings=tuple(bookings),
        pv_kw=None if pv is None else _series(pv, "pv_kw", slots, minimum=0),
        feed_in_eur_per_kwh=_number(d.get("feed_in_eur_per_kwh", 0.0), "feed_in_eur_per_kwh"),
    )
    validate_problem(problem)
    return problem


def _unique(ids: Sequence[str], name: str) -> None:
    seen: set[str] = set()
    for i, x in enumerate(ids):
        if x in seen:
            raise PlanningInputError(f"{name}[{i}].id", f"duplicate id {x!r}")
        seen.add(x)


def validate_problem(problem: Problem) -> None:
    """Check the rules between fields (ids, slot ranges, overlaps); raises PlanningInputError."""
    if problem.charge_efficiency > 1:
        raise PlanningInputError("charge_efficiency", f"must be at most 1, not {problem.charge_efficiency:g}")
    if len(problem.tariff_eur_per_kwh) != problem.slots:
        raise PlanningInputError("tariff_eur_per_kwh", f"needs {problem.slots} values")
    if problem.pv_kw is not None and len(problem.pv_kw) != problem.slots:
        raise PlanningInputError("pv_kw", f"needs {problem.slots} values")
    _unique([v.id for v in problem.vehicles], "vehicles")
    _unique([c.id for c in problem.chargers], "chargers")
    _unique([b.id for b in problem.bookings], "bookings")
    vehicles = {v.id: v for v in problem.vehicles}
    for i, v in enumerate(problem.vehicles):
        if v.soc_kwh > v.battery_kwh:
            raise PlanningInputError(f"vehicles[{i}].soc_kwh", f"{v.soc_kwh:g} exceeds battery_kwh {v.battery_kwh:g}")
    for i, c in enumerate(problem.chargers):
        for vid in c.vehicles or ():
            if vid not in vehicles:
                raise PlanningInputError(f"chargers[{i}].vehicles", f"unknown vehicle {vid!r}")
    by_vehicle: dict[str, list[tuple[int, int, int]]] = {}
    for i, b in enumerate(problem.bookings):
        where = f"bookings[{i}]"
        if b.vehicle not in vehicles:
            raise PlanningInputError(f"{where}.vehicle", f"unknown vehicle {b.vehicle!r}")
        if b.end_slot > problem.slots:
            raise PlanningInputError(
                f"{where}.end_slot", f"{b.end_slot} is beyond the horizon of {problem.slots} slots"
            )
        if b.start_slot >= b.end_slot:
            raise PlanningInputError(f"{where}.end_slot", f"must be after start_slot {b.start_slot}")
        by_vehicle.setdefault(b.vehicle, []).append((b.start_slot, b.end_slot, i))
    for spans in by_vehicle.values():
        spans.sort()
        for (_, end, i), (start, _, j) in itertools.pairwise(spans):
            if start < end:
                raise PlanningInputError(
                    f"bookings[{j}]", f"overlaps bookings[{i}] of the same vehicle {problem.bookings[j].vehicle!r}"
                )


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON form of a problem."""
    d: dict[str, Any] = {
        "start": problem.start.isoformat(),
        "slot_minutes": problem.slot_minutes,
        "slots": problem.slots,
        "grid_limit_kw": problem.grid_limit_kw,
        "tariff_eur_per_kwh": list(problem.tariff_eur_per_kwh),
        "charge_efficiency": problem.charge_efficiency,
        "vehicles": [
            {
                "id": v.id,
                "battery_kwh": v.battery_kwh,
                "soc_kwh": v.soc_kwh,
                "max_charge_kw": v.max_charge_kw,
                "reserve_kwh": v.reserve_kwh,
            }
            for v in problem.vehicles
        ],
        "chargers": [
            {"id": c.id, "max_kw": c.max_kw} | ({} if c.vehicles is None else {"vehicles": list(c.vehicles)})
            for c in problem.chargers
        ],
        "bookings": [
            {
                "id": b.id,
                "vehicle": b.vehicle,
                "start_slot": b.start_slot,
                "end_slot": b.end_slot,
                "energy_kwh": b.energy_kwh,
            }
            for b in problem.bookings
        ],
    }
    if problem.pv_kw is not None:
        d["pv_kw"] = list(problem.pv_kw)
        d["feed_in_eur_per_kwh"] = problem.feed_in_eur_per_kwh
    return d


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The JSON form of a plan (windows, booking outcomes, cost)."""
    return {
        "windows": [
            {
                "vehicle": w.vehicle,
                "charger": w.charger,
                "start_slot": w.start_slot,
                "end_slot": w.end_slot,
                "power_kw": list(w.power_kw),
            }
            for w in plan.windows
        ],
        "bookings": [
            {"id": o.id, "soc_at_start_kwh": o.soc_at_start_kwh, "shortfall_kwh": o.shortfall_kwh}
            for o in plan.bookings
        ],
        "cost_eur": plan.cost_eur,
    }


def windows_from_dict(d: Any) -> tuple[Window, ...]:
    """Read the windows of a plan's JSON form (the stated numbers are recomputed by `evaluate`)."""
    if not isinstance(d, Mapping):
        raise PlanningInputError("", "the plan must be a JSON object")
    windows = []
    for i, w in enumerate(_objects(_get(d, "windows", ""), "windows")):
        where = f"windows[{i}]."
        power = _get(w, "power_kw", where)
        if not isinstance(power, list):
            raise PlanningInputError(where + "power_kw", "must be a list of numbers")
        windows.append(
            Window(
                vehicle=_text(_get(w, "vehicle", where), where + "vehicle"),
                charger=_text(_get(w, "charger", where), where + "charger"),
                start_slot=_integer(_get(w, "start_slot", where), where + "start_slot", minimum=0),
                end_slot=_integer(_get(w, "end_slot", where), where + "end_slot", minimum=0),
                power_kw=tuple(_number(x, f"{where}power_kw[{j}]", minimum=0) for j, x in enumerate(power)),
            )
        )
    return tuple(windows)
