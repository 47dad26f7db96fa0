"""The published description and docs page, and the per-token rate limit (on a real server process)."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from tests.live_server import start_server


def test_openapi_document_is_public_and_describes_problems(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    booking = document["paths"]["/api/v1/bookings"]["post"]
    assert booking["responses"]["409"]["content"]["application/problem+json"]["schema"] == {
        "$ref": "#/components/schemas/ProblemOut"}
    assert booking["requestBody"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/BookingIn"}
    start = document["components"]["schemas"]["BookingIn"]["properties"]["start"]
    assert start["format"] == "date-time"
    assert "ProblemOut" in document["components"]["schemas"]


def test_docs_page_lists_every_operation_without_inline_scripts(client):
    response = client.get("/api/v1/docs", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Content-Security-Policy" in response.headers
    document = client.get("/api/v1/openapi.json").get_json()
    for path, methods in document["paths"].items():
        for entry in methods.values():
            assert f'id="op-{entry["operationId"]}"' in html and path in html
    assert "<script>" not in html and "style=" not in html


def _get(url: str, token: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_rate_limit_per_token_429_with_retry_after(app, database_url, world, tmp_path):
    server = start_server(database_url, workers=1, log_path=tmp_path / "limited.log", env={
        "QUARTIERAUTO_ENV": "development", "RATELIMIT_ENABLED": "true", "API_RATE_LIMIT": "3 per minute"})
    try:
        answers = [_get(server.url + "/api/v1/me", world.tokens["a"]) for _ in range(4)]
        assert [status for status, _h, _b in answers] == [200, 200, 200, 429]
        _status, headers, body = answers[-1]
        assert int(headers["Retry-After"]) >= 1 and body["status"] == 429
        assert headers["Content-Type"].startswith("application/problem+json")
        assert _get(server.url + "/api/v1/me", world.tokens["b"])[0] == 200  # another token has its own budget
    finally:
        server.stop()
