"""Hand-made problems whose optimum is worked out on paper; every plan goes through the independent checker.

Hourly slots and an efficiency of 1 unless a test says otherwise, so kW in a slot are kWh.
"""

from __future__ import annotations

import pytest

from sharing.domain.charging import lp_lower_bound, problem_from_dict
from tests.unit.charging.problems import booking, problem, solve_checked, vehicle

PLANNERS = ["exact", "heuristic", "auto"]


def _power(plan, vid: str) -> dict[int, float]:
    out: dict[int, float] = {}
    for w in plan.windows:
        if w.vehicle == vid:
            for t, p in zip(range(w.start_slot, w.end_slot), w.power_kw, strict=True):
                out[t] = out.get(t, 0.0) + p
    return out


@pytest.mark.parametrize("method", PLANNERS)
def test_tariff_valley(method):
    # 10 kWh missing before the trip at slot 6; the valley (slots 2, 3) holds 22 kWh at 0.10
    d = problem(
        [0.3, 0.3, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3, 0.05, 0.05],
        [vehicle("v1", battery=50, soc=10)],
        bookings=[booking("b1", "v1", 6, 8, 20.0)],
    )
    plan, checked = solve_checked(d, method)
    assert checked.total_shortfall_kwh == 0
    assert checked.cost_eur == pytest.approx(1.0)
    assert set(_power(plan, "v1")) <= {2, 3}  # nothing after the trip: the cheap slots 8, 9 serve no booking
    assert len(plan.windows) == 1  # one uninterrupted window


@pytest.mark.parametrize("method", PLANNERS)
def test_efficiency_and_slot_length(method):
    # 15-minute slots at 90 %: 9 kWh into the battery need 10 kWh drawn, 40 kW x 0.25 h
    d = problem(
        [0.4] * 4 + [0.2] * 4 + [0.4] * 4,
        [vehicle("v1", battery=60, soc=20, kw=11.0, reserve=5.0)],
        bookings=[booking("b1", "v1", 10, 12, 24.0)],
        slot_minutes=15,
        efficiency=0.9,
    )
    plan, checked = solve_checked(d, method)
    assert checked.total_shortfall_kwh == 0
    assert plan.bookings[0].soc_at_start_kwh == pytest.approx(29.0, abs=1e-4)
    assert checked.cost_eur == pytest.approx(10 * 0.2)


@pytest.mark.parametrize("method", PLANNERS)
def test_grid_limit_binding(method):
    # two cars need 11 kWh each by slot 3; 11 kW of connection: one gets 0.10, the other 0.20
    d = problem(
        [0.3, 0.1, 0.2, 0.3, 0.3],
        [vehicle("v1", soc=0), vehicle("v2", soc=0)],
        bookings=[booking("b1", "v1", 3, 5, 11.0), booking("b2", "v2", 3, 5, 11.0)],
        grid=11.0,
    )
    plan, checked = solve_checked(d, method)
    assert checked.total_shortfall_kwh == 0
    assert checked.cost_eur == pytest.approx(11 * 0.1 + 11 * 0.2)
    total = {t: _power(plan, "v1").get(t, 0) + _power(plan, "v2").get(t, 0) for t in range(5)}
    assert total[1] == pytest.approx(11.0) and total[2] == pytest.approx(11.0)


@pytest.mark.parametrize("method", PLANNERS)
def test_shared_point_in_turns(method):
    # one charger: v1 is parked 0..4 then away; v2 is away 0..4, parked 4..10, away from 10
    d = problem(
        [0.2, 0.1, 0.3, 0.3, 0.3, 0.1, 0.1, 0.3, 0.3, 0.3, 0.3, 0.3],
        [vehicle("v1", soc=0), vehicle("v2", soc=0)],
        [{"id": "c1", "max_kw": 11.0}],
        [booking("b1", "v1", 4, 12, 15.0), booking("b2", "v2", 0, 4, 0.0), booking("b3", "v2", 10, 12, 20.0)],
    )
    _, checked = solve_checked(d, method)
    assert checked.total_shortfall_kwh == 0
    # v1: 11 at 0.10 + 4 at 0.20; v2: 20 at 0.10 (slots 5, 6)
    assert checked.cost_eur == pytest.approx(1.1 + 0.8 + 2.0)


def test_shared_point_serves_the_bigger_need():
    # one charger, both cars parked from slot 0: whoever plugs first holds it until its trip.
    # v1 (trip at 3) needs 5 kWh, v2 (trip at 8) needs 20: the least total shortfall is 5 kWh.
    d = problem(
        [0.3, 0.2, 0.1, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3],
        [vehicle("v1", soc=0), vehicle("v2", soc=0)],
        [{"id": "c1", "max_kw": 11.0}],
        [booking("b1", "v1", 3, 10, 5.0), booking("b2", "v2", 8, 10, 20.0)],
    )
    exact, checked = solve_checked(d, "exact")
    assert checked.total_shortfall_kwh == pytest.approx(5.0)
    assert [o.shortfall_kwh for o in exact.bookings] == [pytest.approx(5.0), 0.0]
    assert checked.cost_eur == pytest.approx(11 * 0.1 + 9 * 0.2)
    _, heuristic = solve_checked(d, "heuristic")
    assert heuristic.total_shortfall_kwh >= checked.total_shortfall_kwh - 1e-4


