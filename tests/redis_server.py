"""A Redis for the tests that need shared state (rate-limit counters across processes).

Import the fixtures into a test module (`from tests.redis_server import limiter_storage`).
`redis_url` is TEST_REDIS_URL when set (CI sets it: .ci/run), else a private server
started by scripts/redis-up.sh when `redis-server` is installed; with neither the Redis
cases are skipped — except under CI=true, where that is an error, not a silent skip.

Each pytest-xdist worker gets a database of its own on that server (gw0 → 1, gw1 → 2, …;
the controller 0): one test resetting its counters never clears another's.
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import pytest
from flask import Flask

from backend.extensions import limiter
from tests.conftest import ROOT

REDIS_DATABASES = 16  # redis-server's default `databases`


def worker_database_url(url: str, worker: str | None) -> str:
    """The URL with the database number of this xdist worker."""
    n = 0 if not worker or not worker.startswith("gw") else 1 + int(worker[2:]) % (REDIS_DATABASES - 1)
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{n}"))


def _start_private_server() -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "redis-up.sh")], capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"scripts/redis-up.sh failed ({done.returncode}): {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


@functools.cache
def session_redis_url() -> str:
    """The Redis of this test session (see the module's docstring); skips, or fails under CI, without one."""
    url = os.environ.get("TEST_REDIS_URL")
    if not url:
        if shutil.which("redis-server"):
            url = _start_private_server()
        elif os.environ.get("CI") == "true":
            pytest.fail("CI must test the Redis rate-limit storage: TEST_REDIS_URL is not set and redis-server "
                        "is not installed (see scripts/redis-up.sh and .ci/run)", pytrace=False)
        else:
            pytest.skip("no Redis: set TEST_REDIS_URL or install redis-server (scripts/redis-up.sh)")
    url = worker_database_url(url, os.environ.get("PYTEST_XDIST_WORKER"))
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"Redis at {url} does not answer: {exc}", pytrace=False)
    finally:
        client.close()
    return url


@pytest.fixture(scope="session")
def redis_url() -> str:
    return session_redis_url()


def _close(storage: object) -> None:
    """Close a Redis storage's connections (an unclosed socket warns, and warnings are errors here)."""
    client = getattr(storage, "storage", None)
    pool = getattr(client, "connection_pool", None)
    if pool is not None:
        pool.disconnect()


@pytest.fixture(params=["memory", "redis"])
def limiter_storage(request, app: Flask) -> Iterator[str]:
    """Run the test with the rate-limit counters in this process's memory, then in Redis.

    The limiter is one object bound to every app (backend/extensions.py); binding it again
    replaces its storage, and the session's app gets its own back afterwards."""
    uri = "memory://" if request.param == "memory" else session_redis_url()
    before = app.config["RATELIMIT_STORAGE_URI"]
    app.config["RATELIMIT_STORAGE_URI"] = uri
    limiter.init_app(app)
    limiter.reset()
    try:
        yield uri
    finally:
        used = limiter.storage
        app.config["RATELIMIT_STORAGE_URI"] = before
        limiter.init_app(app)
        if used is not limiter.storage:
            try:
                used.reset()  # leave the worker's Redis database empty for the next test
            finally:
                _close(used)
