"""Fixtures: the app on each spatial engine, a clean database per test, an auth helper.

Every test that takes `app`/`client` runs once on SQLite + SpatiaLite and, when
TEST_POSTGIS_URL is set (`make test` and CI set it), once on PostgreSQL + PostGIS.
Under CI=true a missing PostGIS is an error, not a silent skip.
"""
from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text

from backend import clock, create_app
from backend.config import TestConfig
from backend.extensions import db, limiter

os.environ.setdefault("SPATIALITE_LIBRARY_PATH", "mod_spatialite")

POSTGIS_URL = os.environ.get("TEST_POSTGIS_URL")
ENGINES = ["sqlite"] + (["postgis"] if POSTGIS_URL else [])
if os.environ.get("CI") == "true" and not POSTGIS_URL:
    raise RuntimeError("CI must test PostGIS too: TEST_POSTGIS_URL is not set (see scripts/postgis-up.sh)")

DEMO_PASSWORD = "demo1234"

# The instants at which the date-sensitive tests run besides the real time (issue #23):
# what "today" is, which deadline is due and what the console draws must not depend on
# the hour CI happens to start. Fixed instants, so a failure reproduces on any day.
CLOCK_INSTANTS = {
    "0030-shanghai": "2026-12-01T00:30:00+08:00",  # Tuesday, still Monday 30 Nov in UTC
    "2330-shanghai": "2026-12-04T23:30:00+08:00",  # Friday night: the next two days are rest days
    "makeup-sunday": "2026-09-20T09:30:00+08:00",  # a Sunday that is a working day (调休), before 国庆
}


# TEST_CPU_LOAD=N starts N busy-loop processes for the whole run (in the controlling
# process only, not once per xdist worker) and stops them at the end: the suite must pass on
# a machine busy with other work, not only on an idle one (docs/testing.md).
_HOGS: list[Any] = []


def pytest_configure(config) -> None:
    import subprocess
    import sys

    n = int(os.environ.get("TEST_CPU_LOAD") or 0)
    if n and not os.environ.get("PYTEST_XDIST_WORKER"):
        # each spins until the test run ends, or until its parent is gone (a killed run leaves none behind)
        spin = "import os\nparent = os.getppid()\nwhile os.getppid() == parent:\n    for _ in range(10**6): pass"
        _HOGS.extend(subprocess.Popen([sys.executable, "-c", spin]) for _ in range(n))


def pytest_unconfigure(config) -> None:
    for hog in _HOGS:
        hog.kill()
        hog.wait()
    _HOGS.clear()


def pytest_report_header(config) -> list[str]:
    lines = []
    if _HOGS:
        lines.append(f"CPU load: {len(_HOGS)} busy-loop processes for the whole run (TEST_CPU_LOAD)")
    if os.environ.get("TEST_CLOCK_AT"):
        lines.append(f"clock: the product's clock starts at {os.environ['TEST_CLOCK_AT']} (TEST_CLOCK_AT)")
    return lines


def make_config(url: str, **overrides: Any) -> dict[str, Any]:
    cfg = {k: getattr(TestConfig, k) for k in dir(TestConfig) if k.isupper()}
    cfg["SQLALCHEMY_DATABASE_URI"] = url
    cfg.update(overrides)
    return cfg


