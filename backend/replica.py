"""Supervisors' reads on a streaming replica, with read-your-writes (docs/deploy.md,
"A read replica for supervisors").

`DATABASE_REPLICA_URL` names a PostgreSQL hot standby of `DATABASE_URL`. The views marked
`@reads_replica` (the supervision blueprint: figures and drill-downs, coverage, the patrol
log, the live board, device health, the exports) send their SELECTs there; every other
request, and every write anywhere, uses the primary. The choice is made per statement by the
session's `get_bind`, SQLAlchemy's documented pattern for a leader and its followers
("Custom Vertical Partitioning", docs.sqlalchemy.org/en/20/orm/persistence_techniques.html):
the replica only for a plain SELECT of a marked request while the session is not flushing.

A routed request goes to the primary instead, and says why in the log, when:

* the replica is unreachable, is no standby, or lags more than `REPLICA_MAX_LAG_S`;
* the caller wrote recently (read-your-writes): every request that wrote, of a caller who
  may make routed reads, records the primary's WAL position (`pg_current_wal_lsn()`) for that
  officer, in Redis when one is configured — shared by every process and host — else in
  this process. Their routed reads go to the primary until the replica's
  `pg_last_wal_replay_lsn()` has passed it.

A routed view that turns out to write anything but the audit trail (an export's audit
entry) — coverage and the patrol log refresh stale patrol summaries — is run again from
the start on the primary: a write must never be computed from what a lagging replica said.
A replica that fails in the middle of a view (gone, a query cancelled by recovery) is the
same: the view runs again on the primary. Never a 500 for the replica's sake.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, TypeVar

import flask_sqlalchemy.session
from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.elements import TextClause
from sqlalchemy.sql.selectable import CompoundSelect, Select

from .database import PING_AFTER_IDLE_S, ping_after_idle_s

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

EXTENSION = "replica"  # app.extensions[EXTENSION]: the ReplicaRouter, when DATABASE_REPLICA_URL is set
CHECK_INTERVAL_S = 1.0  # a process asks the replica how far it is at most this often
DOWN_RETRY_S = 5.0  # after the replica failed, it is left alone this long
CONNECT_TIMEOUT_S = 2  # a replica host that does not answer costs a request at most this
# the only tables a routed view may write: an export's entry in the audit trail cites what
# was read (how many rows), it is not computed from replica rows it changes
APPEND_ONLY_TABLES = frozenset({"audit_chains", "audit_entries"})
ROUTABLE_METHODS = frozenset({"GET", "HEAD"})

_ROUTED = "zhangshang.replica.routed"  # session.info key: the routed phase of a request


# --- WAL positions -----------------------------------------------------------------------------

def parse_lsn(value: str | None) -> int | None:
    """PostgreSQL's `X/Y` (pg_lsn) as one integer, comparable across servers of one cluster."""
    if not value:
        return None
    high, _, low = value.partition("/")
    return (int(high, 16) << 32) | int(low, 16)


class Positions(Protocol):
    """Where each officer's last write (a WAL position) is remembered."""

    def get(self, officer_id: int) -> int | None: ...

    def put(self, officer_id: int, lsn: int) -> None: ...


class MemoryPositions:
    """This process only: right for one process (`make run`), refused in production."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._lock = threading.Lock()
        self._items: dict[int, tuple[int, float]] = {}

    def get(self, officer_id: int) -> int | None:
        item = self._items.get(officer_id)
        return item[0] if item is not None and item[1] > time.monotonic() else None

    def put(self, officer_id: int, lsn: int) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._items) > 10_000:  # forget what expired
                self._items = {k: v for k, v in self._items.items() if v[1] > now}
            old = self._items.get(officer_id)
            self._items[officer_id] = (max(lsn, old[0]) if old and old[1] > now else lsn, now + self.ttl_s)


class RedisPositions:
    """Shared by every process and host: one key per officer, the larger position kept (two
    requests of one officer may finish out of order), expiring once no replica that is
    usable at all (lag ≤ REPLICA_MAX_LAG_S) can still be behind it."""

    # fixed-width upper-case hex compares as text in the order of the positions
    KEEP_LARGER = """
