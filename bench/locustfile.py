"""Locust scenario for `bench.load`: simulated officers doing the field mix.

Each simulated officer has its own phone (device, token) made by `bench.load`, starts a
patrol, then in a loop: sends fix batches (the commonest request), pulls the change feed,
syncs a few inspections, and now and then uploads a photo — the mix a street's phones
send after a morning reconnect. The plan (tokens, photo files) comes from LOAD_PLAN.
"""
from __future__ import annotations

import hashlib
import itertools
import json
import os
import threading
import uuid
from datetime import datetime, timedelta, timezone

from locust import FastHttpUser, between, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())
_phones = itertools.cycle(PLAN["phones"])
_photos = itertools.cycle(PLAN["photos"])
_lock = threading.Lock()


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Officer(FastHttpUser):
    wait_time = between(PLAN["wait_min_s"], PLAN["wait_max_s"])

    def on_start(self) -> None:
        with _lock:
            phone = next(_phones)
        self.device = phone["device_id"]
        self.headers = {"Authorization": f"Bearer {phone['token']}", "Content-Type": "application/json"}
        self.patrol = str(uuid.uuid4())
        self.t = _now() - timedelta(hours=2)  # the fixes of the last two hours, sent as they catch up
        self.lon, self.lat = PLAN["origin"]
        self.cursor = None
        self._sync([{"id": self.patrol, "kind": "patrol_start", "captured_at": self.t.isoformat(),
                     "payload": {"started_at": self.t.isoformat()}}], name="sync patrol_start")

    def _sync(self, records: list[dict], name: str) -> None:
        body = {"device_id": self.device, "sent_at": _now().isoformat(), "records": records}
        with self.client.post("/api/v1/sync", json=body, headers=self.headers, name=name, catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:200]}")
                return
            bad = [r for r in resp.json()["results"] if r["status"] not in ("created", "duplicate", "incomplete")]
            if bad:
                resp.failure(f"refused: {bad[0]}")

    @task(5)
    def fixes(self) -> None:
        """One batch of 60 fixes (5 minutes at one fix per 5 s), as the outbox sends them."""
        points = []
        for _ in range(60):
            self.t += timedelta(seconds=5)
            self.lon += 0.00004
            points.append({"t": int(self.t.timestamp() * 1000), "lat": round(self.lat, 7), "lon": round(self.lon, 7), "accuracy": 8})
        self._sync([{"id": str(uuid.uuid4()), "kind": "track_points", "captured_at": self.t.isoformat(),
                     "payload": {"patrol_id": self.patrol, "points": points}}], name="sync track_points ×60")

    @task(3)
    def change_feed(self) -> None:
        q = f"?since={self.cursor}" if self.cursor else ""
        with self.client.get(f"/api/v1/sync/changes{q}", headers=self.headers, name="changes", catch_response=True) as resp:
            if resp.status_code != 200:
                resp.failure(f"HTTP {resp.status_code}")
                return
            self.cursor = resp.json().get("cursor") or self.cursor

    @task(2)
    def inspections(self) -> None:
        at = (self.t if self.t < _now() else _now()).isoformat()
        records = [{"id": str(uuid.uuid4()), "kind": "inspection", "captured_at": at,
                    "payload": {"lat": self.lat, "lon": self.lon, "accuracy": 6, "patrol_id": self.patrol,
                                "subject": {"name": f"商户{i}", "address": "某路 1 号"}, "matter_code": PLAN["matter_code"],
                                "result": "compliant", "notes": "现场检查未发现问题", "photos": []}} for i in range(3)]
        self._sync(records, name="sync inspection ×3")

    @task(1)
    def photo(self) -> None:
        with _lock:
            path = next(_photos)
        data = open(path, "rb").read()
        sha = hashlib.sha256(data).hexdigest()
        with self.client.put(f"/api/v1/media/{sha}", data=data, name="photo upload",
                             headers={**self.headers, "Content-Type": "image/jpeg"}, catch_response=True) as resp:
            if resp.status_code not in (200, 201):
                resp.failure(f"HTTP {resp.status_code}: {resp.text[:200]}")
