"""The independent checker itself: it accepts a hand-made valid plan and names each broken rule."""

from __future__ import annotations

import copy

import pytest

from tests.unit.charging.plan_checker import check_plan, violations
from tests.unit.charging.problems import booking, problem, vehicle


def _problem() -> dict:
    # two cars, one shared 11 kW charger; v1 away in slots 4..6, v2 away in 0..2
    return problem(
        [0.2, 0.1, 0.3, 0.3, 0.4, 0.4, 0.1, 0.1],
        [vehicle("v1", battery=40, soc=10, kw=11, reserve=2), vehicle("v2", battery=30, soc=0, kw=7.4)],
        [{"id": "c1", "max_kw": 11.0}, {"id": "c2", "max_kw": 3.7, "vehicles": ["v2"]}],
        [booking("b1", "v1", 4, 6, 15.0), booking("b2", "v2", 0, 2, 0.0)],
        grid=12.0,
        efficiency=0.9,
    )


def _plan() -> dict:
    # v1 charges 10 kW in slots 0..1 (18 kWh in): 28 kWh at b1's start; v2 charges at c2 from slot 2 on
    return {
        "windows": [
            {"vehicle": "v1", "charger": "c1", "start_slot": 0, "end_slot": 2, "power_kw": [10.0, 10.0]},
            {"vehicle": "v2", "charger": "c2", "start_slot": 2, "end_slot": 4, "power_kw": [2.0, 2.0]},
        ],
        "bookings": [
            {"id": "b1", "soc_at_start_kwh": 28.0, "shortfall_kwh": 0.0},
            {"id": "b2", "soc_at_start_kwh": 0.0, "shortfall_kwh": 0.0},
        ],
        "cost_eur": 10 * 0.2 + 10 * 0.1 + 2 * 0.3 + 2 * 0.3,
    }


def test_a_valid_plan_passes_with_the_checkers_own_figures():
    checked = check_plan(_problem(), _plan())
    assert checked.cost_eur == pytest.approx(4.2)
    assert checked.total_shortfall_kwh == 0.0
    assert checked.served == 2
    assert checked.energy_kwh == pytest.approx(24.0)


def _window(plan: dict, i: int, **changes) -> dict:
    plan["windows"][i].update(changes)
    return plan


def _broken(change) -> list[str]:
    plan = copy.deepcopy(_plan())
    prob = _problem()
    change(prob, plan)
    bad, _ = violations(prob, plan, tidy=False)
    return bad


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        # rule 1: charging while away
        (lambda pr, pl: _window(pl, 1, start_slot=1, end_slot=3, power_kw=[2.0, 2.0]), "(rule 1)"),
        # rule 2: a second charger in the same idle period
        (
            lambda pr, pl: pl["windows"].append(
                {"vehicle": "v1", "charger": "c2", "start_slot": 2, "end_slot": 3, "power_kw": [0.0]}
            ),
            "does not allow vehicle v1",
        ),
        (
            lambda pr, pl: pl["windows"].append(
                {"vehicle": "v2", "charger": "c1", "start_slot": 6, "end_slot": 7, "power_kw": [1.0]}
            ),
            "uses chargers",
        ),
        # rule 2: v2 plugs at c1 after its trip while v1 holds c1 for its whole idle period 0..4
        (lambda pr, pl: _window(pl, 1, charger="c1"), "held by v1"),
        # rule 3: car, charger and site limits
        (lambda pr, pl: _window(pl, 1, power_kw=[3.8, 2.0]), "exceeds 3.7 kW"),
        (lambda pr, pl: _window(pl, 0, power_kw=[11.5, 10.0]), "exceeds 11"),
        (lambda pr, pl: pr.update(grid_limit_kw=9.0), "exceeds grid limit"),
        # rule 4: the battery overfills
        (lambda pr, pl: pr["vehicles"][0].update(battery_kwh=25.0), "above battery capacity"),
        # rule 5/7: stated figures disagree with the windows
        (lambda pr, pl: pl["bookings"][0].update(soc_at_start_kwh=29.0), "stated soc"),
        (lambda pr, pl: pr["bookings"][0].update(energy_kwh=30.0), "stated shortfall"),
        (lambda pr, pl: pl.update(cost_eur=4.3), "stated cost"),
        (lambda pr, pl: pl["bookings"].pop(), "missing from the plan"),
        (lambda pr, pl: pl["bookings"].append(dict(pl["bookings"][0])), "appears twice"),
        (lambda pr, pl: pl["windows"].append({**pl["windows"][0], "end_slot": 9}), "outside the horizon"),
        (lambda pr, pl: _window(pl, 0, power_kw=[10.0]), "1 powers for 2 slots"),
        (lambda pr, pl: _window(pl, 0, power_kw=[-1.0, 10.0]), "not a non-negative number"),
    ],
)
def test_each_broken_rule_is_named(change, needle):
    bad = _broken(change)
    assert any(needle in line for line in bad), bad


def test_pv_pays_the_feed_in_price_and_lifts_the_site_limit():
    prob = _problem()
    prob["pv_kw"] = [5.0, 5.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    prob["feed_in_eur_per_kwh"] = 0.08
    prob["grid_limit_kw"] = 6.0  # 10 kW in slots 0..1 only fit with the PV
    plan = _plan()
    plan["cost_eur"] = 5 * 0.2 + 5 * 0.08 + 5 * 0.1 + 5 * 0.08 + 2 * 0.3 + 2 * 0.3
    assert check_plan(prob, plan).cost_eur == pytest.approx(3.5)
    prob["pv_kw"][1] = 3.0
    assert any("exceeds grid limit plus PV" in line for line in violations(prob, plan)[0])


def test_a_trip_never_leaves_the_battery_below_zero():
    prob = problem(
        [0.3] * 6,
        [vehicle("v1", battery=30, soc=5)],
        bookings=[booking("b1", "v1", 0, 1, 20.0), booking("b2", "v1", 3, 4, 5.0)],
    )
    plan = {
        "windows": [{"vehicle": "v1", "charger": "c0", "start_slot": 1, "end_slot": 2, "power_kw": [4.0]}],
        "bookings": [
            {"id": "b1", "soc_at_start_kwh": 5.0, "shortfall_kwh": 15.0},
            {"id": "b2", "soc_at_start_kwh": 4.0, "shortfall_kwh": 1.0},  # 0 after b1, not -15
        ],
        "cost_eur": 1.2,
    }
    checked = check_plan(prob, plan)
    assert (checked.served, checked.total_shortfall_kwh) == (0, pytest.approx(16.0))


def test_tidy_wants_maximal_windows():
    plan = _plan()
    plan["windows"][0:1] = [
        {"vehicle": "v1", "charger": "c1", "start_slot": 0, "end_slot": 1, "power_kw": [10.0]},
        {"vehicle": "v1", "charger": "c1", "start_slot": 1, "end_slot": 2, "power_kw": [10.0]},
    ]
    assert violations(_problem(), plan, tidy=False)[0] == []
    assert any("should be one run" in line for line in violations(_problem(), plan, tidy=True)[0])
