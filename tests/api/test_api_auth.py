"""Tokens: Bearer only (no cookies), hashed storage, scopes, revocation, the CLI and the account page."""

from __future__ import annotations

import hashlib

from sharing.models import ApiToken
from sharing.services import api_tokens
from sharing.services.admin_errors import Invalid
from tests.conftest import get_csrf, login
from tests.factories import DEFAULT_PASSWORD

PROBLEM = "application/problem+json"


def test_without_or_with_a_bad_token_401_problem(client, world):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer qa_" + "x" * 43}, {"Authorization": "Bearer " + "\u00e9" * 20}):
        response = client.get("/api/v1/bookings", headers=headers)
        assert response.status_code == 401, headers
        assert response.mimetype == PROBLEM
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        assert response.get_json()["status"] == 401


def test_only_the_hash_is_stored_and_last_use_is_noted(client, world, session):
    secret = world.tokens["a"]
    stored = session.query(ApiToken).filter_by(user_id=world.resident_a.id).first()
    assert stored.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (stored.prefix + stored.token_hash + stored.name) and secret.startswith(stored.prefix)
    assert client.get("/api/v1/me", headers=world.headers("a")).status_code == 200
    session.refresh(stored)
    assert stored.last_used_at is not None


def test_session_cookie_is_ignored(client, world):
    login(client, world.resident_a.email, DEFAULT_PASSWORD)
    assert client.get("/account").status_code == 200
    assert client.get("/api/v1/me").status_code == 401


def test_no_csrf_needed_with_a_token(client, world):
    assert client.post("/api/v1/households", json={"name": "Neu"}, headers=world.headers("admin")).status_code == 201


def test_scopes_and_roles(client, world):
    body = {"vehicle_id": world.car.id, "start": "2030-01-01T10:00:00Z", "end": "2030-01-01T12:00:00Z"}
    refused = client.post("/api/v1/bookings", json=body, headers=world.headers("a_read"))
    assert refused.status_code == 403 and refused.get_json()["code"] == "insufficient_scope"
    assert client.get("/api/v1/users", headers=world.headers("a")).status_code == 403
    assert client.get("/api/v1/users", headers=world.headers("admin_plain")).status_code == 403
    assert client.get("/api/v1/users", headers=world.headers("admin")).status_code == 200


def test_residents_cannot_get_the_admin_scope(session, world):
    try:
        api_tokens.create_token(session, world.resident_a, name="x", scopes=["admin"])
    except Invalid as error:
        assert error.problems[0].code == "admin_scope_for_admins"
    else:
        raise AssertionError("resident got the admin scope")


def test_revoked_token_stops_working(client, world, session):
    token = session.query(ApiToken).filter_by(user_id=world.resident_b.id).first()
    assert api_tokens.revoke_token(session, world.resident_b, token.id)
    assert client.get("/api/v1/me", headers=world.headers("b")).status_code == 401
    assert not api_tokens.revoke_token(session, world.resident_a, token.id)  # not a's


def test_deactivated_user_token_stops_working(client, world, session):
    world.resident_b.active = False
    session.commit()
    assert client.get("/api/v1/me", headers=world.headers("b")).status_code == 401


def test_cli_create_token_prints_it_alone_on_the_last_line(runner, client, world):
    result = runner.invoke(args=["create-token", world.admin.email, "--scope", "book", "--scope", "admin"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert me["scopes"] == ["admin", "book", "read"]
    refused = runner.invoke(args=["create-token", world.resident_a.email, "--scope", "admin"])
    assert refused.exit_code != 0 and "administrators" in refused.output
    assert runner.invoke(args=["create-token", "nobody@example.org"]).exit_code != 0


def test_account_page_creates_shows_once_and_revokes(client, world, session):
    login(client, world.resident_a.email, DEFAULT_PASSWORD)
    page = client.get("/account").get_data(as_text=True)
    assert "tokens-heading" in page and 'value="admin"' not in page
    created = client.post("/account/tokens", data={"csrf_token": get_csrf(client, "/account"), "name": "Hausautomation",
                                                   "scopes": ["read", "book"]})
    assert created.status_code == 201
    html = created.get_data(as_text=True)
    token = session.query(ApiToken).filter_by(name="Hausautomation").one()
    secret = html.split('id="token-secret"')[1].split('value="')[1].split('"')[0]
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest() and token.scopes == "read book"
    assert secret not in client.get("/account").get_data(as_text=True)
    revoked = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": get_csrf(client, "/account")})
    assert revoked.status_code == 302
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
