"""Behind nginx (PROXY_FIX_HOPS=1) the client's own address counts, e.g. for the login throttle."""

from __future__ import annotations

from flask import request

from sharing import create_app
from tests.conftest import make_test_config


def _remote_addr(tmp_path, hops: int, headers: dict) -> tuple[str, str]:
    app = create_app(make_test_config(f"sqlite:///{tmp_path / 'proxy.sqlite3'}", PROXY_FIX_HOPS=hops))
    seen = {}

    @app.get("/_whoami")
    def whoami():
        seen["addr"], seen["scheme"] = request.remote_addr, request.scheme
        return "ok"

    app.test_client().get("/_whoami", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    return seen["addr"], seen["scheme"]


def test_forwarded_headers_are_trusted_only_when_configured(tmp_path):
    headers = {"X-Forwarded-For": "198.51.100.7, 203.0.113.9", "X-Forwarded-Proto": "https"}
    assert _remote_addr(tmp_path, 1, headers) == ("203.0.113.9", "https")  # the hop nginx added
    assert _remote_addr(tmp_path, 0, headers) == ("127.0.0.1", "http")
