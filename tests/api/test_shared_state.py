"""Beyond one machine: two app processes (two gunicorn servers, as two hosts behind a load
balancer) on one database. Rate-limit counters are shared through Redis, so a flood split
across them is stopped at the same total as on one; the per-process caches built from
reference data (coverage outlines, the grid index) agree at once when a grid changes,
because each is keyed on a version read from the shared database on every use."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from shapely.geometry import shape

from backend import clock
from tests.redis_server import redis_url  # noqa: F401  (the session's Redis)
from tests.server import Server, free_port

LOGIN_LIMIT = 10  # per address and minute: LOGIN_RATE_LIMIT's default


def start_nodes(app, database_url: str, media: str, **env: str) -> list[Server]:
    # a prefix of the test's own: the counters of other tests on the same Redis never mix in
    env.setdefault("RATELIMIT_KEY_PREFIX", f"test-{uuid.uuid4().hex[:8]}")
    nodes = [Server(database_url, media, app.config["SECRET_KEY"], **env) for _ in range(2)]
    try:
        for node in nodes:
            node.start()
    except BaseException:
        for node in nodes:
            node.kill()
        raise
    return nodes


@pytest.fixture(params=["redis", "memory"])
def nodes(request, app, demo, database_url, tmp_path) -> Iterator[tuple[str, list[Server]]]:
    storage = request.getfixturevalue("redis_url") if request.param == "redis" else "memory://"
    started = start_nodes(app, database_url, str(tmp_path / "media"), RATELIMIT_STORAGE_URI=storage, SYNC_RATE_LIMIT="4 per minute")
    try:
        yield request.param, started
    finally:
        for node in started:
            node.kill()


def login(node: Server, username: str, password: str = "demo1234", device: str | None = None) -> tuple[int, dict | None]:
    return node.request("POST", "/api/v1/auth/login", {"username": username, "password": password,
                                                        "device_id": device or f"dev-{uuid.uuid4()}"})


def test_a_login_flood_split_across_two_processes_is_stopped_at_the_same_total(nodes):
    """Same address, a different wrong username each time (so only the per-address limit
    counts), sent to the two processes in turn. On Redis the two share one counter; in
    memory each counts alone, which is why several workers or hosts need Redis."""
    storage, (a, b) = nodes
    statuses = [login(a if i % 2 == 0 else b, f"nobody{i}", "wrong-pass")[0] for i in range(2 * LOGIN_LIMIT + 2)]
    served = statuses.count(401)
    if storage == "redis":
        assert statuses[:LOGIN_LIMIT] == [401] * LOGIN_LIMIT, statuses
        assert statuses[LOGIN_LIMIT:] == [429] * (LOGIN_LIMIT + 2), statuses  # on both processes
    else:
        assert served == 2 * LOGIN_LIMIT, statuses  # the negative control: each process let its own 10 through


def test_a_devices_sync_limit_is_counted_once_across_two_processes(nodes):
    storage, (a, b) = nodes
    device = f"dev-{uuid.uuid4()}"
    status, body = login(a, "zf001", device=device)
    assert status == 200, body
    token = body["access_token"]
    batch = {"device_id": device, "records": []}
    statuses = [(a if i % 2 == 0 else b).request("POST", "/api/v1/sync", batch, token)[0] for i in range(6)]
    if storage == "redis":
        assert statuses == [200] * 4 + [429] * 2, statuses  # SYNC_RATE_LIMIT is 4 per minute here
    else:
        assert statuses == [200] * 6, statuses  # 3 on each: neither process reached 4


def test_a_changed_grid_shows_on_every_process_at_once(app, demo, database_url, tmp_path):
    """Both processes build their coverage outlines and grid index; then a third process
    (the test's own app, as an import job or an admin tool would) swaps two grids'
    outlines and renames one. Each process's next coverage answer and the grid of its next
    inspection follow the change."""
    from sqlalchemy import select

    from backend.catalog.models import Grid
    from backend.extensions import db

    nodes = start_nodes(app, database_url, str(tmp_path / "media"))
    try:
        today = clock.local_today().isoformat()

        def coverage(node: Server, token: str) -> dict[str, dict]:
            status, fc = node.request("GET", f"/api/v1/supervision/coverage?from={today}&to={today}", token=token)
            assert status == 200, fc
            return {f["properties"]["code"]: f for f in fc["features"]}

        def inspect_at(node: Server, session: tuple[str, str], lon: float, lat: float) -> str | None:
            device, token = session
            rid = str(uuid.uuid4())
            record = {"id": rid, "kind": "inspection", "captured_at": clock.now().isoformat(),
                      "payload": {"lat": lat, "lon": lon, "subject": {"name": "老王早餐店"}, "result": "compliant", "photos": []}}
            status, body = node.request("POST", "/api/v1/sync", {"device_id": device, "records": [record]}, token)
            assert status == 200 and body["results"][0]["status"] == "created", body
            status, inspection = node.request("GET", f"/api/v1/inspections/{rid}", token=token)
            assert status == 200, inspection
            return (inspection["grid"] or {}).get("code")

        bosses, officers = [], []
        for node in nodes:
            status, body = login(node, "zd001")
            assert status == 200, body
            bosses.append(body["access_token"])
            device = f"dev-{uuid.uuid4()}"
            status, body = login(node, "zf001", device=device)
            assert status == 200, body
            officers.append((device, body["access_token"]))

        before = [coverage(node, token) for node, token in zip(nodes, bosses)]  # each process caches the outlines
        assert before[0] == before[1]
        first, second = sorted(before[0])[:2]
        point = shape(before[0][first]["geometry"]).representative_point()
        for node, session in zip(nodes, officers):  # each process builds its grid index
            assert inspect_at(node, session, point.x, point.y) == first

        with app.app_context():  # the change, made by neither process
            g1 = db.session.scalar(select(Grid).where(Grid.code == first))
            g2 = db.session.scalar(select(Grid).where(Grid.code == second))
            g1.geom, g2.geom = g2.geom, g1.geom
            g1.name = "调整后的网格"
            db.session.commit()
            db.session.remove()

        for node, token, session in zip(nodes, bosses, officers):
            after = coverage(node, token)
            assert after[first]["properties"]["name"] == "调整后的网格"
            assert after[first]["geometry"] == before[0][second]["geometry"]
            assert after[second]["geometry"] == before[0][first]["geometry"]
            assert inspect_at(node, session, point.x, point.y) == second  # the point now lies in the other grid
    finally:
        for node in nodes:
            node.kill()


def test_an_unreachable_redis_does_not_stop_logins_and_limits_still_hold(app, demo, database_url, tmp_path):
    """Redis down (nothing listens on its port): requests are counted in the process's
    memory instead (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED), never answered with a 500."""
    dead = f"redis://127.0.0.1:{free_port()}/0"
    node = Server(database_url, str(tmp_path / "media"), app.config["SECRET_KEY"], RATELIMIT_STORAGE_URI=dead)
    node.start()
    try:
        assert login(node, "zf001")[0] == 200
        statuses = [login(node, f"nobody{i}", "wrong-pass")[0] for i in range(LOGIN_LIMIT)]
        assert statuses == [401] * (LOGIN_LIMIT - 1) + [429], statuses  # the good login counted too
    finally:
        node.kill()