def reset_schema(app: Flask) -> None:
    """Drop our tables (never PostGIS/SpatiaLite's own) and migrate from scratch."""
    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                tables = [t.name for t in db.metadata.sorted_tables] + ["alembic_version"]
                conn.execute(text("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in tables) + " CASCADE"))
        upgrade()


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request) -> str:
    return request.param


def worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker tests on a PostGIS database of its own (and restores
    backups into its own `_restore` one), cloned once from the suite's database, which has
    the PostGIS extension already (the test role may clone what it owns, not create
    extensions). Workers clone one at a time: a template must have no other session."""
    import fcntl
    import time

    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    u = make_url(url)
    mine = f"{u.database}_{worker}"
    admin = create_engine(u.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with open(Path(os.environ.get("TMPDIR", "/tmp")) / f"zhangshang-{u.database}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with admin.connect() as conn:
                for name in (mine, f"{mine}_restore"):
                    if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                        continue
                    for attempt in range(30):  # another program may be connected to the template for a moment
                        try:
                            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{u.database}"'))
                            break
                        except OperationalError:
                            if attempt == 29:
                                raise
                            time.sleep(1)
        finally:
            admin.dispose()
    return u.set(database=mine).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(engine_name: str, tmp_path_factory) -> str:
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "master")
    if engine_name == "postgis":
        return POSTGIS_URL if worker_id == "master" else worker_database(POSTGIS_URL, worker_id)  # type: ignore[arg-type]
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


class BufferedClient(FlaskClient):
    """Reads every response whole and closes it (file responses leave no open handle)."""

    def open(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def app(database_url: str, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    application = create_app(make_config(database_url, MEDIA_ROOT=str(media)))
    application.test_client_class = BufferedClient
    reset_schema(application)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            # no AUTOINCREMENT: ids restart at 1 once a table is empty, as on PostGIS
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Every test starts from empty tables and fresh rate-limit counters."""
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        _truncate_all()
        limiter.reset()
    yield
    with app.app_context():
        db.session.remove()


class Clock:
    """The server's clock in this process (backend/clock.py), put back when the test ends."""

    def set(self, at: str | datetime) -> datetime:
        clock.set_clock(datetime.fromisoformat(at) if isinstance(at, str) else at)
        return clock.now()

    @staticmethod
    def now() -> datetime:
        return clock.now()

    @staticmethod
    def today() -> date:
        return clock.local_today()


@pytest.fixture
def clock_control():
    """Set the product's clock; the suite's time (TEST_CLOCK_AT, or the real one) comes back after the test."""
    yield Clock()
    clock.set_offset(SESSION_OFFSET)


# TEST_CLOCK_AT runs the whole suite with the product's clock (and every test server's and
# browser's) moved to that instant and running on: `TEST_CLOCK_AT=2026-12-01T00:30:00+08:00
# make test` is a run between 00:00 and 01:30 in Asia/Shanghai without waiting for the hour
# (docs/testing.md). Tests that move the clock themselves put it back to this.
_SESSION_AT = os.environ.get("TEST_CLOCK_AT")
SESSION_OFFSET = (clock.parse_instant(_SESSION_AT) - datetime.now(timezone.utc)) if _SESSION_AT else timedelta(0)


@pytest.fixture(autouse=True)
def _session_clock():
    clock.set_offset(SESSION_OFFSET)
    yield
    clock.set_offset(SESSION_OFFSET)


# Fixtures that move the clock: `demo` (and so the browser's server) comes after them.
CLOCK_FIXTURES = ("at_any_hour", "night_clock", "workday_clock")


@pytest.fixture(params=["real-time", *CLOCK_INSTANTS])
def at_any_hour(request, clock_control: Clock) -> Clock:
    """Run a date-sensitive test at the real time and at each of CLOCK_INSTANTS."""
    if request.param != "real-time":
        clock_control.set(CLOCK_INSTANTS[request.param])
    return clock_control


# The heavy browser journeys run once per engine, each at a night hour that once failed
# (00:30 is still yesterday in UTC; at 23:30 the next local day is half an hour away).
NIGHT_BY_ENGINE = {"sqlite": "2330-shanghai", "postgis": "0030-shanghai"}


@pytest.fixture
def night_clock(engine_name: str, clock_control: Clock) -> Clock:
    clock_control.set(CLOCK_INSTANTS[NIGHT_BY_ENGINE[engine_name]])
    return clock_control


# The officer's ticket journey: on the make-up Sunday (a working day: deadlines count it)
# and on a Friday night (the next two days are rest days).
WORKDAY_BY_ENGINE = {"sqlite": "makeup-sunday", "postgis": "2330-shanghai"}


@pytest.fixture
def workday_clock(engine_name: str, clock_control: Clock, request) -> Clock:
    request.node.clock_instant = WORKDAY_BY_ENGINE[engine_name]
    clock_control.set(CLOCK_INSTANTS[WORKDAY_BY_ENGINE[engine_name]])
    return clock_control


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def demo(app: Flask, request) -> dict[str, int]:
    from backend.demo.seed import seed_demo

    for name in CLOCK_FIXTURES:  # the demo street is set up at the test's instant
        if name in request.fixturenames:
            request.getfixturevalue(name)

    with app.app_context():
        return seed_demo()


@dataclass
class Session:
    username: str
    device_id: str
    access_token: str
    refresh_token: str
    body: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


class AuthActions:
    """Log in as a demo user on a fresh device, as the phone does."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.count = 0

    def login(self, username: str, password: str = DEMO_PASSWORD, device_id: str | None = None, expect: int = 200) -> Session:
        device_id = device_id or f"dev-{uuid.uuid4()}"
        # each phone logs in from its own address (loopback range), as in the field,
        # so the per-address login limit does not trip over the test-suite itself
        self.count += 1
        addr = f"127.1.{self.count // 250}.{self.count % 250 + 1}"
        resp = self.client.post(
            "/api/v1/auth/login",
            json={"username": username, "password": password, "device_id": device_id},
            environ_base={"REMOTE_ADDR": addr},
        )
        assert resp.status_code == expect, resp.get_json()
        body = resp.get_json()
        return Session(username, device_id, body.get("access_token", ""), body.get("refresh_token", ""), body)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)


def assert_error(resp, status: int, code: str | None = None) -> dict[str, Any]:
    """The one error shape: {code, message: {zh-CN, en}, details}."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True)[:500])
    body = resp.get_json()
    assert set(body) == {"code", "message", "details"}, body
    assert body["message"]["zh-CN"] and body["message"]["en"]
    if code is not None:
        assert body["code"] == code, body
    return body


ROOT = Path(__file__).resolve().parent.parent
