"""python -m sharing.planning: problem JSON in, plan JSON out; bad problems give one line and exit 2."""

from __future__ import annotations

import json

import pytest

from sharing.planning.__main__ import main
from tests.unit.charging.plan_checker import check_plan
from tests.unit.charging.problems import booking, problem, vehicle


def _problem() -> dict:
    return problem(
        [0.3, 0.1, 0.1, 0.3, 0.3, 0.3],
        [vehicle("v1", soc=5), vehicle("v2", soc=20, kw=7.4)],
        [{"id": "c1", "max_kw": 11.0}],
        [booking("b1", "v1", 3, 5, 12.0), booking("b2", "v2", 4, 6, 10.0)],
        grid=15.0,
    )


@pytest.mark.parametrize("method", ["auto", "exact", "heuristic"])
def test_writes_a_plan_that_keeps_the_rules(tmp_path, capsys, method):
    path = tmp_path / "problem.json"
    d = _problem()
    path.write_text(json.dumps(d))
    assert main([str(path), "--method", method, "--time-limit", "10"]) == 0
    plan = json.loads(capsys.readouterr().out)
    checked = check_plan(d, plan)
    assert checked.served == 2
    assert checked.cost_eur == pytest.approx(0.7)  # 7 kWh for b1 at 0.10; v2 has enough


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["vehicles"][0].pop("battery_kwh"), "vehicles[0].battery_kwh: missing"),
        (lambda d: d["chargers"][0].update(max_kw=-1), "chargers[0].max_kw: must be >= 0"),
        (lambda d: d["bookings"][0].update(vehicle="nope"), "unknown vehicle 'nope'"),
        (lambda d: d["bookings"][1].update(end_slot=9), "beyond the horizon"),
        (lambda d: d.update(tariff_eur_per_kwh=[0.3]), "has 1 values but the horizon has 6 slots"),
    ],
)
def test_a_bad_problem_is_one_clear_line(tmp_path, capsys, change, message):
    d = _problem()
    change(d)
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(d))
    assert main([str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_unreadable_input(tmp_path, capsys):
    assert main([str(tmp_path / "missing.json")]) == 2
    path = tmp_path / "broken.json"
    path.write_text("{")
    assert main([str(path)]) == 2
    assert capsys.readouterr().err.count("error:") == 2
