"""The supervisors' reads on a streaming replica (backend/replica.py), shown by behaviour on a
real PostGIS hot standby (tests/replica_server.py): with WAL replay paused, what the
replica answers is visibly behind the primary, so who sees what says where each read went.

Every app here is a second "node" (create_app with DATABASE_REPLICA_URL) over the worker's
database; logins come from the session's app (the same SECRET_KEY), like two app hosts."""
from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import event

from backend import clock, create_app
from backend.extensions import db
from backend.models_base import LOCAL_TZ
from backend.replica import router
from tests.conftest import POSTGIS_URL, make_config
from tests.redis_server import redis_url  # noqa: F401  (fixture)
from tests.replica_server import ReplicaControl, replica  # noqa: F401  (fixture)

# one worker runs them one after another: pausing replay stops it for every database
pytestmark = pytest.mark.xdist_group("replica")

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|CREATE|ALTER|DROP|TRUNCATE|GRANT|COPY)\b|\bFOR\s+(NO\s+KEY\s+)?(UPDATE|SHARE)\b",
                   re.IGNORECASE)


# PostGIS only: the replica is PostgreSQL's (SQLite refuses DATABASE_REPLICA_URL, tested at the end)
postgis_only = pytest.mark.parametrize(
    "engine_name", ["postgis"] if POSTGIS_URL else [pytest.param("postgis", marks=pytest.mark.skip(reason="no PostGIS (TEST_POSTGIS_URL)"))],
    indirect=True)


