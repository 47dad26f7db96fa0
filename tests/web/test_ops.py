"""Health endpoints."""

from __future__ import annotations

from datetime import timedelta

from sharing.scheduler import lease


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json == {"status": "ok"}


def test_readyz_reports_database_migrations_and_scheduler(client, session):
    answer = client.get("/readyz")
    assert answer.status_code == 200
    assert answer.json["checks"]["database"] == "ok" and answer.json["checks"]["migrations"] == "ok"
    assert answer.json["checks"]["scheduler"] == "never seen"
    lease.try_acquire(session, "test:1", timedelta(seconds=30))
    assert client.get("/readyz").json["checks"]["scheduler"] == "ok"
