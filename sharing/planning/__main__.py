"""Read a charging problem (JSON, shared/planning/FORMAT.md) and write the plan as JSON.

    python -m sharing.planning PROBLEM.json [--method auto|exact|heuristic] [--time-limit SECONDS] > PLAN.json

Errors in the problem end with one clear line on standard error and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys

from ..domain.charging import METHODS, PlanningInputError, plan_to_dict, problem_from_dict, solve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sharing.planning", description=__doc__.splitlines()[0])
    parser.add_argument("problem", help="problem JSON file, or - for standard input")
    parser.add_argument("--method", choices=sorted(METHODS), default="auto")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds for the exact method (default 60)")
    args = parser.parse_args(argv)
    try:
        if args.problem == "-":
            data = json.load(sys.stdin)
        else:
            with open(args.problem, encoding="utf-8") as handle:
                data = json.load(handle)
        problem = problem_from_dict(data)
    except OSError as error:
        print(f"error: cannot read {args.problem}: {error.strerror}", file=sys.stderr)
        return 2
    except json.JSONDecodeError as error:
        print(f"error: {args.problem} is not valid JSON (line {error.lineno}, column {error.colno})", file=sys.stderr)
        return 2
    except PlanningInputError as error:
        print(f"error: invalid problem: {error}", file=sys.stderr)
        return 2
    plan = solve(problem, method=args.method, time_limit_s=args.time_limit)
    json.dump(plan_to_dict(plan), sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