class Statements:
    """Every statement a node sent to its replica."""

    def __init__(self, node: Flask) -> None:
        self.seen: list[str] = []
        event.listen(router(node).engine, "before_cursor_execute", self._on)  # type: ignore[union-attr]

    def _on(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.seen.append(statement)

    def writes(self) -> list[str]:
        return [s for s in self.seen if WRITE.search(s)]

    def reading(self, table: str) -> int:
        return sum(1 for s in self.seen if re.search(rf"\bFROM\s+{table}\b|\bJOIN\s+{table}\b", s))


def _node_factory(app: Flask, url: str, **defaults: Any):
    """make(**config): another app node over the worker's database; closed after the test."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        node = create_app(make_config(url, MEDIA_ROOT=app.config["MEDIA_ROOT"], SECRET_KEY=app.config["SECRET_KEY"],
                                      **{**defaults, **config}))
        made.append(node)
        return node

    yield make
    for node in made:
        with node.app_context():
            db.session.remove()
            db.engine.dispose()
        if router(node) is not None:
            router(node).dispose()  # type: ignore[union-attr]


@pytest.fixture
def nodes(app: Flask, replica: ReplicaControl):  # noqa: F811
    """Nodes reading the worker's database through the replica."""
    yield from _node_factory(app, replica.primary_url, DATABASE_REPLICA_URL=replica.replica_url)


@pytest.fixture
def plain_nodes(app: Flask, database_url: str):
    """Nodes without the replica (or with a replica URL of their own)."""
    yield from _node_factory(app, database_url)


def period(at: datetime) -> str:
    """The local day of `at` and the next (a test running across midnight still counts what it wrote)."""
    d = at.astimezone(LOCAL_TZ).date()
    return f"from={d.isoformat()}&to={(d + timedelta(days=1)).isoformat()}&jurisdiction_id=1"


def figures(client, who, at: datetime) -> tuple[int, int]:
    """(inspections, tasks dispatched) of 蛟川街道 as `who` reads them."""
    resp = client.get(f"/api/v1/supervision/stats?{period(at)}", headers=who.headers)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    return body["inspections"], body["tasks_dispatched"]


def sync(client, phone, records: list[dict]) -> None:
    resp = client.post("/api/v1/sync", json={"device_id": phone.device_id, "records": records}, headers=phone.headers)
    assert resp.status_code == 200, resp.get_json()
    assert [r["status"] for r in resp.get_json()["results"]] == ["created"] * len(records), resp.get_json()


def inspection(at: datetime) -> dict:
    return {"id": str(uuid.uuid4()), "kind": "inspection", "captured_at": at.isoformat(),
            "payload": {"lat": 29.97, "lon": 121.62, "accuracy": 5, "subject": {"name": "某某小吃店", "address": "某路 8 号"},
                        "matter_code": "SR-001", "result": "compliant", "photos": []}}


def dispatch(client, boss) -> None:
    body = {"title": "核查占道经营投诉", "description": "群众反映某路口有流动摊贩", "assignee": "zf001", "lat": 29.97, "lon": 121.62}
    resp = client.post("/api/v1/tasks", json=body, headers=boss.headers)
    assert resp.status_code == 201, resp.get_json()


def eventually(check, timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, f"not within {timeout} s"
        time.sleep(0.1)
    return True


# --- routing and read-your-writes ------------------------------------------------------------

@postgis_only
def test_supervisors_read_the_replica_and_whoever_just_wrote_reads_the_primary(replica, nodes, demo, auth):  # noqa: F811
    node = nodes()
    client, seen = node.test_client(), Statements(node)
    officer, boss, admin = auth.login("zf001"), auth.login("zd001"), auth.login("admin")
    at = clock.now() - timedelta(minutes=1)
    replica.caught_up()
    assert figures(client, boss, at) == (0, 0) and figures(client, admin, at) == (0, 0)
    assert seen.reading("inspections") >= 2  # the figures were read on the replica
    with replica.replay_paused():
        sync(client, officer, [inspection(at)])  # the officer's sync: a write, on the primary
        assert replica.primary_scalar("SELECT count(*) FROM inspections") == 1
        assert replica.replica_scalar("SELECT count(*) FROM inspections") == 0
        # the district's 指挥室 wrote nothing: its figures come from the replica, where replay stands still
        assert figures(client, admin, at) == (0, 0)
        # the squad leader dispatches a task and sees it at once — and the officer's inspection:
        # their reads go to the primary until the replica has replayed their write
        dispatch(client, boss)
        assert figures(client, boss, at) == (1, 1)
        assert figures(client, admin, at) == (0, 0)  # still the replica's past for the one who did not write
        assert figures(client, boss, at) == (1, 1)
    # replay resumes: the replica catches up and both read it again
    assert eventually(lambda: figures(client, admin, at) == (1, 1))
    replica.caught_up()  # past the position recorded after the squad leader's write, too
    before = seen.reading("inspections")
    assert figures(client, boss, at) == (1, 1)
    assert seen.reading("inspections") > before  # the squad leader is back on the replica
    assert seen.writes() == []  # the officer's sync and the dispatch never went there


@postgis_only
@pytest.mark.parametrize("store", ["memory", "redis"])
def test_read_your_writes_holds_on_every_node_with_the_positions_in_redis(replica, nodes, demo, auth, store, request):  # noqa: F811
    """Two nodes: the squad leader writes through one and reads through the other. With the
    write positions in Redis the second node knows; with each node's memory it does not (the
    reason production refuses a replica without Redis)."""
    if store == "redis":
        config = {"REPLICA_POSITIONS_URL": request.getfixturevalue("redis_url"), "RATELIMIT_KEY_PREFIX": f"t-{uuid.uuid4().hex}"}
    else:
        config = {}
    one, other = nodes(**config).test_client(), nodes(**config).test_client()
    boss = auth.login("zd001")
    at = clock.now() - timedelta(minutes=1)
    with replica.replay_paused():
        dispatch(one, boss)
        assert figures(one, boss, at) == (0, 1)  # the node that took the write knows either way
        assert figures(other, boss, at) == ((0, 1) if store == "redis" else (0, 0))


# --- writes never go to the replica -------------------------------------------------------------

@postgis_only
def test_an_export_reads_the_replica_and_writes_its_audit_entry_on_the_primary(replica, nodes, demo, auth):  # noqa: F811
    node = nodes()
    client, seen = node.test_client(), Statements(node)
    officer, admin = auth.login("zf001"), auth.login("admin")
    at = clock.now() - timedelta(minutes=1)
    with replica.replay_paused():
        sync(client, officer, [inspection(at)])
        resp = client.get(f"/api/v1/supervision/inspections/export?format=csv&{period(at)}", headers=admin.headers)
        assert resp.status_code == 200
        lines = resp.get_data().decode("utf-8-sig").strip().splitlines()
        assert len(lines) == 1  # the header only: the inspections were read where replay stands still
        assert replica.primary_scalar("SELECT count(*) FROM audit_entries WHERE action = 'export'") == 1
        assert replica.replica_scalar("SELECT count(*) FROM audit_entries WHERE action = 'export'") == 0
        # the export wrote (its audit entry): the admin's next reads go to the primary
        assert figures(client, admin, at) == (1, 0)
    assert seen.reading("inspections") >= 1
    assert seen.writes() == []


@postgis_only
def test_a_patrol_summary_is_never_refreshed_from_the_replica(replica, nodes, demo, auth, caplog):  # noqa: F811
    """The patrol log refreshes stale summaries as it reads (a write): it runs again on the
    primary, or the summary would be built from the fixes the replica has and marked fresh."""
    caplog.set_level(logging.INFO, logger="backend.replica")
    node = nodes()
    client, seen = node.test_client(), Statements(node)
    officer, admin = auth.login("zf001"), auth.login("admin")
    start = clock.now().replace(microsecond=0) - timedelta(minutes=20)
    pid = str(uuid.uuid4())

    def fixes(n: int, t0: datetime, lon: float) -> list[dict]:
        ms = int(t0.timestamp() * 1000)
        return [{"t": ms + 5000 * i, "lat": 29.97, "lon": lon + 0.00006 * i, "accuracy": 6, "speed": 1.2} for i in range(n)]

    def rec(kind: str, payload: dict, at: datetime, rid: str | None = None) -> dict:
        return {"id": rid or str(uuid.uuid4()), "kind": kind, "captured_at": at.isoformat(), "payload": payload}

    sync(client, officer, [rec("patrol_start", {"officers": ["zf001"], "started_at": start.isoformat()}, start, pid),
                           rec("track_points", {"patrol_id": pid, "points": fixes(30, start + timedelta(seconds=10), 121.615)},
                               start + timedelta(seconds=160))])
    second = start + timedelta(seconds=300)
    with replica.replay_paused():  # the replica has the first 30 fixes, the summary stale
        sync(client, officer, [rec("track_points", {"patrol_id": pid, "points": fixes(30, second, 121.617)}, second + timedelta(seconds=150)),
                               rec("patrol_end", {"patrol_id": pid, "ended_at": (start + timedelta(minutes=10)).isoformat()},
                                   start + timedelta(minutes=10))])
        resp = client.get(f"/api/v1/supervision/patrols?{period(start)}", headers=admin.headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        [feature] = resp.get_json()["tracks"]["features"]
        assert feature["properties"]["status"] == "ended"  # the primary's patrol, not the replica's open one
        assert not replica.primary_scalar("SELECT summary_stale FROM patrols WHERE id = :id", id=pid)
        last = replica.primary_scalar("SELECT last_fix_at FROM patrols WHERE id = :id", id=pid)
        assert last >= second  # summarised from all 60 fixes, the second batch included
    assert any("run again on the primary" in r.getMessage() for r in caplog.records)
    assert seen.writes() == []


# --- the replica gone or behind: the primary answers, never a 500 ----------------------------------

@postgis_only
def test_an_unreachable_replica_leaves_every_read_to_the_primary(app, plain_nodes, demo, auth, caplog):
    from tests.server import free_port

    caplog.set_level(logging.WARNING, logger="backend.replica")
    gone = f"postgresql+psycopg://zhangshang:nothing@127.0.0.1:{free_port()}/gone"
    node = plain_nodes(DATABASE_REPLICA_URL=gone)
    client = node.test_client()
    officer, boss = auth.login("zf001"), auth.login("zd001")
    at = clock.now() - timedelta(minutes=1)
    sync(client, officer, [inspection(at)])
    assert figures(client, boss, at) == (1, 0)
    for path in ("stats/inspections?", "coverage?", "officers?format=csv&", "patrols?", "live?", "devices?",
                 "inspections/export?format=geojson&"):
        resp = client.get(f"/api/v1/supervision/{path}{period(at)}", headers=boss.headers)
        assert resp.status_code == 200, (path, resp.status_code, resp.get_data(as_text=True)[:300])
    health = client.get("/api/v1/health").get_json()
    assert health["status"] == "ok" and health["replica"]["state"] == "unreachable"
    assert any("unreachable" in r.getMessage() for r in caplog.records)


@postgis_only
def test_a_replica_that_fails_under_a_request_leaves_it_to_the_primary(replica, nodes, demo, auth, caplog):  # noqa: F811
    from tests.server import free_port

    caplog.set_level(logging.WARNING, logger="backend.replica")
    node = nodes()
    client, routing = node.test_client(), router(node)
    officer, admin = auth.login("zf001"), auth.login("admin")
    at = clock.now() - timedelta(minutes=1)
    sync(client, officer, [inspection(at)])
    replica.caught_up()
    assert figures(client, admin, at) == (1, 0)  # the replica answers: it is known to be ok
    healthy = routing.engine
    routing.engine = routing.make_engine(f"postgresql+psycopg://zhangshang:x@127.0.0.1:{free_port()}/gone")  # it goes away
    routing._status = routing._status._replace(checked_at=time.monotonic())  # still believed ok for the next second
    try:
        assert figures(client, admin, at) == (1, 0)  # the view ran again on the primary
        assert any("run again on the primary: the replica failed" in r.getMessage() for r in caplog.records)
        assert client.get("/api/v1/health").get_json()["replica"]["state"] == "unreachable"
    finally:
        routing.engine.dispose()
        routing.engine = healthy


@postgis_only
def test_a_replica_behind_by_more_than_the_allowed_lag_is_not_read(replica, nodes, demo, auth, caplog):  # noqa: F811
    caplog.set_level(logging.WARNING, logger="backend.replica")
    node = nodes(REPLICA_MAX_LAG_S=0)  # any lag at all is too much
    client = node.test_client()
    officer, admin = auth.login("zf001"), auth.login("admin")
    at = clock.now() - timedelta(minutes=1)
    with replica.replay_paused():
        sync(client, officer, [inspection(at)])
        assert figures(client, admin, at) == (1, 0)  # the primary answered: the replica is behind
        health = client.get("/api/v1/health").get_json()["replica"]
        assert health["state"] == "lagging" and health["lag_s"] > 0 and health["replay_paused"] is True
    assert any("lagging" in r.getMessage() for r in caplog.records)


@postgis_only
def test_health_reports_the_replica(replica, nodes, plain_nodes):  # noqa: F811
    health = nodes().test_client().get("/api/v1/health").get_json()
    assert health["replica"]["state"] == "ok" and health["replica"]["max_lag_s"] == 30
    assert health["replica"]["lag_s"] is not None and health["replica"]["replay_paused"] is False
    assert "replica" not in plain_nodes().test_client().get("/api/v1/health").get_json()


# --- start-up -----------------------------------------------------------------------------------

def test_sqlite_refuses_a_replica_at_start_up(tmp_path):
    with pytest.raises(RuntimeError, match="DATABASE_REPLICA_URL needs PostgreSQL"):
        create_app(make_config(f"sqlite:///{tmp_path / 'x.db'}", MEDIA_ROOT=str(tmp_path / "media"),
                               DATABASE_REPLICA_URL="postgresql+psycopg://u:p@127.0.0.1:5433/db"))


def test_production_refuses_a_replica_without_shared_write_positions(tmp_path):
    with pytest.raises(RuntimeError, match="RATELIMIT_STORAGE_URI"):
        create_app(make_config("postgresql+psycopg://u:p@127.0.0.1:5432/db", MEDIA_ROOT=str(tmp_path / "media"),
                               ENV_NAME="production", DATABASE_REPLICA_URL="postgresql+psycopg://u:p@127.0.0.1:5433/db"))
