"""Fixtures for the admin pages: a logged-in administrator's client and a form poster."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD


@pytest.fixture(autouse=True)
def photo_folder(app, tmp_path, monkeypatch):
    """Photos of these tests go to a temporary folder."""
    monkeypatch.setitem(app.config, "PHOTO_FOLDER", str(tmp_path / "photos"))
    return tmp_path / "photos"


@pytest.fixture
def admin_client(client, admin):
    """The test client, logged in as the site's administrator."""
    assert login(client, admin.email, DEFAULT_PASSWORD).status_code == 302
    return client


@pytest.fixture
def post_form(admin_client):
    """POST a form the way the browser does: fetch the page for its CSRF token first."""

    def post(url: str, data: dict | None = None, *, page: str | None = None, **kwargs):
        token = csrf_token_from(admin_client.get(page or url).get_data(as_text=True))
        return admin_client.post(url, data={"csrf_token": token, **(data or {})}, **kwargs)

    return post
