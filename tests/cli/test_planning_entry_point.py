"""`python -m sharing.planning` as a user runs it: a plan for a good problem, one clear line for a bad one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBLEM = {
    "start": "2026-03-23T00:00:00+01:00", "slot_minutes": 15, "slots": 96, "grid_limit_kw": 22.0,
    "tariff_eur_per_kwh": [0.20 if t < 24 else 0.35 for t in range(96)], "charge_efficiency": 0.9,
    "vehicles": [{"id": "v1", "battery_kwh": 58.0, "soc_kwh": 10.0, "max_charge_kw": 11.0, "reserve_kwh": 5.8}],
    "chargers": [{"id": "c1", "max_kw": 11.0}],
    "bookings": [{"id": "b1", "vehicle": "v1", "start_slot": 40, "end_slot": 56, "energy_kwh": 12.0}],
}


def _run(tmp_path, problem, *args):
    path = tmp_path / "problem.json"
    path.write_text(problem if isinstance(problem, str) else json.dumps(problem))
    return subprocess.run([sys.executable, "-m", "sharing.planning", str(path), *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("method", ["heuristic", "exact"])
def test_writes_a_plan_that_serves_the_booking_in_cheap_hours(tmp_path, method):
    result = _run(tmp_path, PROBLEM, "--method", method)
    assert result.returncode == 0, result.stderr
    plan = json.loads(result.stdout)
    assert plan["bookings"] == [{"id": "b1", "soc_at_start_kwh": pytest.approx(17.8, abs=1e-3),
                                 "shortfall_kwh": 0.0}]
    for window in plan["windows"]:
        assert window["end_slot"] <= 24  # only the cheap night hours are used
        assert max(window["power_kw"]) <= 11.0 + 1e-9


@pytest.mark.parametrize("problem, message", [
    ("{not json", "not valid JSON"),
    ({**PROBLEM, "grid_limit_kw": -1}, "grid_limit_kw"),
    ({**PROBLEM, "bookings": [{**PROBLEM["bookings"][0], "vehicle": "v9"}]}, "unknown vehicle"),
    ({**PROBLEM, "tariff_eur_per_kwh": [0.3]}, "tariff"),
])
def test_bad_problems_get_one_clear_line(tmp_path, problem, message):
    result = _run(tmp_path, problem)
    assert result.returncode == 2
    assert message in result.stderr and "Traceback" not in result.stderr