local old = redis.call('GET', KEYS[1])
if (not old) or old < ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
else
  redis.call('EXPIRE', KEYS[1], ARGV[2])
end
return 1
"""

    def __init__(self, url: str, prefix: str, ttl_s: float) -> None:
        import redis

        self.ttl_s = max(1, int(ttl_s))
        self.prefix = f"{prefix}:replica-lsn:"
        self.client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
        self._keep_larger = self.client.register_script(self.KEEP_LARGER)

    def get(self, officer_id: int) -> int | None:
        value = self.client.get(f"{self.prefix}{officer_id}")
        return int(value, 16) if value else None

    def put(self, officer_id: int, lsn: int) -> None:
        self._keep_larger(keys=[f"{self.prefix}{officer_id}"], args=[f"{lsn:016X}", self.ttl_s])

    def close(self) -> None:
        self.client.connection_pool.disconnect()


def _is_redis(url: str) -> bool:
    return url.split("://", 1)[0] in ("redis", "rediss", "unix")


# --- the replica's state -----------------------------------------------------------------------

class ReplicaStatus(NamedTuple):
    """What a process last learnt about the replica."""

    state: str  # ok | lagging | unreachable | not_standby | primary_unreachable
    lag_s: float | None  # 0 when it has replayed all the primary had written; None when unknown
    replay_lsn: int | None
    replay_paused: bool | None
    checked_at: float  # time.monotonic()
    error: str | None = None

    @property
    def usable(self) -> bool:
        return self.state == "ok"


class ReplicaRouter:
    """The replica engine, its last known state and the officers' write positions (one per app)."""

    def __init__(self, app: Flask, url: str, positions: Positions) -> None:
        self.url = url
        self.max_lag_s = float(app.config.get("REPLICA_MAX_LAG_S", 30))
        self.engine = self.make_engine(url, ping_after_idle_s(app.config))
        self.positions = positions
        self.routed_roles: frozenset[str] = frozenset()
        self._status: ReplicaStatus | None = None
        self._lock = threading.Lock()

    @classmethod
    def make_engine(cls, url: str, ping_after_idle_s: float = PING_AFTER_IDLE_S) -> Engine:
        from .database import install_idle_ping

        engine = create_engine(url, pool_pre_ping=ping_after_idle_s <= 0, pool_size=5, max_overflow=10,
                               connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
        install_idle_ping(engine, ping_after_idle_s)
        event.listen(engine, "before_execute", cls._refuse_writes)
        event.listen(engine, "before_cursor_execute", cls._refuse_write_sql)
        event.listen(engine, "handle_error", cls._on_error)
        return engine

    # belt and braces: whatever path a write takes, it never reaches the replica
    @staticmethod
    def _refuse_writes(conn: Any, statement: Any, *args: Any) -> None:
        kind, tables = statement_kind(statement)
        if kind != "read":
            _refuse(f"it {'locks rows' if kind == 'lock' else 'writes ' + ', '.join(sorted(tables))}")

    @staticmethod
    def _refuse_write_sql(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
        compiled = context is not None and context.compiled is not None
        if (compiled and (context.isinsert or context.isupdate or context.isdelete)) or (
                not compiled and statement_kind(statement)[0] != "read"):
            _refuse("it writes")

    # the replica failed under a routed view: the view starts again on the primary
    @staticmethod
    def _on_error(context: Any) -> None:
        if has_request_context() and not isinstance(context.original_exception, NeedsPrimary):
            phase = _current_phase()
            if phase is not None:
                phase.abandon(f"the replica failed: {_short(context.original_exception)}", replica_failed=True)

    def status(self, max_age_s: float = CHECK_INTERVAL_S) -> ReplicaStatus:
        """The replica's state, asked again when older than `max_age_s` (DOWN_RETRY_S when down)."""
        def fresh(s: ReplicaStatus | None) -> bool:
            if s is None:
                return False
            ttl = DOWN_RETRY_S if s.state in ("unreachable", "not_standby") else max_age_s
            return time.monotonic() - s.checked_at < ttl

        status = self._status
        if fresh(status):
            return status  # type: ignore[return-value]
        with self._lock:  # one probe at a time per process; the other threads take its answer
            if not fresh(self._status):
                self._set(self._probe())
            return self._status  # type: ignore[return-value]

    def _set(self, status: ReplicaStatus) -> None:
        before = self._status
        self._status = status
        if before is None or before.state != status.state:
            if status.usable:
                log.info("read replica %s: ok (lag %.1f s); routed reads go to it", self._where(), status.lag_s or 0.0)
            else:
                log.warning("read replica %s: %s%s; routed reads go to the primary", self._where(), status.state,
                            f" ({status.error})" if status.error else
                            f" (lag {status.lag_s:.1f} s > {self.max_lag_s:g} s)" if status.lag_s is not None else "")

    def _where(self) -> str:
        u = make_url(self.url)
        return f"{u.host}:{u.port or 5432}/{u.database}"

    def _probe(self) -> ReplicaStatus:
        from .extensions import db

        now = time.monotonic()
        try:  # first the primary's position, then how far the replica has replayed
            with db.engine.connect() as conn:
                primary_lsn = parse_lsn(conn.scalar(text("SELECT pg_current_wal_lsn()::text")))
        except DBAPIError as exc:
            return ReplicaStatus("primary_unreachable", None, None, None, now, _short(exc))
        try:
            with self.engine.connect() as conn:
                row = conn.execute(text(
                    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
                    " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp()),"
                    " CASE WHEN pg_is_in_recovery() THEN pg_is_wal_replay_paused() END")).one()
        except Exception as exc:  # noqa: BLE001 - whatever the reason, the primary answers instead
            return ReplicaStatus("unreachable", None, None, None, now, _short(exc))
        in_recovery, replay, age, paused = row
        if not in_recovery:
            return ReplicaStatus("not_standby", None, None, None, now, "pg_is_in_recovery() is false")
        replay_lsn = parse_lsn(replay)
        if replay_lsn is not None and primary_lsn is not None and replay_lsn >= primary_lsn:
            lag: float | None = 0.0
        else:  # behind: as old as the last transaction it replayed (unknown before the first)
            lag = max(0.0, float(age)) if age is not None else None
        usable = replay_lsn is not None and lag is not None and lag <= self.max_lag_s
        return ReplicaStatus("ok" if usable else "lagging", lag, replay_lsn, bool(paused), now)

    def replay_lsn_now(self) -> int | None:
        """The replica's replay position this instant (a read-your-writes check that the cached one failed)."""
        try:
            with self.engine.connect() as conn:
                lsn = parse_lsn(conn.scalar(text("SELECT pg_last_wal_replay_lsn()::text")))
        except Exception:  # noqa: BLE001 - unknown: the primary answers
            return None
        status = self._status
        if lsn is not None and status is not None and (status.replay_lsn or 0) < lsn:
            self._status = status._replace(replay_lsn=lsn)
        return lsn

    def refusal(self, officer_id: int | None) -> str | None:
        """None when this caller's routed reads may go to the replica now; else why not."""
        status = self.status()
        if not status.usable:
            return f"replica {status.state}"
        if officer_id is None:
            return None
        try:
            wrote = self.positions.get(officer_id)
        except Exception as exc:  # noqa: BLE001 - Redis down: whose writes are not replayed is unknown
            log.warning("read replica: the write positions cannot be read (%s); routed reads go to the primary", _short(exc))
            return "write positions unavailable"
        if wrote is None or (status.replay_lsn is not None and wrote <= status.replay_lsn):
            return None
        now = self.replay_lsn_now()
        if now is not None and wrote <= now:
            return None
        return "own write not replayed yet"

    def remember_write(self, officer_id: int) -> None:
        """After a committed write: the primary's position now is at or after it."""
        from .extensions import db

        with db.engine.connect() as conn:
            lsn = parse_lsn(conn.scalar(text("SELECT pg_current_wal_lsn()::text")))
        if lsn is not None:
            self.positions.put(officer_id, lsn)

    def health(self) -> dict[str, Any]:
        s = self.status()
        return {"state": s.state, "lag_s": None if s.lag_s is None else round(s.lag_s, 3), "max_lag_s": self.max_lag_s,
                "replay_paused": s.replay_paused}

    def dispose(self) -> None:
        self.engine.dispose()
        close = getattr(self.positions, "close", None)
        if close is not None:
            close()


def _current_phase() -> RoutedPhase | None:
    from .extensions import db

    return db.session().info.get(_ROUTED)


def _refuse(why: str) -> None:
    phase = _current_phase() if has_request_context() else None
    if phase is not None:
        phase.abandon(why)
    raise NeedsPrimary(f"refused on the read replica: {why}")


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    return f"{type(orig).__name__}: {str(orig).strip().splitlines()[0][:200] if str(orig).strip() else ''}"


# --- the session ---------------------------------------------------------------------------------

class NeedsPrimary(Exception):
    """A routed view is about to write what it may have read on the replica: run it on the primary."""


@dataclass
class RoutedPhase:
    """The part of a request (the marked view's body) whose plain reads go to the replica."""

    engine: Engine
    abandoned: str | None = None
    replica_failed: bool = False

    def abandon(self, why: str, replica_failed: bool = False) -> None:
        if self.abandoned is None:
            self.abandoned = why
        self.replica_failed = self.replica_failed or replica_failed

    @property
    def active(self) -> bool:
        return self.abandoned is None


_READ_SQL = re.compile(r"^\s*(SELECT|WITH\s+\w+\s+AS\s*\(\s*SELECT|VALUES|SHOW)\b", re.IGNORECASE)
_LOCK_OR_WRITE_SQL = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE|FOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)|FOR\s+KEY\s+SHARE)\b",
                                re.IGNORECASE)


