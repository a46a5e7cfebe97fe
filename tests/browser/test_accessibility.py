"""axe-core 4.14 over the officer's and the supervisor's pages, in the browser the officers
use (Debian's Chromium), as they are after login with the demo data: no critical or serious
violation (contrast in the sun, names for every control, landmarks and headings)."""
from __future__ import annotations

import json

from tests.browser.conftest import axe_violations, expect, login, new_phone

PAGES = [
    ("/", "[data-test=home-today]"),
    ("/patrol", "[data-test=patrol-state]"),
    ("/inspection", "[data-test=save-inspection]"),
    ("/ticket", "[data-test=check-ticket]"),
    ("/outbox", "[data-test=sync-now]"),
    ("/tasks", "main"),
    ("/documents", "main h1"),
    ("/settings", "[data-test=refresh]"),
]


def _audit(page, where: str, found: dict) -> None:
    for v in axe_violations(page):
        found.setdefault(where, []).append(v)


def test_the_officers_pages_have_no_serious_accessibility_violation(context, page):
    found: dict = {}
    page.goto("/login")
    expect(page.locator("[data-test=login]")).to_be_visible()
    _audit(page, "/login", found)
    login(page)
    for path, ready in PAGES:
        page.goto(path)
        expect(page.locator(ready).first).to_be_visible()
        _audit(page, path, found)
    page.locator("[data-test=lock-now]").click() if page.url.endswith("/settings") else None
    expect(page.locator("[data-test=lock]")).to_be_visible()
    _audit(page, "lock", found)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_the_console_has_no_serious_accessibility_violation(browser, server):
    from tests.browser.conftest import DESK

    ctx = new_phone(browser, f"http://127.0.0.1:{server.port}", **DESK)
    page = ctx.new_page()
    try:
        login(page, "zd001")
        page.goto("/supervise")
        expect(page.locator("[data-test=sup-period]")).to_be_visible()
        found = {"console": axe_violations(page)} if axe_violations(page) else {}
        assert not found, json.dumps(found, ensure_ascii=False, indent=1)
    finally:
        ctx.close()
