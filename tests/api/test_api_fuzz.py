"""schemathesis against a real server process (gunicorn on 127.0.0.1): every operation of the published
OpenAPI document, with a resident's token and an administrator's token, every check.

Bounded: a few examples per operation, so that both runs together stay well under two minutes."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import schemathesis
from schemathesis.engine import Status, events

from sharing.models import Blockout, utcnow
from tests.api.conftest import hour_from_now

MAX_EXAMPLES = 5
#: Well-formed requests may still be refused by a business rule (409) or a rule on several values (422).
ACCEPTED = ["2xx", "401", "403", "404", "409", "422"]


def run_schemathesis(base_url: str, token: str, *, admin: bool) -> dict:
    """Run every phase and check; return the findings, the operations and the number of requests."""
    config = schemathesis.Config.from_dict({
        "base-url": base_url,
        "headers": {"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        "generation": {"max-examples": MAX_EXAMPLES},
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "seed": 20261124,
        "phases": {"stateful": {"max-steps": 10}},
    })
    schema = schemathesis.openapi.from_url(base_url + "/api/v1/openapi.json", config=config)
    if not admin:  # a resident's token meets 403 on every administration operation: checked in the contract tests
        schema = schema.exclude(tag="admin")
    failures: list[str] = []
    errors: list[str] = []
    operations: set[str] = set()
    requests = 0
    started = time.monotonic()
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            requests += len(event.recorder.interactions)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if check.status == Status.FAILURE:
                        info = check.failure_info
                        failures.append(f"{check.name}: {event.recorder.label}: "
                                        f"{getattr(info.failure, 'title', '')} {getattr(info.failure, 'message', '')}"
                                        [:600] if info else check.name)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.value!r}"[:600])
        elif isinstance(event, events.FatalError):
            errors.append(f"fatal: {event.exception!r}")
    return {"failures": list(dict.fromkeys(failures)), "errors": errors, "operations": operations,
            "requests": requests, "seconds": time.monotonic() - started}


@pytest.fixture
def fuzz_world(world, session, make_booking_row):
    """Some data for the operations to find: a booking of each household, a blockout."""
    start = hour_from_now(48)
    make_booking_row(vehicle=world.car, user=world.resident_a, start=start, end=start + timedelta(hours=2))
    make_booking_row(vehicle=world.other_car, user=world.resident_b, start=start, end=start + timedelta(hours=3))
    session.add(Blockout(site_id=world.car.site_id, vehicle_id=world.car.id, start_at=utcnow() + timedelta(days=9),
                         end_at=utcnow() + timedelta(days=10), reason="Reifen"))
    session.commit()
    return world


@pytest.mark.parametrize("who", ["a", "admin"])
def test_schemathesis_finds_nothing(live_server, fuzz_world, who):
    result = run_schemathesis(live_server.url, fuzz_world.tokens[who], admin=who == "admin")
    print(f"\nschemathesis as {who}: {len(result['operations'])} operations, {result['requests']} requests, "
          f"{result['seconds']:.1f} s")
    assert not result["errors"], "\n".join(result["errors"])
    assert not result["failures"], "\n".join(result["failures"])
    assert len(result["operations"]) >= (34 if who == "admin" else 20)
