"""What every request pays before and after its view's own work: on PostgreSQL the token's
session is read outside a transaction (psycopg sends `BEGIN` as a round trip of its own, and
the end of a transaction is another), a view marked `@reads_only` runs outside one too, and
anything that could write on such a connection is refused; webargs gets one schema
instance per view instead of building one per request."""
from __future__ import annotations

import threading
import uuid
from typing import Any

import marshmallow
import pytest
from flask import Flask
from sqlalchemy import event, text

from backend.database import READS_ONLY, WriteOutsideTransaction, _may_write
from backend.extensions import db, end_read_transaction, read_outside_transaction
from backend.models_base import utcnow


class RoundTrips:
    """psycopg's messages to the server while inside: the statements, the `BEGIN` it sends
    before a transaction's first statement, and a COMMIT or ROLLBACK that reaches the server
    (one of an idle connection is answered by psycopg itself)."""

    def __init__(self, app: Flask) -> None:
        with app.app_context():
            self.engine = db.engine
        self.statements: list[str] = []
        self.begins = 0
        self.ends = 0

    @staticmethod
    def _in_transaction(conn: Any) -> bool:
        from psycopg.pq import TransactionStatus

        return conn.connection.driver_connection.info.transaction_status != TransactionStatus.IDLE

    def _on_statement(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not conn.connection.driver_connection.autocommit and not self._in_transaction(conn):
            self.begins += 1
        self.statements.append(statement)

    def _on_end(self, conn: Any) -> None:
        if self._in_transaction(conn):
            self.ends += 1

    def __enter__(self) -> RoundTrips:
        event.listen(self.engine, "before_cursor_execute", self._on_statement)
        event.listen(self.engine, "commit", self._on_end)
        event.listen(self.engine, "rollback", self._on_end)
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._on_statement)
        event.remove(self.engine, "commit", self._on_end)
        event.remove(self.engine, "rollback", self._on_end)


def _postgis_only(engine_name: str) -> None:
    if engine_name != "postgis":
        pytest.skip("psycopg's BEGIN round trip: PostgreSQL only (SQLite keeps its BEGIN IMMEDIATE)")


def test_a_write_request_reads_its_session_outside_a_transaction(app, client, demo, auth, engine_name):
    _postgis_only(engine_name)
    phone = auth.login("zf001")
    patrol = str(uuid.uuid4())
    body = {"device_id": phone.device_id, "records": [
        {"id": patrol, "kind": "patrol_start", "captured_at": utcnow().isoformat(), "payload": {"started_at": utcnow().isoformat()}}]}
    with RoundTrips(app) as trips:
        resp = client.post("/api/v1/sync", json=body, headers=phone.headers)
    assert resp.status_code == 200 and resp.get_json()["results"][0]["status"] == "created", resp.get_json()
    assert "device_sessions" in trips.statements[0]
    # one transaction: the batch's (before: the session lookup's BEGIN … COMMIT, then the batch's)
    assert (trips.begins, trips.ends) == (1, 1), trips.statements


def test_a_read_only_view_is_its_statements_and_nothing_else(app, client, demo, auth, engine_name):
    _postgis_only(engine_name)
    boss = auth.login("zd001")
    client.get("/api/v1/inspections?limit=5", headers=boss.headers)
    with RoundTrips(app) as trips:
        resp = client.get("/api/v1/inspections?bbox=121.5,29.9,121.7,30.1&limit=5", headers=boss.headers)
        me = client.get("/api/v1/me", headers=boss.headers)
    assert resp.status_code == 200 and me.status_code == 200
    # the session, the page; then /me: the session and its own reads — no BEGIN, no ROLLBACK
    assert "device_sessions" in trips.statements[0] and "FROM inspections" in trips.statements[1]
    assert (trips.begins, trips.ends) == (0, 0), trips.statements