_SAVEPOINTS = frozenset({"SavepointClause", "RollbackToSavepointClause", "ReleaseSavepointClause"})


def statement_kind(statement: Any) -> tuple[str, set[str]]:
    """("read" | "lock" | "write", the tables written) of a statement or SQL text."""
    if type(statement).__name__ in _SAVEPOINTS:  # harmless anywhere, a standby included
        return "read", set()
    if isinstance(statement, (Select, CompoundSelect)):
        return ("read" if getattr(statement, "_for_update_arg", None) is None else "lock"), set()
    if getattr(statement, "is_dml", False):
        return "write", {getattr(getattr(statement, "table", None), "name", "?")}
    sql = statement.text if isinstance(statement, TextClause) else statement if isinstance(statement, str) else None
    if sql is not None and _READ_SQL.match(sql) and not _LOCK_OR_WRITE_SQL.search(sql):
        return "read", set()
    return "write", {"?"}  # DDL, a procedure call, text that writes or locks


def _guard(phase: RoutedPhase | None, tables: set[str]) -> None:
    """A routed view may append to the audit trail; any other write sends it back to the primary."""
    if phase is not None and phase.active and not tables <= APPEND_ONLY_TABLES:
        phase.abandon(f"it writes {', '.join(sorted(tables - APPEND_ONLY_TABLES))}")
        raise NeedsPrimary(phase.abandoned)


