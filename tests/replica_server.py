"""A streaming PostGIS replica for the tests of the supervisors' replica reads (backend/replica.py).

`session_replica_url()` is TEST_REPLICA_URL (scripts/test.sh and .ci/run start the replica
with scripts/replica-up.sh after PostGIS and export it); without it the replica tests are
skipped — except under CI=true, where that is an error, not a silent skip.

The replica copies the whole primary cluster, so the database each pytest-xdist worker
clones on the primary (tests/conftest.py `worker_database`) appears on it too:
`worker_replica_url` names it the same way. Pausing WAL replay is the cluster's, not a
database's: `ReplicaControl` holds a lock (the one scripts/replica-up.sh takes) for the
whole of a test that uses the replica, so two test runs on one machine never pause it under
each other's feet.
"""
from __future__ import annotations

import fcntl
import functools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

LOCK_WAIT_S = 600  # another run's replica tests (or replica-up.sh remaking it) may hold the lock this long
CATCH_UP_S = 60


def _missing(why: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test the read replica: {why} (see scripts/replica-up.sh, scripts/test.sh and .ci/run)",
                    pytrace=False)
    pytest.skip(f"no read replica: {why} (scripts/replica-up.sh)")


@functools.cache
def session_replica_url() -> str:
    """TEST_REPLICA_URL, checked to be a hot standby that answers (see the module's docstring)."""
    url = os.environ.get("TEST_REPLICA_URL")
    if not os.environ.get("TEST_POSTGIS_URL"):
        _missing("TEST_POSTGIS_URL is not set")
    if not url:
        _missing("TEST_REPLICA_URL is not set")
    engine = create_engine(url, connect_args={"connect_timeout": 5})  # type: ignore[arg-type]
    try:
        with engine.connect() as conn:
            if not conn.scalar(text("SELECT pg_is_in_recovery()")):
                pytest.fail(f"TEST_REPLICA_URL {make_url(url).render_as_string()} is no hot standby", pytrace=False)
    except Exception as exc:  # noqa: BLE001 - any failure here means no usable replica
        pytest.fail(f"the replica at {make_url(url).render_as_string()} does not answer: {exc}", pytrace=False)
    finally:
        engine.dispose()
    return url  # type: ignore[return-value]


def worker_replica_url(url: str, worker: str | None) -> str:
    """The replica's URL for this xdist worker's database, named as conftest.worker_database names it."""
    u = make_url(url)
    if worker and worker != "master":
        u = u.set(database=f"{u.database}_{worker}")
    return u.render_as_string(hide_password=False)


def _lsn(conn: Any, sql: str) -> int:
    value = conn.scalar(text(sql))
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


class ReplicaControl:
    """The replica of this worker's database: wait for it, pause and resume its replay."""

    def __init__(self, primary_url: str, replica_url: str) -> None:
        self.primary_url, self.replica_url = primary_url, replica_url
        self.primary: Engine = create_engine(primary_url, isolation_level="AUTOCOMMIT")
        self.replica: Engine = create_engine(replica_url, isolation_level="AUTOCOMMIT")

    def close(self) -> None:
        self.primary.dispose()
        self.replica.dispose()

    def caught_up(self, timeout: float = CATCH_UP_S) -> None:
        """Wait until the replica has replayed all the primary has written so far."""
        with self.primary.connect() as conn:
            target = _lsn(conn, "SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while True:
            try:
                with self.replica.connect() as conn:
                    if _lsn(conn, "SELECT pg_last_wal_replay_lsn()::text") >= target:
                        return
            except Exception:  # noqa: BLE001 - the worker's clone may not have reached the replica yet
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"the replica did not catch up with the primary within {timeout} s")
            time.sleep(0.05)

    @contextmanager
    def replay_paused(self) -> Iterator[None]:
        """Replay stops (what the primary writes meanwhile stays off the replica), and resumes after."""
        self.caught_up()
        with self.replica.connect() as conn:
            conn.execute(text("SELECT pg_wal_replay_pause()"))
        try:
            yield
        finally:
            with self.replica.connect() as conn:
                conn.execute(text("SELECT pg_wal_replay_resume()"))

    def replica_scalar(self, sql: str, **params: Any) -> Any:
        with self.replica.connect() as conn:
            return conn.scalar(text(sql), params)

    def primary_scalar(self, sql: str, **params: Any) -> Any:
        with self.primary.connect() as conn:
            return conn.scalar(text(sql), params)


@contextmanager
def _replica_lock(url: str) -> Iterator[None]:
    u = make_url(url)
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"zhangshang-replica-{u.port or 5432}.lock"
    try:
        lock = open(path, "a")
    except PermissionError:  # made by root (scripts/replica-up.sh): a lock needs no write access
        lock = open(path)
    with lock:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{path} stayed locked for {LOCK_WAIT_S} s (another run's replica tests?)", pytrace=False)
                time.sleep(0.2)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _resume_if_paused(url: str) -> None:
    """A run that died with replay paused (whoever holds the lock may resume it)."""
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT pg_is_wal_replay_paused()")):
                conn.execute(text("SELECT pg_wal_replay_resume()"))
    finally:
        engine.dispose()


@pytest.fixture
def replica(app, database_url: str) -> Iterator[ReplicaControl]:
    """This worker's database on the replica, under the replica lock for the whole test; replay
    is running and caught up when the test begins (and resumed if the test dies paused)."""
    base = session_replica_url()
    url = worker_replica_url(base, os.environ.get("PYTEST_XDIST_WORKER"))
    if make_url(url).database != make_url(database_url).database:
        pytest.fail(f"TEST_REPLICA_URL's database ({make_url(base).database}) is not TEST_POSTGIS_URL's "
                    f"({make_url(os.environ['TEST_POSTGIS_URL']).database})", pytrace=False)
    control = ReplicaControl(database_url, url)
    try:
        with _replica_lock(base):
            _resume_if_paused(base)
            control.caught_up()
            yield control
    finally:
        control.close()
