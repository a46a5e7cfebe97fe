"""Extensions, created unbound; `create_app` binds them."""
from __future__ import annotations

from flask import request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
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
