"""Structured logs: LOG_FORMAT=json writes one JSON object per line, each with the request id."""

from __future__ import annotations

import io
import json
import logging

import pytest

from sharing import create_app
from sharing.logging_setup import JsonFormatter, RequestIdFilter, request_id_from
from tests.conftest import make_test_config


@pytest.fixture
def json_app(tmp_path):
    """An app logging JSON into a buffer (on an unmigrated SQLite file: /healthz needs no tables)."""
    stream = io.StringIO()
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'log.sqlite3'}", LOG_FORMAT="json",
                                      LOG_STREAM=stream))
    yield app, stream
    root = logging.getLogger()
    for handler in [h for h in root.handlers if h.get_name() == "quartierauto"]:
        root.removeHandler(handler)
    root.setLevel(logging.WARNING)


def _lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_request_id_is_honoured_echoed_and_logged(json_app):
    app, stream = json_app
    client = app.test_client()
    response = client.get("/healthz", headers={"X-Request-ID": "nginx-7f3a.1"})
    assert response.headers["X-Request-ID"] == "nginx-7f3a.1"
    line = [e for e in _lines(stream) if e["logger"] == "sharing.request"][-1]
    assert (line["request_id"], line["method"], line["path"], line["status"]) == ("nginx-7f3a.1", "GET", "/healthz",
                                                                                  200)
    assert line["duration_ms"] >= 0 and line["level"] == "INFO" and line["ts"].endswith("+00:00")


def test_a_missing_or_malformed_request_id_is_replaced(json_app):
    app, _stream = json_app
    client = app.test_client()
    fresh = client.get("/healthz").headers["X-Request-ID"]
    forged = client.get("/healthz", headers={"X-Request-ID": 'x" injected=1 ' + "a" * 200}).headers["X-Request-ID"]
    assert len(fresh) == 32 and len(forged) == 32 and fresh != forged
    assert request_id_from({"X-Request-ID": "a" * 129}) != "a" * 129


def test_json_lines_carry_extras_and_exceptions(json_app):
    app, stream = json_app
    with app.test_request_context("/x", headers={"X-Request-ID": "req-1"}):
        from flask import g

        g.request_id = "req-1"
        try:
            raise ValueError("boom")
        except ValueError:
            logging.getLogger("sharing.test").exception("it failed for booking %s", 7, extra={"booking_id": 7})
    entry = _lines(stream)[-1]
    assert entry["message"] == "it failed for booking 7" and entry["booking_id"] == 7
    assert entry["request_id"] == "req-1" and "ValueError: boom" in entry["exception"]


def test_outside_a_request_the_id_is_a_dash():
    record = logging.makeLogRecord({"msg": "scheduler tick", "levelname": "INFO", "name": "sharing.scheduler"})
    RequestIdFilter().filter(record)
    assert json.loads(JsonFormatter().format(record))["request_id"] == "-"


def test_unknown_log_format_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="LOG_FORMAT"):
        create_app(make_test_config(f"sqlite:///{tmp_path / 'x.sqlite3'}", LOG_FORMAT="xml"))
