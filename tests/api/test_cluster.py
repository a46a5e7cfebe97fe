"""Beyond one machine, as a person runs it: `make cluster` (scripts/cluster-up.sh) brings up
PostGIS with the replica, SeaweedFS, Redis, two gunicorn nodes with the production settings
and nginx; phones keep syncing through nginx while one node is SIGKILLed (master and
workers at once), cluster-up run again brings that node back and touches nothing else, and
`make cluster-down` stops everything it started and drops its database.

Every record is stored exactly once and every request a phone retried went through
(test_sync_faults.py's scenario, here across nodes behind the proxy).

Runs once (no `app` fixture: the cluster has its database of its own), on PostgreSQL only;
skipped where nginx, root or the PWA build are missing — under CI=true that fails instead.
"""
from __future__ import annotations

import hashlib
import http.client
import json
import os
import subprocess
import threading
import time
import uuid

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from backend import clock
from tests.conftest import ROOT
from tests.images import jpeg
from tests.proxy_server import ScriptedCluster, _unavailable, require_cluster_scripts

REPLICA_UP = ROOT / "scripts" / "replica-up.sh"

PHONES = ("zf001", "zf002", "zf003")
RECORDS = 90  # per phone
BATCH = 10


@pytest.fixture
def scripted_cluster(tmp_path):
    url = os.environ.get("TEST_POSTGIS_URL")
    if not url:
        _unavailable("the cluster runs on PostgreSQL: TEST_POSTGIS_URL is not set (scripts/postgis-up.sh)")
    require_cluster_scripts()
    if REPLICA_UP.exists():
        # the session's replica (shared with the replica tests), started first: cluster-up then
        # uses it, and cluster-down leaves it running for them (it stops only a replica it started)
        done = subprocess.run(["bash", str(REPLICA_UP)], env={**os.environ, "POSTGIS_TEST_DB": make_url(url).database},
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL, check=False)
        if done.returncode != 0:
            pytest.fail(f"scripts/replica-up.sh failed ({done.returncode}): {done.stderr[-3000:]}", pytrace=False)
    # a database and a state directory of this test's own; two workers a node keep the start light
    c = ScriptedCluster(tmp_path / "cluster", f"{make_url(url).database}_cluster", WEB_CONCURRENCY="2", CLUSTER_SETUP="0")
    try:
        yield c
    finally:
        done = c.down()
        assert done.returncode == 0, done.stderr


