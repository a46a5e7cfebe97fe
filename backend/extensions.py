"""Extensions, created unbound; `create_app` binds them."""
from __future__ import annotations

import time

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from .replica import RoutingSession

# Stable constraint names so Alembic migrations are identical on SQLite and PostGIS.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# RoutingSession: the plain reads of a view marked @reads_replica go to DATABASE_REPLICA_URL
# (backend/replica.py); without one it is Flask-SQLAlchemy's session as it comes
db = SQLAlchemy(model_class=Base, session_options={"class_": RoutingSession})
migrate = Migrate()


class QuietMemoryStorage(MemoryStorage):
    """`memory://` rate-limit counters without a thread per request.

    limits' MemoryStorage starts a Timer thread whenever its previous one has ended (10 ms
    after it started) to sweep expired counters: on a server answering every few ms that is
    a new thread for nearly every rate-limited request (login, sync), and `Thread.start()`
    waits until the new thread has the interpreter lock — ~1.7 ms of a 13 ms sync request
    in the profile (docs/benchmarks.md, capacity). A fixed window's expired counter is
    dropped by `get()` on its next use anyway, so the sweep only frees memory: here it runs
    inline, at most every `SWEEP_S`. Registered under the `memory` scheme, so
    `RATELIMIT_STORAGE_URI=memory://` (the default) uses it."""

    STORAGE_SCHEME = ["memory"]
    SWEEP_S = 10.0
    _swept = 0.0

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces limits' private hook (tested)
        now = time.monotonic()
        if now - self._swept >= self.SWEEP_S:
            self._swept = now
            self._MemoryStorage__expire_events()


limiter = Limiter(key_func=get_remote_address, default_limits=[], headers_enabled=True)


def request_ip() -> str:
    return get_remote_address() or request.remote_addr or "unknown"


def commit() -> None:
    """Commit the session — unless a caller owns the transaction (the sync endpoint
    applies a whole batch in one transaction, one savepoint per record): then flush."""
    from flask import g, has_app_context

    if has_app_context() and g.get("unit_of_work"):
        db.session.flush()
    else:
        db.session.commit()


def end_read_transaction() -> None:
    """End a read-only transaction without expiring what it loaded.

    Called before a request starts reading a body that may trickle in for minutes (a
    photo, a sync batch over a bad link): an open transaction would pin a pooled
    connection (PostgreSQL) or SQLite's single write lock (every transaction there is
    BEGIN IMMEDIATE) and stall everyone else.
    """
    session = db.session()
    if session.new or session.dirty or session.deleted:
        return  # never commit someone's half-done work as a side effect
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def read_outside_transaction(reads_only: bool = False) -> bool:
    """PostgreSQL: lend the request's session, before its first statement, a connection
    outside any transaction (autocommit) that may only read; True if it did.

    psycopg sends `BEGIN` as a round trip of its own before a transaction's first statement,
    and the transaction's end is another: for a request's authentication (one SELECT), or a
    view that only reads, those are two of its three or four round trips. Under PostgreSQL's
    READ COMMITTED every statement reads its own snapshot inside a transaction too, so a
    plain read sees the same rows either way. Anything that may write on this connection is
    refused (`database.install_read_only_guard`); `end_read_transaction()` gives it back, and
    the next statement begins an ordinary transaction.

    SQLite keeps its transactions (its driver's autocommit switch would undo
    `install_sqlite_listeners`' BEGIN IMMEDIATE) and returns False; but for a view that only
    reads (`reads_only`) the transaction is a deferred `BEGIN`, which under WAL reads a
    snapshot without SQLite's single write lock: such reads run beside each other and
    beside a writer instead of queueing for the lock. A write there is refused as well
    (a deferred transaction that writes cannot wait for the lock: it fails at once)."""
    from .database import READS_ONLY

    session = db.session()
    if session.in_transaction():
        return False
    if db.engine.dialect.name != "postgresql":
        if reads_only:
            session.connection(execution_options={READS_ONLY: True})
        return False
    session.connection(execution_options={"isolation_level": "AUTOCOMMIT", READS_ONLY: True})
    return True

