"""Error pages: in the site's look, in the user's language, never a stack trace."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from sharing.models import Household
from tests.conftest import login
from tests.factories import DEFAULT_PASSWORD


def test_404_in_german_and_english(client):
    german = client.get("/gibt-es-nicht")
    assert german.status_code == 404 and "Seite nicht gefunden" in german.get_data(as_text=True)
    english = client.get("/gibt-es-nicht", headers={"Accept-Language": "en"})
    assert "Page not found" in english.get_data(as_text=True)
    assert 'class="site-header"' in english.get_data(as_text=True)


def test_405_names_the_allowed_methods(client):
    response = client.get("/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]


@pytest.fixture
def failing_app(app):
    """A second app on the same database with a route that writes, then fails."""
    from sharing import create_app
    from sharing.extensions import db
    from tests.conftest import IsolatedClient, make_test_config

    broken = create_app(make_test_config(app.config["SQLALCHEMY_DATABASE_URI"], PROPAGATE_EXCEPTIONS=False))
    broken.test_client_class = IsolatedClient

    @broken.route("/__boom__")
    def boom():
        site_id = db.session.scalar(select(Household.site_id))
        db.session.add(Household(site_id=site_id, name="Half-written"))
        db.session.flush()
        raise RuntimeError("secret internals")

    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_500_rolls_back_and_hides_the_trace(failing_app, session, resident):
    client = failing_app.test_client()
    login(client, resident.email, DEFAULT_PASSWORD)
    before = session.scalar(select(func.count()).select_from(Household))
    response = client.get("/__boom__")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Etwas ist schiefgelaufen" in page
    assert "secret internals" not in page and "Traceback" not in page
    assert session.scalar(select(func.count()).select_from(Household)) == before


def test_security_headers_on_html(client):
    headers = client.get("/login").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "unsafe-inline" not in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_language_switch_is_remembered(client):
    from tests.conftest import get_csrf

    token = get_csrf(client, "/login")
    client.post("/language", data={"csrf_token": token, "language": "en", "next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("number", ["2147483648", "99999999999999999999"])
def test_ids_beyond_the_database_integer_are_not_found_on_every_page(app, client, admin, number):
    """Every route with a number in its path answers 404 for one no row can have (never a database error)."""
    from tests.conftest import get_csrf

    login(client, admin.email, DEFAULT_PASSWORD)
    token = get_csrf(client, "/account")
    numbered = [rule for rule in app.url_map.iter_rules() if "<int:" in rule.rule]
    assert len(numbered) > 20
    for rule in numbered:
        path = re.sub(r"<int:[a-z_]+>", number, rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            status = client.open(path, method=method, data={"csrf_token": token}).status_code
            assert status == 404, f"{method} {path}: {status}"
