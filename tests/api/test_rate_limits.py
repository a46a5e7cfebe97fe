"""The sync endpoint's rate limit, per device, with the counters in memory and in Redis
(the login and public-report limits are tested beside their features, on both storages
too; two processes sharing one Redis: test_shared_state.py)."""
from __future__ import annotations

import pytest

from tests.conftest import assert_error
from tests.redis_server import limiter_storage  # noqa: F401


@pytest.mark.usefixtures("limiter_storage")
def test_sync_is_rate_limited_per_device(app, client, demo, auth):
    app.config["SYNC_RATE_LIMIT"] = "3 per minute"
    try:
        phone, other = auth.login("zf001"), auth.login("zf002")

        def push(session) -> object:
            return client.post("/api/v1/sync", json={"device_id": session.device_id, "records": []}, headers=session.headers)

        assert [push(phone).status_code for _ in range(3)] == [200] * 3
        resp = push(phone)
        assert_error(resp, 429, "rate_limited")
        assert resp.headers.get("Retry-After")
        assert push(other).status_code == 200  # another phone has its own budget
    finally:
        app.config["SYNC_RATE_LIMIT"] = "120 per minute"