def test_nothing_that_may_write_runs_on_a_connection_lent_to_reads(app, demo, engine_name):
    with app.test_request_context():
        # PostgreSQL: outside a transaction; SQLite: in a deferred one (no write lock)
        assert read_outside_transaction(reads_only=True) == (engine_name == "postgis")
        before = db.session.scalar(text("SELECT name FROM officers WHERE username = 'zf001'"))
        for statement in ("UPDATE officers SET name = 'x' WHERE username = 'zf001'",
                          "WITH changed AS (UPDATE officers SET name = 'x' WHERE username = 'zf001' RETURNING id) SELECT * FROM changed",
                          "SELECT id FROM officers WHERE username = 'zf001' FOR UPDATE",
                          "SELECT nextval('officers_id_seq')"):
            with pytest.raises(WriteOutsideTransaction):
                db.session.execute(text(statement))
        assert db.session.scalar(text("SELECT name FROM officers WHERE username = 'zf001'")) == before
        end_read_transaction()  # given back: the next statement begins an ordinary transaction
        db.session.execute(text("UPDATE officers SET name = name WHERE username = 'zf001'"))
        db.session.commit()
    assert not _may_write("SELECT a.id, a.updated_at, a.created_at FROM audit_entries a OFFSET 3")
    assert _may_write("INSERT INTO t VALUES (1)") and _may_write("  delete from t")


def test_sqlite_keeps_its_write_lock_for_every_other_request(app, demo, engine_name):
    if engine_name != "sqlite":
        pytest.skip("SQLite only")
    with app.test_request_context():
        assert not read_outside_transaction()  # not a read-only view: BEGIN IMMEDIATE, as before
        db.session.execute(text("SELECT 1"))
        assert db.session.connection().get_execution_options().get(READS_ONLY) is None
        db.session.rollback()


def test_sqlite_read_only_views_read_beside_a_writer(app, client, demo, auth, engine_name):
    """A @reads_only view on SQLite does not queue for the write lock: a writer holding it
    (a sync batch being stored) does not hold up /me, the inspection list or the register's
    search. Every other request still takes the lock at its BEGIN."""
    if engine_name != "sqlite":
        pytest.skip("SQLite only: PostgreSQL readers never wait for writers")
    boss = auth.login("zd001")
    paths = ["/api/v1/me", "/api/v1/inspections?limit=5", "/api/v1/subjects?q=%E5%95%86"]
    for path in paths:
        assert client.get(path, headers=boss.headers).status_code == 200, path
    with app.app_context():
        # the app's own SQLite library (pysqlite3 where installed): two copies of SQLite in one
        # process do not see each other's locks
        holder = db.engine.dialect.dbapi.connect(db.engine.url.database, isolation_level=None, timeout=1)
    answers: list[int] = []

    def ask() -> None:
        answers.extend(client.get(path, headers=boss.headers).status_code for path in paths)

    asking = threading.Thread(target=ask)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a writer holds it
        holder.execute("UPDATE officers SET name = name WHERE username = 'zf001'")
        asking.start()
        asking.join(10)
        waited = asking.is_alive()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    asking.join()
    assert not waited, "a read-only view waited for SQLite's write lock"
    assert answers == [200] * len(paths)


def test_no_schema_is_built_per_request(client, demo, auth, monkeypatch):
    boss = auth.login("zd001")
    paths = ["/api/v1/inspections?limit=5&result=compliant", "/api/v1/me", "/api/v1/supervision/patrols?limit=5"]
    for path in paths:  # first use: nested schemas are built once and kept
        assert client.get(path, headers=boss.headers).status_code == 200, path
    built: list[str] = []
    real_init = marshmallow.Schema.__init__

    def counting(self, *args: Any, **kwargs: Any) -> None:
        built.append(type(self).__name__)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(marshmallow.Schema, "__init__", counting)
    for path in paths:
        assert client.get(path, headers=boss.headers).status_code == 200, path
    assert built == []
