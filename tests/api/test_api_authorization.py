"""Who may call which API operation, with tokens: anonymous, resident A, resident B (another household),
administrator, and an administrator of another site. Walks the route table, so new operations are covered."""

from __future__ import annotations

from datetime import timedelta

from sharing.models import Blockout, WaitlistEntry
from sharing.web.api.openapi import build_document
from sharing.web.api.registry import OPERATIONS
from tests.api.conftest import hour_from_now, token_for

#: Operations on objects that belong to a household: the other household gets 404.
HOUSEHOLD_OBJECTS = ("booking_id", "entry_id")


def _allowed(status: int) -> bool:
    """Past the permission check: the operation answered (success, or refused for the data sent)."""
    return status < 500 and status not in (401, 403, 404)


def _expected(who: str | None, status: int, admin_only: bool, household_object: bool, has_object: bool) -> bool:
    if who is None:
        return status == 401
    if who in ("a", "b") and admin_only:
        return status == 403
    if who == "b" and household_object:
        return status == 404
    if who == "foreign" and has_object:
        return status == 404
    return _allowed(status)


def test_every_operation_answers_each_role_as_expected(client, world, session, make_booking_row, make_site,
                                                       make_user, make_charging_point):
    start = hour_from_now(48)
    booking = make_booking_row(vehicle=world.car, user=world.resident_a, start=start, end=start + timedelta(hours=2),
                               status="confirmed")
    entry = WaitlistEntry(site_id=world.car.site_id, user_id=world.resident_a.id,
                          household_id=world.resident_a.household_id, vehicle_id=world.car.id, start_at=start,
                          end_at=start + timedelta(hours=1))
    blockout = Blockout(site_id=world.car.site_id, vehicle_id=world.car.id, start_at=start + timedelta(days=5),
                        end_at=start + timedelta(days=6))
    session.add_all([entry, blockout])
    session.commit()
    values = {"booking_id": booking.id, "entry_id": entry.id, "vehicle_id": world.car.id,
              "point_id": make_charging_point().id, "blockout_id": blockout.id, "user_id": world.resident_a.id,
              "household_id": world.resident_a.household_id}
    foreign_admin = make_user(site_id=make_site(name="Anderswo").id, role="admin", household_id=None)
    tokens = {**world.tokens, "foreign": token_for(session, foreign_admin, ("read", "book", "admin"))}
    later = (start + timedelta(hours=3)).isoformat()
    samples = {"PickupIn": {"odometer_km": 1, "soc_percent": 50}, "ExtendIn": {"end": later},
               "ReturnIn": {"odometer_km": 1, "soc_percent": 50, "plugged_in": True}, "DecisionIn": {"approve": False},
               "CancelIn": {"reason": "Test"}}
    period = f"?from={start.isoformat().replace('+00:00', 'Z')}&to={later.replace('+00:00', 'Z')}"
    failures = []
    for op in OPERATIONS:
        path = "/api/v1" + op.rule
        for name in op.path_params:
            path = path.replace(f"<int:{name}>", str(values[name]))
        if op.query is not None and "from_" in op.query.model_fields and op.query.model_fields["from_"].is_required():
            path += period
        body = samples.get(op.body.__name__, {}) if op.body else None
        object_scoped = any(name in HOUSEHOLD_OBJECTS for name in op.path_params)
        for who in (None, "a", "b", "admin", "foreign"):
            headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
            response = client.open(path, method=op.method, json=body, headers=headers)
            if not _expected(who, response.status_code, op.admin, object_scoped, bool(op.path_params)):
                failures.append(f"{op.method} {path} as {who}: {response.status_code}")
    assert not failures, "\n".join(failures)


def test_the_document_lists_every_api_route(app):
    with app.test_request_context():
        document = build_document()
    documented = {(method.upper(), path) for path, methods in document["paths"].items() for method in methods}
    routes = {(method, "/" + rule.rule.strip("/").replace("<int:", "{").replace(">", "}"))
              for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
              and rule.endpoint not in ("api.openapi_json", "api.docs")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented
    assert document["openapi"].startswith("3.1")
    protected = [entry for methods in document["paths"].values() for entry in methods.values()]
    assert all(entry["security"] == [{"bearerAuth": [entry["x-scope"]]}] for entry in protected)