def node_request(port: int, method: str, path: str, token: str, body: bytes | None = None, headers: dict | None = None):
    """One request straight to an app node (not through nginx)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"Authorization": f"Bearer {token}", **(headers or {})})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def push(cluster: ScriptedCluster, token: str, device: str, batch: list[dict], log: list) -> list[dict]:
    """Send one batch until it goes through, as the outbox does: a refused connection, a 502
    while nginx notices the dead node, a cut answer — each retried, with the same records."""
    for attempt in range(200):
        try:
            status, _, data = cluster.proxy.request("POST", "/api/v1/sync", {"device_id": device, "records": batch}, token=token,
                                                    timeout=30)
        except (OSError, http.client.HTTPException) as exc:
            log.append(type(exc).__name__)
            time.sleep(0.1)
            continue
        if status != 200:  # nginx's own 502 page is not JSON
            log.append(status)
            time.sleep(0.1)
            continue
        return json.loads(data)["results"]
    raise AssertionError(f"a batch never went through: {log[-5:]}")


def test_cluster_up_serves_phones_through_a_sigkilled_node_and_cluster_down_leaves_nothing(scripted_cluster: ScriptedCluster):
    cluster = scripted_cluster
    started = time.monotonic()
    cluster.up()
    up_s = time.monotonic() - started
    settings = cluster.settings()
    assert settings["MEDIA_STORE_URL"].startswith("s3://") and settings["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert make_url(settings["DATABASE_URL"]).database == cluster.database

    # the demo logins work through nginx, and both nodes answer
    sessions = []
    for username in PHONES:
        device = f"dev-{uuid.uuid4()}"
        status, body = cluster.proxy.api("POST", "/api/v1/auth/login",
                                         {"username": username, "password": "demo1234", "device_id": device})
        assert status == 200, body
        sessions.append((body["access_token"], device))
    for _ in range(6):
        assert cluster.proxy.api("GET", "/api/v1/me", token=sessions[0][0])[0] == 200
    used = {e["upstream"] for e in cluster.proxy.access_log() if e["request"].startswith("GET /api/v1/me")}
    assert used == {cluster.node_addr(0), cluster.node_addr(1)}, used

    # a supervisor's figures (read from the replica where the app routes them there)
    status, body = cluster.proxy.api("POST", "/api/v1/auth/login", {"username": "zd001", "password": "demo1234",
                                                                     "device_id": f"dev-{uuid.uuid4()}"})
    assert status == 200, body
    assert cluster.proxy.api("GET", "/api/v1/supervision/stats", token=body["access_token"])[0] == 200

    # evidence lives in the shared S3 store: a photo begun on one node is finished on the other
    # and read back from the first
    photo = jpeg(800, 600, lat=29.97, lon=121.62)
    sha, half = hashlib.sha256(photo).hexdigest(), len(photo) // 2
    token = sessions[1][0]
    status, data = node_request(cluster.node_ports[0], "PUT", f"/api/v1/media/{sha}", token, photo[:half],
                                {"Content-Type": "application/octet-stream", "Content-Range": f"bytes 0-{half - 1}/{len(photo)}"})
    assert status == 202 and json.loads(data)["offset"] == half, data
    status, data = node_request(cluster.node_ports[1], "PUT", f"/api/v1/media/{sha}", token, photo[half:],
                                {"Content-Type": "application/octet-stream",
                                 "Content-Range": f"bytes {half}-{len(photo) - 1}/{len(photo)}"})
    assert status == 201, data
    assert node_request(cluster.node_ports[0], "GET", f"/api/v1/media/{sha}/original", token) == (200, photo)

    now = clock.now().isoformat()
    records = {dev: [{"id": str(uuid.uuid4()), "kind": "inspection", "captured_at": now,
                      "payload": {"lat": 29.97, "lon": 121.62, "subject": {"name": f"店{i}"}, "result": "compliant", "photos": []}}
                     for i in range(RECORDS)] for _, dev in sessions}
    acked: dict[str, tuple[str, str]] = {}
    retried: list = []
    lock = threading.Lock()
    progress = threading.Semaphore(0)
    failures: list[BaseException] = []

    def phone(token: str, device: str) -> None:
        try:
            for start in range(0, RECORDS, BATCH):
                for r in push(cluster, token, device, records[device][start:start + BATCH], retried):
                    status = r.get("original_status", r["status"])
                    with lock:
                        assert status == "created", r
                        assert acked.setdefault(r["id"], (status, r["ref"])) == (status, r["ref"])
                progress.release()
        except BaseException as exc:  # re-raised in the test's thread
            failures.append(exc)

    threads = [threading.Thread(target=phone, args=s) for s in sessions]
    for t in threads:
        t.start()
    for _ in range(3):  # a few batches through both nodes, then the crash while the phones go on
        progress.acquire(timeout=60)
    cluster.sigkill_node(0)
    for _ in range(3):
        progress.acquire(timeout=60)
    # `make cluster` again, while the phones keep syncing: the dead node comes back, the rest is kept
    pids_before = {p for p in cluster.pids() if p != cluster.node_group(0)}
    t_again = time.monotonic()
    again = cluster.up()
    again_s = time.monotonic() - t_again
    assert "starting app node 1" in again.stderr and "starting app node 2" not in again.stderr, again.stderr
    assert pids_before <= set(cluster.pids())
    for t in threads:
        t.join(timeout=120)
    assert not failures, failures
    assert len(acked) == RECORDS * len(PHONES)

    # the restarted node serves again, once nginx tries it (it left it out for fail_timeout, 10 s)
    mark = len(cluster.proxy.access_log())
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert cluster.proxy.api("GET", "/api/v1/me", token=sessions[0][0])[0] == 200
        if cluster.node_addr(0) in {e["upstream"] for e in cluster.proxy.access_log()[mark:]}:
            break
        time.sleep(0.2)
    used = {e["upstream"] for e in cluster.proxy.access_log()[mark:]}
    assert cluster.node_addr(0) in used, used

    # each record exactly once, in the primary: ids are primary keys, the ledger says created once
    ids = [r["id"] for recs in records.values() for r in recs]
    engine = sa.create_engine(settings["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            stored = conn.execute(sa.text("SELECT id FROM inspections WHERE id = ANY(:ids)"), {"ids": ids}).scalars().all()
            assert sorted(map(str, stored)) == sorted(ids)
            created = conn.scalar(sa.text("SELECT count(*) FROM sync_records WHERE id = ANY(:ids) AND status = 'created'"),
                                  {"ids": ids})
            assert created == len(ids)
            devices = [dev for _, dev in sessions]
            assert conn.scalar(sa.text("SELECT count(*) FROM inspections WHERE device_id = ANY(:d)"), {"d": devices}) == len(ids)
    finally:
        engine.dispose()

    # cluster-down: everything it started is gone, its database dropped, the shared cluster still up
    alive = cluster.pids()
    t_down = time.monotonic()
    done = cluster.down()
    down_s = time.monotonic() - t_down
    assert done.returncode == 0, done.stderr
    for pid in alive:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert not cluster.state.exists()
    admin = sa.create_engine(make_url(os.environ["TEST_POSTGIS_URL"]).set(database="postgres"))
    try:
        with admin.connect() as conn:
            assert conn.scalar(sa.text("SELECT 1")) == 1
            assert conn.scalar(sa.text("SELECT count(*) FROM pg_database WHERE datname = :n"), {"n": cluster.database}) == 0
    finally:
        admin.dispose()
    print(f"cluster-up {up_s:.0f} s, again after the kill {again_s:.0f} s, cluster-down {down_s:.0f} s; "
          f"{len(retried)} retried requests ({sorted(set(map(str, retried)))})")
