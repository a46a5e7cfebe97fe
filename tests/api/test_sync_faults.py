"""Fault injection: a real gunicorn server is killed with SIGKILL at random moments while
a client pushes hundreds of records with retries. Afterwards every acknowledged record,
and every record retried to success, is stored exactly once."""
from __future__ import annotations

import http.client
import random
import threading
import time
import uuid

from sqlalchemy import func, select

from backend import clock
from backend.extensions import db
from tests.server import Server

RECORDS = 300
BATCH = 15
KILLS = 4


def test_records_survive_sigkill_exactly_once(app, demo, database_url, tmp_path):
    server = Server(database_url, str(tmp_path / "media"), app.config["SECRET_KEY"])
    server.start()
    try:
        device = f"dev-{uuid.uuid4()}"
        status, body = server.request("POST", "/api/v1/auth/login", {"username": "zf001", "password": "demo1234", "device_id": device})
        assert status == 200
        token = body["access_token"]
        now = clock.now().isoformat()
        records = [{"id": str(uuid.uuid4()), "kind": "inspection", "captured_at": now,
                    "payload": {"lat": 29.97, "lon": 121.62, "subject": {"name": f"店{i}"}, "result": "compliant", "photos": []}}
                   for i in range(RECORDS)]
        acked: dict[str, tuple[str, str]] = {}
        rng = random.Random(20261122)
        kills: list[float] = []
        batches = list(range(0, RECORDS, BATCH))
        # kill during these batches' requests (a few ms after they start), then restart:
        # tied to progress, so the kills always land inside the run however fast it is
        kill_at = set(rng.sample(range(1, len(batches)), KILLS))

        def kill_and_restart() -> None:
            server.kill()
            kills.append(time.time())
            server.start()

        retries = 0
        for bi, start in enumerate(batches):
            batch = records[start:start + BATCH]
            killer = None
            if bi in kill_at:
                killer = threading.Timer(rng.uniform(0.0, 0.03), kill_and_restart)
                killer.start()
            for attempt in range(300):
                try:
                    status, body = server.request("POST", "/api/v1/sync", {"device_id": device, "records": batch}, token)
                except (OSError, http.client.HTTPException):
                    retries += 1
                    time.sleep(0.1)
                    continue
                if status != 200:
                    retries += 1
                    time.sleep(0.1)
                    continue
                for r in body["results"]:
                    status_ = r.get("original_status", r["status"])
                    assert status_ == "created", r
                    if r["id"] in acked:
                        assert acked[r["id"]] == (status_, r["ref"])
                    acked[r["id"]] = (status_, r["ref"])
                break
            else:
                raise AssertionError("batch never went through")
            if killer is not None:
                killer.join()
    finally:
        server.kill()
    assert len(kills) == KILLS
    assert len(acked) == RECORDS
    from backend.patrols.models import Inspection
    from backend.sync.models import SyncRecord

    with app.app_context():
        ids = [r["id"] for r in records]
        stored = db.session.scalars(select(Inspection.id).where(Inspection.id.in_(ids))).all()
        assert sorted(stored) == sorted(ids)  # each exactly once (ids are primary keys)
        ledger = db.session.scalar(select(func.count()).select_from(SyncRecord).where(SyncRecord.id.in_(ids), SyncRecord.status == "created"))
        assert ledger == RECORDS
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == RECORDS  # nothing extra
        db.session.remove()
