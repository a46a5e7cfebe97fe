"""Engine set-up for the two supported spatial databases.

* SQLite + SpatiaLite (embedded default). The pyenv Python on our machines has no
  `enable_load_extension` in its stdlib `sqlite3`, so `pysqlite3` (binary wheel, x86_64)
  is used when present; otherwise the stdlib driver if it can load extensions. Spatial
  metadata is initialised in WGS84 mode inside one transaction (otherwise the first
  connect to a new file takes ~9 s to load every EPSG SRID).
* PostgreSQL + PostGIS (production), `postgresql+psycopg://...`.
"""
from __future__ import annotations

import functools
import importlib
import os
import re
from types import ModuleType
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url


class DatabaseSetupError(RuntimeError):
    pass


def sqlite_driver() -> ModuleType:
    """The first DB-API sqlite module that can load extensions."""
    for name in ("pysqlite3.dbapi2", "sqlite3"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        conn = module.connect(":memory:")
        try:
            if hasattr(conn, "enable_load_extension"):
                return module
        finally:
            conn.close()
    raise DatabaseSetupError(
        "No sqlite3 driver that can load extensions: install pysqlite3-binary (x86_64) "
        "or a Python built with loadable sqlite extensions."
    )


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


# the defaults of DATABASE_PING_AFTER_IDLE_S and SQLITE_BUSY_TIMEOUT_MS (config.py reads the
# environment with them; a config without the key, a test's or a tool's, gets them here)
PING_AFTER_IDLE_S = 10.0
SQLITE_BUSY_TIMEOUT_MS = 30000


def ping_after_idle_s(config: Any) -> float:
    """PostgreSQL: how long a pooled connection may sit idle before it is pinged at checkout."""
    return float(config.get("DATABASE_PING_AFTER_IDLE_S", PING_AFTER_IDLE_S))


def sqlite_busy_timeout_ms(config: Any) -> int:
    """How long a SQLite writer waits for the write lock before the request gets 503 db.busy."""
    return int(config.get("SQLITE_BUSY_TIMEOUT_MS", SQLITE_BUSY_TIMEOUT_MS))


def engine_options(url: str, config: dict[str, Any]) -> dict[str, Any]:
    if is_sqlite(url):
        return {
            "module": sqlite_driver(),
            "connect_args": {"timeout": sqlite_busy_timeout_ms(config) / 1000, "check_same_thread": False},
        }
    # the liveness check is `install_idle_ping`'s (a connection idle for a while), unless
    # DATABASE_PING_AFTER_IDLE_S = 0 asks for SQLAlchemy's ping on every checkout
    return {"pool_pre_ping": ping_after_idle_s(config) <= 0, "pool_size": 10, "max_overflow": 20}


def install_idle_ping(engine: Engine, idle_s: float) -> None:
    """Check a pooled connection's liveness only when it has been idle for `idle_s` seconds.

    SQLAlchemy's `pool_pre_ping` costs a round trip (`SELECT 1`) on every checkout, a tenth
    of a millisecond or more on each request of a busy server, whose connections are never
    idle long enough to have died unnoticed. What the ping guards against — a database
    restart, a firewall dropping idle connections — leaves connections that sat in the pool;
    those are still checked. A connection that breaks in use ends its request with 503 (the
    phone retries), and SQLAlchemy then replaces every connection older than the failure,
    as it does with the ping. Raising `DisconnectionError` in `checkout` makes the pool
    discard the connection and check out another (SQLAlchemy's documented hook)."""
    import time

    from sqlalchemy import exc

    if idle_s <= 0:
        return

    @event.listens_for(engine, "connect")
    def _fresh(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_conn: Any, record: Any, proxy: Any) -> None:  # noqa: ARG001
        if time.monotonic() - record.info.get("idle_since", 0.0) < idle_s:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as err:
            if not engine.dialect.is_disconnect(err, dbapi_conn, None):
                raise
            alive = False
        if not alive:
            raise exc.DisconnectionError("the pooled connection was idle and no longer answers")


# a connection's execution option: it may only read (`extensions.read_outside_transaction`;
# enforced by `install_read_only_guard`). PostgreSQL: outside a transaction (autocommit);
# SQLite: in a deferred transaction, without the write lock
READS_ONLY = "zhangshang_reads_only"
# what may write or lock in a statement that starts as a read (a data-modifying CTE, a row
# lock, a sequence): refused on such a connection
_WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|NEXTVAL|SETVAL|FOR\s+SHARE|FOR\s+KEY\s+SHARE)\b", re.IGNORECASE)


class WriteOutsideTransaction(RuntimeError):
    """A statement that may write, on a connection lent to reads only: a bug (on PostgreSQL
    each statement would commit on its own; on SQLite the deferred transaction could not wait
    for the write lock), refused before it reaches the database."""


def install_read_only_guard(engine: Engine) -> None:
    """Refuse anything but a plain read on a connection marked `READS_ONLY` (PostgreSQL: in
    autocommit; SQLite: in a deferred transaction)."""

    @event.listens_for(engine, "before_cursor_execute")
    def _guard(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:  # noqa: ARG001
        if conn.get_execution_options().get(READS_ONLY) and (executemany or _may_write(statement)):
            raise WriteOutsideTransaction(f"a write on a connection lent to reads only: {statement[:80]!r}")


@functools.lru_cache(maxsize=1024)
def _may_write(statement: str) -> bool:
    """Cached: a view sends the same few statements, and the pattern over a long SELECT costs
    ~15 µs."""
    if statement == "BEGIN":  # SQLite's deferred read transaction (`install_sqlite_listeners`)
        return False
    return statement.lstrip()[:4].upper() not in ("SELE", "WITH") or _WRITES.search(statement) is not None


def install_sqlite_listeners(engine: Engine, config: dict[str, Any]) -> None:
    """Load SpatiaLite and set pragmas on every new SQLite connection."""
    from geoalchemy2.admin.dialects.sqlite import init_spatialite, load_spatialite_driver

    os.environ.setdefault("SPATIALITE_LIBRARY_PATH", config.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite"))
    synchronous = config.get("SQLITE_SYNCHRONOUS", "FULL")
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise DatabaseSetupError(f"bad SQLITE_SYNCHRONOUS {synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, record: Any) -> None:  # noqa: ARG001
        # pysqlite's implicit transactions get in the way of Alembic and SAVEPOINTs:
        # let SQLAlchemy emit BEGIN itself (see SQLAlchemy's pysqlite notes).
        dbapi_conn.isolation_level = None
        try:
            load_spatialite_driver(dbapi_conn)
        except Exception as exc:  # the message names the missing library
            raise DatabaseSetupError(
                "Cannot load SpatiaLite (apt-get install libsqlite3-mod-spatialite): " + str(exc)
            ) from exc
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={sqlite_busy_timeout_ms(config)}")
        cur.close()
        # A no-op once the metadata tables exist.
        init_spatialite(dbapi_conn, transaction=True, init_mode="WGS84")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front. A deferred transaction that reads,
        # then writes after another writer committed fails at once with "database is
        # locked" (no busy wait is possible); Rails made the same choice for SQLite.
        # A connection that may only read (`READS_ONLY`, a `@reads_only` view: the guard
        # refuses its writes) reads a WAL snapshot in a deferred one, beside the writer.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get(READS_ONLY) else "BEGIN IMMEDIATE")
