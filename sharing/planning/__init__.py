"""Command-line entry point of the charge planner: `python -m sharing.planning PROBLEM.json > PLAN.json`."""
