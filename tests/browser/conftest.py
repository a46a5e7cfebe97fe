"""Browser tests: the built PWA in Debian's headless Chromium, driven by Playwright, against
a real gunicorn serving the real Flask app on the test database (each engine).

Offline is `context.set_offline(True)`; no CDP session is kept attached (an attached one
breaks offline emulation). Geolocation is emulated per context.
"""
from __future__ import annotations

import os
import re
import shutil
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
from sqlalchemy import func, select

from backend import clock
from backend.extensions import db
from tests.conftest import ROOT
from tests.server import Server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
DIST = ROOT / "pwa" / "dist"
NINGBO = {"latitude": 29.9700, "longitude": 121.6200, "accuracy": 8}
# the officers' clocks: "today" in the app is the server's local day (Asia/Shanghai), not the CI machine's UTC
TZ = "Asia/Shanghai"

if not (Path(CHROMIUM).exists() and (DIST / "index.html").exists() and shutil.which("node")):
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"browser tests need {CHROMIUM} and a built PWA in {DIST} (make test installs and builds both)")
    pytest.skip("Chromium or the built PWA is missing (make test provides both)", allow_module_level=True)

from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright  # noqa: E402

expect.set_options(timeout=15000)


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`--dist loadgroup`) the browser journeys run one after another on
    one worker, beside the API tests on the other, rather than two Chromiums at once."""
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.xdist_group("browser"))


@pytest.fixture(scope="session")
def browser() -> Browser:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            # a fake microphone and camera (a beep, a test pattern) for MediaRecorder, with no permission prompt
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"])
        yield b
        b.close()


def start_server(database_url: str, media: str, secret: str, **env: str) -> Server:
    """gunicorn with the built PWA, on the test's clock: a test that moved the product's
    clock (backend/clock.py) gets a server whose clock starts at the same instant."""
    srv = Server(database_url, media, secret, threads=8, **{
        "PWA_DIST": str(DIST), "SYNC_RATE_LIMIT": "100000 per minute", "LOGIN_RATE_LIMIT": "1000 per minute",
        "LOGIN_USER_RATE_LIMIT": "1000 per minute", **env})
    srv.start()
    return srv


def new_phone(browser: Browser, base_url: str, **options: Any) -> BrowserContext:
    """A phone (or a desk, with a wider viewport): zh-CN, Asia/Shanghai, located in the street,
    and — when the test moved the product's clock — its clock at the server's instant
    (Playwright's clock API: Date, timers and performance, running on from there)."""
    ctx = browser.new_context(base_url=base_url, **{
        "viewport": {"width": 360, "height": 640}, "timezone_id": TZ, "geolocation": NINGBO, "permissions": ["geolocation"],
        "locale": "zh-CN", "service_workers": "allow", "accept_downloads": True, **options})
    ctx.set_default_timeout(20000)
    # the print dialog is the phone's, not the page's: headless Chromium lays the page out for
    # printing (slow under load, and the page waits); the tests check what was printed instead
    ctx.add_init_script("window.print = () => { (window.__prints = window.__prints || [])"
                        ".push(document.querySelector('.paper-80mm') ? '80mm' : 'a4') }")
    if not clock.is_real():
        ctx.clock.install(time=clock.now())
    return ctx


def printed(page: Any, count: int, seconds: float = 20) -> list[str]:
    """What the page printed (the stubbed window.print of new_phone), once it printed `count`
    times: the paper each was printed on. Polled from here: the page's CSP forbids the eval
    that wait_for_function would use."""
    import time

    deadline = time.monotonic() + seconds
    while True:
        done = page.evaluate("window.__prints || []")
        if len(done) >= count or time.monotonic() > deadline:
            assert len(done) == count, done
            return done
        page.wait_for_timeout(100)


@pytest.fixture
def server(app, demo, database_url, tmp_path):
    """gunicorn on a free port with the built PWA; each test starts from the demo data."""
    srv = start_server(database_url, str(tmp_path / "media"), app.config["SECRET_KEY"])
    yield srv
    srv.stop()


@pytest.fixture
def context(browser, server, tmp_path) -> BrowserContext:
    ctx = new_phone(browser, f"http://127.0.0.1:{server.port}")
    yield ctx
    ctx.close()


ARTIFACTS = ROOT / "tests" / "browser" / "artifacts"


def _watched_page(ctx: BrowserContext, name: str):
    """A page whose uncaught errors fail the test, with a screenshot kept at the end."""
    p = ctx.new_page()
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("console", lambda m: print(f"[console.{m.type}] {m.text}"))
    yield p
    ARTIFACTS.mkdir(exist_ok=True)
    try:
        p.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception:  # noqa: BLE001 - a closed page has nothing to show
        pass
    assert not errors, f"uncaught errors in the page: {errors}"


@pytest.fixture
def page(context, request) -> Page:
    yield from _watched_page(context, request.node.name)


# A supervisor's desk computer whose system zone was left at UTC: the console must still
# count days and show times in Asia/Shanghai.
DESK = {"viewport": {"width": 1366, "height": 768}, "timezone_id": "UTC"}


@pytest.fixture
def desk(browser, server, request) -> Page:
    ctx = new_phone(browser, f"http://127.0.0.1:{server.port}", **DESK)
    yield from _watched_page(ctx, request.node.name)
    ctx.close()


def login(page: Page, username: str = "zf001", password: str = "demo1234", pin: str = "2468") -> None:
    page.goto("/login")
    page.locator("[data-test=username] input").fill(username)
    page.locator("[data-test=password] input").fill(password)
    page.locator("[data-test=login]").click()
    pin_box = page.locator("[data-test=new-pin] input")
    pin_box.wait_for()
    pin_box.fill(pin)
    page.locator("[data-test=new-pin2] input").fill(pin)
    page.locator("[data-test=save-pin]").click()
    expect(page.locator("[data-test=go-patrol]")).to_be_visible()
    if username.startswith("zf"):  # the offline data is in (numbers leased for officers who decide penalties)
        expect(page.locator("[data-test=go-ticket]")).to_have_attribute("data-numbers-left", re.compile(r"^[1-9][0-9]*$"))


def _evaluate(page: Page, expression: str) -> Any:
    """page.evaluate that asks again while the page is navigating (a reload after an update)."""
    from playwright.sync_api import Error as PlaywrightError

    while True:
        try:
            return page.evaluate(expression)
        except PlaywrightError as exc:
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
            page.wait_for_timeout(100)


def wait_until(page: Page, expression: str, timeout: float = 20) -> None:
    """Poll a JS expression from Python (page.wait_for_function evaluates strings in the
    page, which our CSP — rightly — forbids)."""
    deadline = time.monotonic() + timeout
    while not _evaluate(page, expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(100)


def wait_for(condition: Callable[[], Any], page: Page, timeout: float = 30, what: str = "") -> Any:
    """Wait for a Python-side condition (a request seen, a row stored) with a generous
    deadline — never assert on asynchronous work at once, never sleep a fixed time."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        page.wait_for_timeout(100)
    return value


def wait_for_service_worker(page: Page) -> None:
    # installing precaches the whole build: on a machine busy with the rest of the suite
    # that took longer than 20 s once (CI of 2026-11-30)
    wait_until(page, "!!(navigator.serviceWorker && navigator.serviceWorker.controller)", timeout=60)


def go_offline(context: BrowserContext, page: Page) -> None:
    # the app works offline once its service worker controls the page: on a busy machine
    # that came after the login (a navigation offline then failed: ERR_INTERNET_DISCONNECTED)
    wait_for_service_worker(page)
    context.set_offline(True)
    wait_until(page, "navigator.onLine === false")


def go_online(context: BrowserContext, page: Page) -> None:
    context.set_offline(False)
    wait_until(page, "navigator.onLine === true")


OUTBOX_STATE = """async () => {
    const open = await new Promise((res, rej) => { const r = indexedDB.open('zhangshang'); r.onsuccess = () => res(r.result); r.onerror = rej })
    const all = (store) => new Promise((res) => { const q = open.transaction(store).objectStore(store).getAll(); q.onsuccess = () => res(q.result) })
    const outbox = await all('outbox')
    const blobs = (await all('blobs')).map((b) => ({ sha256: b.sha256, verified: b.verified, size: b.size }))
    open.close()
    return { outbox: outbox.map((r) => ({ id: r.id, kind: r.kind, status: r.status, officer: r.officer, message: r.message })), blobs }
}"""


def outbox_state(page: Page) -> dict:
    return _evaluate(page, OUTBOX_STATE)


def wait_synced(page: Page, timeout: float = 45) -> None:
    """The outbox is empty: every record acknowledged, every photo verified."""
    deadline = time.monotonic() + timeout
    while True:
        st = outbox_state(page)
        if not st["outbox"] and not [b for b in st["blobs"] if b["verified"] == 0]:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox not drained: {st}")
        page.wait_for_timeout(300)


def count(app, model, **filters: Any) -> int:
    with app.app_context():
        q = select(func.count()).select_from(model)
        for k, v in filters.items():
            q = q.where(getattr(model, k) == v)
        n = db.session.scalar(q)
        db.session.remove()
        return n


def new_id() -> str:
    return str(uuid.uuid4())


AXE = ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page: Page, impacts: tuple[str, ...] = ("critical", "serious")) -> list[dict]:
    """axe-core's violations of these impacts on the page as it is now. The script goes in
    through DevTools (page.evaluate), which the page's strict CSP does not govern."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text() + "\n;0")
    found = page.evaluate("""async () => (await axe.run(document, { resultTypes: ['violations'] })).violations
        .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' ')),
                       count: v.nodes.length }))""")
    return [v for v in found if v["impact"] in impacts]
