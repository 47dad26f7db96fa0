"""The login pages in a real browser: usable, accessible, in German and English."""

from __future__ import annotations

import re

import pytest

from tests.browser_support import assert_accessible, browser_login, screenshot
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser


def test_login_page_is_accessible(page, live_server, app_ctx):
    page.goto(live_server.url + "/login")
    assert page.locator("html").get_attribute("lang") == "de"
    screenshot(page, "login-de")
    assert_accessible(page)
    page.goto(live_server.url + "/password/forgot")
    assert_accessible(page)


def test_resident_logs_in_and_sees_the_start_page(page, live_server, resident):
    browser_login(page, live_server.url, resident.email, DEFAULT_PASSWORD)
    assert "/login" not in page.url
    assert_accessible(page)
    screenshot(page, "start-after-login")


def test_wrong_password_shows_an_error_tied_to_the_form(page, live_server, resident):
    browser_login(page, live_server.url, resident.email, "falsches-passwort")
    alert = page.get_by_role("alert")
    assert "E-Mail-Adresse oder Passwort ist falsch" in alert.inner_text()
    assert_accessible(page)


def test_switch_to_english(page, live_server, app_ctx):
    page.goto(live_server.url + "/login")
    page.get_by_label(re.compile("^(Sprache|Language)$")).select_option("en")
    page.get_by_role("button", name=re.compile("Change language|Sprache ändern")).click()
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Log in").is_visible()
    screenshot(page, "login-en")
