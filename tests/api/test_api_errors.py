"""Bad input never gives a 500: malformed JSON, wrong types, huge numbers, naive times, NUL bytes ..."""

from __future__ import annotations

import json

import pytest

PROBLEM = "application/problem+json"


def _post(client, world, body, content_type="application/json", who="a", url="/api/v1/bookings"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, headers={**world.headers(who), "Content-Type": content_type})


def _valid(world, **changes):
    return {"vehicle_id": world.car.id, "start": "2030-01-01T10:00:00+01:00", "end": "2030-01-01T12:00:00+01:00",
            **changes}


@pytest.mark.parametrize("raw", ["{", "", "nul\x00", b"\xff\xfe", '{"vehicle_id": 1,}', '{"a": "\\ud800"}'])
def test_malformed_json_is_400(client, world, raw):
    response = _post(client, world, raw)
    assert response.status_code == 400 and response.mimetype == PROBLEM


def test_wrong_media_type_is_415(client, world):
    response = _post(client, world, json.dumps(_valid(world)), content_type="text/plain")
    assert response.status_code == 415 and response.mimetype == PROBLEM
    form = client.post("/api/v1/bookings", data={"vehicle_id": "1"}, headers=world.headers("a"))
    assert form.status_code == 415


@pytest.mark.parametrize("changes, field, code", [
    ({"start": "2030-01-01T10:00:00"}, "body.start", "value_error"),  # naive
    ({"start": "1700000000"}, "body.start", "value_error"),
    ({"start": 1700000000}, "body.start", "value_error"),
    ({"start": "9999-12-31T23:59:59-23:59"}, "body.start", "value_error"),
    ({"start": "2030-02-30T10:00:00Z"}, "body.start", "value_error"),
    ({"vehicle_id": 2**63}, "body.vehicle_id", "less_than_equal"),
    ({"vehicle_id": "1"}, "body.vehicle_id", "int_type"),
    ({"vehicle_id": 1.5}, "body.vehicle_id", "int_type"),
    ({"vehicle_id": None}, "body.vehicle_id", "int_type"),
    ({"distance_km": 10**30}, "body.distance_km", "less_than_equal"),
    ({"distance_km": True}, "body.distance_km", "int_type"),
    ({"note": "a\x00b"}, "body.note", "value_error"),
    ({"note": "x" * 5000}, "body.note", "string_too_long"),
    ({"surprise": 1}, "body.surprise", "extra_forbidden"),
])
def test_invalid_values_are_422_with_field_and_reason(client, world, changes, field, code):
    response = _post(client, world, _valid(world, **changes))
    assert response.status_code == 422, response.get_json()
    problem = response.get_json()
    assert response.mimetype == PROBLEM and problem["status"] == 422
    assert {"field": field, "code": code}.items() <= problem["errors"][0].items()
    assert problem["errors"][0]["message"]


def test_every_missing_field_is_listed(client, world):
    problem = _post(client, world, {}).get_json()
    assert {e["field"] for e in problem["errors"]} == {"body.vehicle_id", "body.start", "body.end"}
    assert _post(client, world, []).get_json()["errors"][0]["code"] == "model_type"


def test_nan_and_infinity_are_refused(client, world):
    body = '{"odometer_km": 1, "soc_percent": NaN}'
    assert _post(client, world, body, url="/api/v1/bookings/1/pickup").status_code in (400, 422)
    assert _post(client, world, '{"odometer_km": 1, "soc_percent": 1e400}',
                 url="/api/v1/bookings/1/pickup").status_code in (400, 422)


@pytest.mark.parametrize("query", ["from=x&to=y", "from=2030-01-01T00:00:00Z&to=2030-01-01T00:00:00%00",
                                   "from=2030-01-01T00:00:00Z", "from=2030-01-01T00:00:00Z&to=2029-01-01T00:00:00Z"])
def test_bad_queries_are_422(client, world, query):
    response = client.get(f"/api/v1/availability?{query}", headers=world.headers("a"))
    assert response.status_code == 422 and response.mimetype == PROBLEM


@pytest.mark.parametrize("query", ["page=0", "per_page=1000", "page=99999999999999999999", "vehicle_id=-1",
                                   "state=flying", "household_id=abc"])
def test_bad_list_queries_are_422(client, world, query):
    assert client.get(f"/api/v1/bookings?{query}", headers=world.headers("a")).status_code == 422


def test_huge_and_unknown_ids_are_404(client, world):
    for url in ("/api/v1/bookings/99999999999999999999", "/api/v1/bookings/2147483648", "/api/v1/bookings/0",
                "/api/v1/vehicles/99999", "/api/v1/nothing-here"):
        response = client.get(url, headers=world.headers("admin"))
        assert response.status_code == 404 and response.mimetype == PROBLEM, url


def test_wrong_method_is_405_with_allow(client, world):
    response = client.put("/api/v1/bookings", headers=world.headers("a"))
    assert response.status_code == 405 and response.mimetype == PROBLEM
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_too_large_body_is_413(client, world, app):
    big = json.dumps(_valid(world, note="x" * (9 * 1024 * 1024)))
    response = _post(client, world, big)
    assert response.status_code == 413 and response.mimetype == PROBLEM
