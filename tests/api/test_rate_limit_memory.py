"""`memory://` rate limits without a thread per request (backend/extensions.py
QuietMemoryStorage): limits' own MemoryStorage starts a Timer thread for nearly every
counted request on a busy server; ours sweeps inline now and then, and still limits."""
from __future__ import annotations

import threading
import time
import uuid

from limits import parse
from limits.strategies import FixedWindowRateLimiter

from backend.extensions import QuietMemoryStorage, limiter


def test_memory_uri_gives_the_quiet_storage(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert type(limiter.storage) is QuietMemoryStorage


def test_counted_requests_start_no_threads_and_are_still_limited(app, demo, monkeypatch):
    started: list[threading.Thread] = []
    real_start = threading.Thread.start

    def counting_start(self, *a, **kw):
        started.append(self)
        return real_start(self, *a, **kw)

    monkeypatch.setattr(threading.Thread, "start", counting_start)
    client = app.test_client()
    statuses = [client.post("/api/v1/auth/login", json={"username": f"nobody{i}", "password": "wrong-pass",
                                                        "device_id": f"dev-{uuid.uuid4()}"}).status_code
                for i in range(12)]
    assert statuses[:10] == [401] * 10 and statuses[10:] == [429, 429], statuses  # LOGIN_RATE_LIMIT: 10 a minute
    assert started == []


def test_expired_counters_are_swept_without_a_timer():
    storage = QuietMemoryStorage("memory://")
    storage.SWEEP_S = 0.0
    window = FixedWindowRateLimiter(storage)
    one_second = parse("1 per 1 second")
    assert window.hit(one_second, "a") and not window.hit(one_second, "a")
    time.sleep(1.05)
    assert window.hit(one_second, "b")  # this hit sweeps: "a" has expired
    assert [k for k in storage.storage if "/a/" in k] == [] and any("/b/" in k for k in storage.storage)
    assert window.hit(one_second, "a")  # and "a" may go again
