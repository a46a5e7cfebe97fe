"""Engine set-up for the two supported spatial databases.

* SQLite + SpatiaLite (embedded default). The pyenv Python on our machines has no
  `enable_load_extension` in its stdlib `sqlite3`, so `pysqlite3` (binary wheel, x86_64)
  is used when present; otherwise the stdlib driver if it can load extensions. Spatial
  metadata is initialised in WGS84 mode inside one transaction (otherwise the first
  connect to a new file takes ~9 s to load every EPSG SRID).
* PostgreSQL + PostGIS (production), `postgresql+psycopg://...`.
"""
from __future__ import annotations

import importlib
import os
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


def engine_options(url: str, config: dict[str, Any]) -> dict[str, Any]:
    if is_sqlite(url):
        return {
            "module": sqlite_driver(),
            "connect_args": {"timeout": int(config.get("SQLITE_BUSY_TIMEOUT_MS", 30000)) / 1000, "check_same_thread": False},
        }
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20}


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
        cur.execute(f"PRAGMA busy_timeout={int(config.get('SQLITE_BUSY_TIMEOUT_MS', 30000))}")
        cur.close()
        # A no-op once the metadata tables exist.
        init_spatialite(dbapi_conn, transaction=True, init_mode="WGS84")

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front. A deferred transaction that reads,
        # then writes after another writer committed fails at once with "database is
        # locked" (no busy wait is possible); Rails made the same choice for SQLite.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