@pytest.mark.parametrize("method", PLANNERS)
def test_restricted_charger(method):
    # the fast charger is v2's own; v1 must use the slow public one
    d = problem(
        [0.1, 0.1, 0.3, 0.3],
        [vehicle("v1", soc=0, kw=22), vehicle("v2", soc=0, kw=22)],
        [{"id": "fast", "max_kw": 22.0, "vehicles": ["v2"]}, {"id": "slow", "max_kw": 3.7}],
        [booking("b1", "v1", 2, 4, 7.4), booking("b2", "v2", 2, 4, 20.0)],
    )
    plan, checked = solve_checked(d, method)
    assert checked.total_shortfall_kwh == 0
    assert {w.vehicle: w.charger for w in plan.windows} == {"v1": "slow", "v2": "fast"}
    assert checked.cost_eur == pytest.approx(2.74)


@pytest.mark.parametrize("method", [*PLANNERS, "dumb"])
def test_infeasible_trip_leaves_the_least_shortfall(method):
    # 3.7 kW for two hours is 7.4 kWh; the trip (with reserve, capped at the battery) needs 40
    d = problem(
        [0.3, 0.2, 0.3, 0.3],
        [vehicle("v1", battery=40, soc=5, kw=3.7, reserve=5)],
        bookings=[booking("b1", "v1", 2, 4, 60.0)],
    )
    plan, checked = solve_checked(d, method)
    assert plan.bookings[0].soc_at_start_kwh == pytest.approx(12.4)
    assert checked.total_shortfall_kwh == pytest.approx(40 - 12.4)
    assert checked.served == 0 and plan.served_count == 0
    assert checked.cost_eur == pytest.approx(3.7 * 0.3 + 3.7 * 0.2)


@pytest.mark.parametrize("method", PLANNERS)
def test_an_empty_battery_after_a_long_trip(method):
    # b1 needs more than the battery holds: the car comes back empty (not negative), then needs 10 kWh
    d = problem(
        [0.3, 0.3, 0.2, 0.1, 0.3, 0.3],
        [vehicle("v1", battery=30, soc=30)],
        bookings=[booking("b1", "v1", 0, 2, 40.0), booking("b2", "v1", 4, 6, 10.0)],
    )
    plan, checked = solve_checked(d, method)
    assert [o.shortfall_kwh for o in plan.bookings] == [0.0, 0.0]  # b1 needs min(40, 30): a full battery
    assert checked.cost_eur == pytest.approx(10 * 0.1)


@pytest.mark.parametrize("method", PLANNERS)
def test_pv_first_then_the_cheapest_grid(method):
    # no grid at all in slots 0..3, only 4 kW of PV in slots 1..2; feed-in 0.08 < every tariff
    d = problem(
        [0.3, 0.3, 0.3, 0.3, 0.25, 0.4],
        [vehicle("v1", soc=0)],
        bookings=[booking("b1", "v1", 5, 6, 12.0)],
        grid=11.0,
        pv_kw=[0.0, 4.0, 4.0, 0.0, 0.0, 0.0],
        feed_in_eur_per_kwh=0.08,
    )
    plan, checked = solve_checked(d, method)
    assert checked.total_shortfall_kwh == 0
    assert checked.cost_eur == pytest.approx(8 * 0.08 + 4 * 0.25)
    assert _power(plan, "v1")[1] == pytest.approx(4.0)


@pytest.mark.parametrize("method", ["exact", "heuristic"])
def test_negative_prices_are_used_up_to_a_full_battery(method):
    # drawing power earns money in slots 1, 2: fill the battery there even without a booking
    d = problem([0.3, -0.05, -0.02, 0.3], [vehicle("v1", battery=20, soc=5)])
    _, checked = solve_checked(d, method)
    assert checked.cost_eur == pytest.approx(-(11 * 0.05 + 4 * 0.02))


def test_the_lower_bound_is_the_optimum_when_every_car_has_its_own_charger():
    d = problem(
        [0.3, 0.1, 0.2, 0.3, 0.3],
        [vehicle("v1", soc=0), vehicle("v2", soc=0)],
        bookings=[booking("b1", "v1", 3, 5, 11.0), booking("b2", "v2", 3, 5, 11.0)],
        grid=11.0,
    )
    bound = lp_lower_bound(problem_from_dict(d))
    assert (bound.shortfall_kwh, bound.cost_eur) == (0.0, pytest.approx(3.3))
