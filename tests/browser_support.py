"""Playwright in Debian's Chromium, with screenshots and axe-core accessibility checks."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser() -> Iterator:
    """One headless Chromium for the whole run."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
            pytest.fail("CI=true but Debian's chromium is not installed (make test installs it)", pytrace=False)
        pytest.skip("chromium is not installed: apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request) -> Iterator:
    """A fresh browser context and page (desktop size, German); a screenshot on failure."""
    context = browser.new_context(viewport=DESKTOP, locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        screenshot(pg, f"FAILED-{request.node.name}")
    context.close()


@pytest.fixture
def phone_page(browser) -> Iterator:
    """A phone-sized page."""
    context = browser.new_context(viewport=PHONE, locale="de-DE", timezone_id="Europe/Berlin",
                                  is_mobile=True, has_touch=True)
    context.set_default_timeout(10_000)
    pg = context.new_page()
    yield pg
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot as a test artefact."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / (re.sub(r"[^A-Za-z0-9_.-]+", "_", name) + ".png")
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag",
                                                   "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    return results.response["violations"]


def assert_accessible(page) -> None:
    """Fail with a readable list if axe-core finds any violation."""
    violations = axe_violations(page)
    summary = [f"{v['id']}: {v['help']} ({len(v['nodes'])}x: {v['nodes'][0]['target']})" for v in violations]
    assert violations == [], f"axe-core on {page.url}:\n" + "\n".join(summary)


def browser_login(page, base_url: str, email: str, password: str) -> None:
    """Log in through the real form."""
    page.goto(base_url + "/login")
    page.get_by_label(re.compile("E-Mail|E-mail")).fill(email)
    page.get_by_label(re.compile("^Passwort$|^Password$")).fill(password)
    page.get_by_role("button", name=re.compile("^Anmelden$|^Log in$")).click()
    page.wait_for_load_state("networkidle")