class RoutedConnection:
    """What `session.connection()` gives the body of a routed view: each statement goes where
    `get_bind` would send it (the patrol log runs Core SELECTs on it; the audit trail appends
    through it)."""

    def __init__(self, session: RoutingSession, phase: RoutedPhase) -> None:
        self._session, self._phase = session, phase

    def _for(self, statement: Any) -> Any:
        kind, tables = statement_kind(statement)
        if kind == "read" and self._phase.active:
            return self._session._plain_connection({"bind": self._phase.engine})
        if kind == "write":
            _guard(self._phase, tables)
        return self._session._plain_connection({"bind": self._session._primary()})

    def execute(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self._for(statement).execute(statement, *args, **kwargs)

    def scalar(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self._for(statement).scalar(statement, *args, **kwargs)

    def scalars(self, statement: Any, *args: Any, **kwargs: Any) -> Any:
        return self._for(statement).scalars(statement, *args, **kwargs)

    def exec_driver_sql(self, statement: str, *args: Any, **kwargs: Any) -> Any:
        return self._for(statement).exec_driver_sql(statement, *args, **kwargs)

    def __getattr__(self, name: str) -> Any:  # dialect, info, …: the replica's, like the reads
        return getattr(self._session._plain_connection({"bind": self._phase.engine}), name)


class RoutingSession(flask_sqlalchemy.session.Session):
    """Flask-SQLAlchemy's session, with the replica for the plain reads of a routed view."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        if bind is None and clause is not None:
            phase = self.info.get(_ROUTED)
            if phase is not None and phase.active and not self._flushing and statement_kind(clause)[0] == "read":
                return phase.engine
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)

    def connection(self, bind_arguments: Any = None, execution_options: Any = None) -> Any:
        phase = self.info.get(_ROUTED)
        if phase is not None and phase.active and not bind_arguments and not execution_options:
            return RoutedConnection(self, phase)
        return super().connection(bind_arguments=bind_arguments, execution_options=execution_options)

    def _plain_connection(self, bind_arguments: dict[str, Any]) -> Any:
        return super().connection(bind_arguments=bind_arguments)

    def _primary(self) -> Any:
        return super().get_bind()


def _tables_written(session: Any) -> set[str]:
    tables = set()
    for obj in [*session.new, *session.deleted, *(o for o in session.dirty if session.is_modified(o))]:
        table = getattr(inspect(obj).mapper, "local_table", None)
        tables.add(getattr(table, "name", "?"))
    return tables


@event.listens_for(RoutingSession, "do_orm_execute")
def _on_execute(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        _guard(state.session.info.get(_ROUTED), statement_kind(state.statement)[1])


@event.listens_for(RoutingSession, "before_flush")
def _on_before_flush(session: Any, flush_context: Any, instances: Any) -> None:
    if session.info.get(_ROUTED) is not None:
        _guard(session.info[_ROUTED], _tables_written(session))



# --- the decorator and the request hooks -------------------------------------------------------------

def reads_replica(view: F) -> F:
    """Mark a view whose reads the replica may answer (GET only; see the module's docstring).

    Put it right above the function, under flask-smorest's decorators: it may run the
    function a second time, on the primary."""

    @functools.wraps(view)
    def routed(*args: Any, **kwargs: Any) -> Any:
        router: ReplicaRouter | None = current_app.extensions.get(EXTENSION)
        if router is None or request.method not in ROUTABLE_METHODS:
            return view(*args, **kwargs)
        from .extensions import db

        who = g.get("_replica_who")
        why = router.refusal(who[0] if who else None)
        if why is not None:
            log.debug("%s %s: read from the primary (%s)", request.method, request.path, why)
            return view(*args, **kwargs)
        session = db.session()
        phase = RoutedPhase(router.engine)
        session.info[_ROUTED] = phase
        try:
            try:
                result = view(*args, **kwargs)
            finally:
                session.info.pop(_ROUTED, None)
        except Exception:
            if phase.abandoned is None:
                raise
        else:
            if phase.abandoned is None:
                return result
        # start again on the primary, from a clean session
        (log.warning if phase.replica_failed else log.info)(
            "%s %s: run again on the primary: %s", request.method, request.path, phase.abandoned)
        if phase.replica_failed:
            router._set(ReplicaStatus("unreachable", None, None, None, time.monotonic(), phase.abandoned))
        session.rollback()
        return view(*args, **kwargs)

    routed._reads_replica = True  # type: ignore[attr-defined]
    return routed  # type: ignore[return-value]


def _note_caller() -> None:
    """before_request, after authentication: who this is."""
    identity = g.get("identity")
    if identity is not None:
        g._replica_who = (identity.officer_id, identity.role)


def _note_write(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, executemany: bool) -> None:
    """after_cursor_execute on the primary: this request wrote (through the ORM, Core or a
    connection alike). A write rolled back afterwards is remembered too: harmless, its reader
    is sent to the primary until the replica has passed a position that exists anyway."""
    if not has_request_context() or g.get("_replica_wrote"):
        return
    compiled = context is not None and context.compiled is not None
    if (context.isinsert or context.isupdate or context.isdelete) if compiled else statement_kind(statement)[0] == "write":
        g._replica_wrote = True


def _remember_write(response: Any) -> Any:
    """after_request (after the request's commit): a write of a caller who makes routed reads
    records the primary's position, at or after where it ended."""
    if g.pop("_replica_wrote", False):
        who = g.get("_replica_who")
        router: ReplicaRouter | None = current_app.extensions.get(EXTENSION)
        if router is not None and who is not None and who[1] in router.routed_roles:
            try:
                router.remember_write(who[0])
            except Exception as exc:  # noqa: BLE001 - the write stands; its reader may see the replica's past
                log.warning("read replica: the position of officer %s's write was not recorded (%s)", who[0], _short(exc))
    return response


def init_app(app: Flask) -> None:
    """Bind the replica when DATABASE_REPLICA_URL is set. Call after the blueprints are
    registered (the roles that make routed reads are read from the route table) and after
    the access hook (the caller is known)."""
    url = app.config.get("DATABASE_REPLICA_URL") or ""
    if not url:
        return
    from .database import is_sqlite

    primary = app.config["SQLALCHEMY_DATABASE_URI"]
    if is_sqlite(primary):
        raise RuntimeError("DATABASE_REPLICA_URL needs PostgreSQL: SQLite + SpatiaLite has no streaming replica. "
                           "Unset it, or set DATABASE_URL to the PostGIS primary (docs/deploy.md).")
    if make_url(url).get_backend_name() != "postgresql":
        raise RuntimeError("DATABASE_REPLICA_URL must be a PostgreSQL URL (postgresql+psycopg://…) of a hot standby "
                           "of DATABASE_URL.")
    max_lag = float(app.config.get("REPLICA_MAX_LAG_S", 30))
    if max_lag < 0:
        raise RuntimeError("REPLICA_MAX_LAG_S must not be negative.")
    ttl = 2 * max_lag + 60  # past this, a replica within the allowed lag has replayed the write
    store = app.config.get("REPLICA_POSITIONS_URL") or ""
    if not store:
        limits = app.config.get("RATELIMIT_STORAGE_URI") or ""
        store = limits if _is_redis(limits) else "memory://"
    if store == "memory://":
        if app.config.get("ENV_NAME") == "production":
            raise RuntimeError("DATABASE_REPLICA_URL: read-your-writes needs each officer's last write known to every "
                               "process: set RATELIMIT_STORAGE_URI (or REPLICA_POSITIONS_URL) to redis://… (docs/deploy.md).")
        positions: Positions = MemoryPositions(ttl)
    elif _is_redis(store):
        positions = RedisPositions(store, app.config.get("RATELIMIT_KEY_PREFIX") or "zhangshang", ttl)
    else:
        raise RuntimeError("REPLICA_POSITIONS_URL must be redis://… (or memory:// for one process).")
    router = ReplicaRouter(app, url, positions)
    roles: set[str] = set()
    for view in app.view_functions.values():
        if getattr(view, "_reads_replica", False):
            rule = getattr(view, "_access", ())
            roles.update(rule if isinstance(rule, tuple) else ("officer", "auxiliary", "supervisor", "admin"))
    router.routed_roles = frozenset(roles)
    app.extensions[EXTENSION] = router
    from .extensions import db

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", _note_write)
    app.before_request(_note_caller)
    app.after_request(_remember_write)


def router(app: Flask | None = None) -> ReplicaRouter | None:
    """The app's ReplicaRouter, or None without a replica."""
    return (app or current_app).extensions.get(EXTENSION)
