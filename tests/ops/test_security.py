"""Attacks an operator should not have to worry about: open redirects, account enumeration by
answer or by timing, cookie flags in production, login throttling across several workers."""

from __future__ import annotations

import random
import statistics
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import quote, urlsplit

import pytest

from config import ProductionConfig
from sharing import create_app
from sharing.security import passwords
from tests.conftest import csrf_token_from, get_csrf, login, make_test_config
from tests.factories import DEFAULT_PASSWORD
from tests.live_server import start_server

EVIL = ["//evil.example", "/\\evil.example", "\\/evil.example", "https://evil.example", "http:evil.example",
        "javascript:alert(1)", "JaVaScRiPt:alert(1)", "%2F%2Fevil.example", "/%2F%2Fevil.example",
        "%5C%5Cevil.example", "/%5Cevil.example", "%252F%252Fevil.example", "https:%2F%2Fevil.example",
        "//evil.example/%2F..", "/\t/evil.example", "/ /evil.example", "///evil.example", "//evil.example@x",
        quote("//evil.example", safe=""), "data:text/html,<script>alert(1)</script>"]


def _stays_on_site(location: str) -> bool:
    parts = urlsplit(location)
    return parts.scheme in ("", "http") and parts.netloc in ("", "localhost") and location.startswith("/") \
        and not location.startswith("//") and "\\" not in location


@pytest.mark.parametrize("target", EVIL)
def test_login_and_language_switch_never_redirect_off_site(client, resident, target):
    page = client.get(f"/login?next={quote(target, safe='')}")
    assert page.status_code == 200
    answer = login(client, resident.email, DEFAULT_PASSWORD, next_url=target)
    assert answer.status_code == 302 and _stays_on_site(answer.headers["Location"]), answer.headers["Location"]
    token = get_csrf(client, "/account")
    switched = client.post("/language", data={"csrf_token": token, "language": "en", "next": target},
                           headers={"Referer": target})
    assert switched.status_code == 302 and _stays_on_site(switched.headers["Location"])


def test_unknown_email_costs_an_argon2_check_too(client, resident, monkeypatch):
    """Same answer and about the same time: an unknown address is checked against a dummy hash."""
    calls = []

    class Spy:
        def __init__(self, hasher):
            self.hasher = hasher

        def verify(self, hashed, password):
            calls.append(hashed)
            return self.hasher.verify(hashed, password)

        def __getattr__(self, name):
            return getattr(self.hasher, name)

    monkeypatch.setattr(passwords, "_hasher", Spy(passwords._hasher))
    for email in ("nobody@example.org", resident.email):
        calls.clear()
        assert login(client, email, "wrong-password-123").status_code == 422
        assert len(calls) == 1
    assert passwords._DUMMY_HASH.startswith("$argon2")

    def median_seconds(email: str) -> float:
        times = []
        for _ in range(5):
            token = get_csrf(client, "/login")
            started = time.perf_counter()
            client.post("/login", data={"csrf_token": token, "email": email, "password": "wrong-password-123"})
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median_seconds(resident.email), median_seconds("nobody@example.org")
    assert 0.5 < unknown / known < 2, (known, unknown)


def test_password_reset_takes_about_as_long_for_unknown_addresses(client, resident):
    def median_seconds(email: str) -> float:
        times = []
        for _ in range(5):
            token = get_csrf(client, "/password/forgot")
            started = time.perf_counter()
            response = client.post("/password/forgot", data={"csrf_token": token, "email": email})
            times.append(time.perf_counter() - started)
            assert response.status_code == 302 and response.headers["Location"].endswith("/login")
        return statistics.median(times)

    known, unknown = median_seconds(resident.email), median_seconds("nobody@example.org")
    # The known address writes a token and a mail to the outbox: milliseconds, not an argon2 check.
    assert abs(known - unknown) < 0.25, (known, unknown)


def _production_config(database_url: str, **overrides) -> dict:
    config = {k: getattr(ProductionConfig, k) for k in dir(ProductionConfig) if k.isupper()}
    config.update(SQLALCHEMY_DATABASE_URI=database_url, SECRET_KEY="p" * 48, TESTING=True,
                  RATELIMIT_ENABLED=False, **overrides)  # the limiter is process-wide: keep it off here
    return config


def _cookie_flags(set_cookie_headers: list[str]) -> dict[str, dict]:
    found = {}
    for header in set_cookie_headers:
        cookie = SimpleCookie()
        cookie.load(header)
        for name, morsel in cookie.items():
            lowered = header.lower()
            found[name] = {"secure": "; secure" in lowered, "httponly": "; httponly" in lowered,
                           "samesite": morsel["samesite"]}
    return found


def test_production_session_and_remember_cookies_are_secure_httponly_lax(app, database_url, session, resident):
    production = create_app(_production_config(database_url))
    client = production.test_client()
    base = "https://localhost"
    page = client.get("/login", base_url=base)
    token = csrf_token_from(page.get_data(as_text=True))
    answer = client.post("/login", base_url=base, headers={"Referer": f"{base}/login"}, data={
        "csrf_token": token, "email": resident.email, "password": DEFAULT_PASSWORD, "remember": "y"})
    assert answer.status_code == 302
    flags = _cookie_flags(answer.headers.getlist("Set-Cookie"))
    assert set(flags) >= {"session", "remember_token"}, flags
    for name in ("session", "remember_token"):
        assert flags[name] == {"secure": True, "httponly": True, "samesite": "Lax"}, (name, flags[name])
    with production.app_context():
        from sharing.extensions import db

        db.engine.dispose()
    create_app(make_test_config(database_url))  # leave the process-wide limiter as the tests expect it


def test_login_throttle_holds_across_gunicorn_workers_with_redis(app, database_url, db_kind, tmp_path):
    """4 workers, production config, Redis storage: the 4th attempt from one address gets 429,
    whichever worker answers (with memory:// each worker would count on its own)."""
    if db_kind != "sqlite":
        pytest.skip("the throttle does not touch the database: one run (on SQLite) is enough")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    server = start_server(database_url, workers=4, log_path=tmp_path / "gunicorn.log", env={
        "QUARTIERAUTO_ENV": "production", "SECRET_KEY": "s" * 48, "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
        "LOGIN_RATE_LIMIT": "3 per minute", "PROXY_FIX_HOPS": "1", "HSTS_ENABLED": "false"})
    client_address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
    statuses = []
    try:
        with urllib.request.urlopen(server.url + "/login", timeout=10) as first:
            set_cookies = first.headers.get_all("Set-Cookie")
            token = csrf_token_from(first.read().decode())
        assert _cookie_flags(set_cookies)["session"] == {"secure": True, "httponly": True, "samesite": "Lax"}
        cookie = set_cookies[0].split(";", 1)[0]  # sent back by hand: a Secure cookie over plain http
        body = f"csrf_token={quote(token)}&email=a%40b.example&password=wrong-password-1".encode()
        for _ in range(8):
            request = urllib.request.Request(server.url + "/login", data=body, method="POST", headers={
                "X-Forwarded-For": client_address, "Cookie": cookie})
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    statuses.append(response.status)
            except urllib.error.HTTPError as error:
                statuses.append(error.code)
                error.close()
    finally:
        server.stop()
    assert statuses == [422] * 3 + [429] * 5, statuses
