"""Faults: the database locked or unreachable, the disk full while a photo is written, a
slow client holding an upload open. Each gets a clear 5xx/4xx answer the phone can act on
(retry later), leaves no partial record or half-written file, and the server keeps
serving everyone else."""
from __future__ import annotations

import errno
import hashlib
import socket
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, func, select, text

from backend import create_app
from backend.database import sqlite_driver
from backend.evidence import storage
from backend.evidence.models import Media
from backend.extensions import db
from backend.patrols.models import Inspection
from tests import images
from tests.api.test_evidence import media_files, media_root  # noqa: F401  (fixture)
from tests.api.test_sync import inspection, push, rec
from tests.conftest import AuthActions, assert_error, make_config
from tests.server import Server


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_database_locked_is_a_503_with_retry_after_and_the_retry_stores_once(app, demo, auth, database_url):
    """Another writer holds the lock past our wait: 503 db.busy, nothing half-stored; the
    phone retries the same batch later and the record is stored exactly once."""
    if database_url.startswith("sqlite"):
        impatient = create_app(make_config(database_url, MEDIA_ROOT=app.config["MEDIA_ROOT"], SQLITE_BUSY_TIMEOUT_MS=300))
    else:
        impatient = create_app(make_config(database_url, MEDIA_ROOT=app.config["MEDIA_ROOT"], SQLALCHEMY_ENGINE_OPTIONS={
            "connect_args": {"options": "-c lock_timeout=300"}}))
    client = impatient.test_client()
    phone = AuthActions(client).login("zf001")
    record = rec("inspection", inspection())

    locker = create_engine(database_url, **({"module": sqlite_driver()} if database_url.startswith("sqlite") else {}))
    conn = locker.connect()
    try:
        if database_url.startswith("sqlite"):
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # SQLite's one write lock
        else:
            conn.execute(text("BEGIN"))
            conn.execute(text("LOCK TABLE sync_records IN ACCESS EXCLUSIVE MODE"))
        resp = client.post("/api/v1/sync", json={"device_id": phone.device_id, "records": [record]}, headers=phone.headers)
        err = assert_error(resp, 503, "db.busy")
        assert "未丢失" in err["message"]["zh-CN"]
        assert int(resp.headers["Retry-After"]) > 0
    finally:
        conn.rollback()
        conn.close()
        locker.dispose()
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 0
    assert push(client, phone, [record])[0]["status"] == "created"
    assert push(client, phone, [record])[0]["status"] == "duplicate"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Inspection)) == 1
    with impatient.app_context():
        db.session.remove()
        db.engine.dispose()


def test_database_unreachable_is_a_503_not_a_500(app, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'no-such-dir' / 'gone.db'}"
    else:
        with socket.socket() as s:  # a port where nothing listens
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"postgresql+psycopg://nobody:nothing@127.0.0.1:{port}/gone"
    down = create_app(make_config(url, MEDIA_ROOT=str(tmp_path / "media")))
    client = down.test_client()
    resp = client.get("/api/v1/health")
    assert_error(resp, 503, "db.unavailable")
    assert "Retry-After" in resp.headers
    assert_error(client.post("/api/v1/auth/login", json={"username": "zf001", "password": "x" * 8, "device_id": "dev-down-0001"}),
                 503, "db.unavailable")


def test_a_connection_dropped_while_idle_in_the_pool_is_replaced_and_a_busy_one_is_not_pinged(app, database_url, tmp_path):
    """PostgreSQL: a pooled connection is pinged before use only after DATABASE_PING_AFTER_IDLE_S
    idle (backend/database.py `install_idle_ping`): one the server dropped meanwhile (a
    restart, a firewall) is replaced without an error; one in steady use costs no round trip."""
    if database_url.startswith("sqlite"):
        return  # SQLite has no server to drop a connection
    one = create_app(make_config(database_url, MEDIA_ROOT=str(tmp_path / "media"), DATABASE_PING_AFTER_IDLE_S=0.3,
                                 SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0}))
    client = one.test_client()  # each request in an app context of its own, which returns the connection
    with one.app_context():
        engine = db.engine
    assert engine.pool._pre_ping is False

    def backend_pid() -> int:
        with engine.connect() as conn:
            return conn.scalar(text("SELECT pg_backend_pid()"))

    pings = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pings.append(1) or real_ping(conn)  # type: ignore[method-assign]
    try:
        assert client.get("/api/v1/health").status_code == 200
        pid = backend_pid()
        for _ in range(5):  # in steady use: no ping
            assert client.get("/api/v1/health").status_code == 200
        assert pings == [] and backend_pid() == pid
        # autocommit: pg_stat_activity is a snapshot per transaction, so each look is its own
        admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            assert conn.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            deadline = time.monotonic() + 30
            while conn.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid}):
                assert time.monotonic() < deadline, "the terminated backend did not go away"
                time.sleep(0.05)
        admin.dispose()
        time.sleep(0.4)  # idle past the threshold
        assert client.get("/api/v1/health").status_code == 200  # the dead connection was pinged and replaced
        assert pings == [1]
        assert backend_pid() != pid
    finally:
        engine.dialect.do_ping = real_ping  # type: ignore[method-assign]
        engine.dispose()


class _FullDisk:
    """A file whose writes fail with ENOSPC once `room` bytes have been written."""

    def __init__(self, f, room: int) -> None:
        self._f, self._room = f, room

    def write(self, data: bytes) -> int:
        if len(data) > self._room:
            self._f.write(data[: self._room])  # what a real full disk does: a short write, then ENOSPC
            self._room = 0
            raise OSError(errno.ENOSPC, "No space left on device")
        self._room -= len(data)
        return self._f.write(data)

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


def test_disk_full_while_receiving_a_photo(app, client, demo, auth, media_root, monkeypatch):  # noqa: F811
    phone = auth.login("zf001")
    data = images.jpeg_without_exif(1600, 1200)
    real = storage.FilesystemStore.staging_file

    def full(self):
        f, path = real(self)
        return _FullDisk(f, 4096), path

    monkeypatch.setattr(storage.FilesystemStore, "staging_file", full)
    resp = client.put(f"/api/v1/media/{sha(data)}", data=data, headers=phone.headers, content_type="image/jpeg")
    assert_error(resp, 507, "storage.full")
    assert media_files(app) == []  # no half-written file in tmp/ or originals/
    with app.app_context():
        assert db.session.get(Media, sha(data)) is None
    monkeypatch.undo()  # space freed: the phone's retry succeeds
    assert client.put(f"/api/v1/media/{sha(data)}", data=data, headers=phone.headers, content_type="image/jpeg").status_code == 201


def test_disk_full_while_writing_derivatives_leaves_no_original(app, client, demo, auth, media_root, monkeypatch):  # noqa: F811
    phone = auth.login("zf001")
    data = images.jpeg_without_exif()

    def full(self, sha256, variant, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(storage.FilesystemStore, "put_derived", full)
    assert_error(client.put(f"/api/v1/media/{sha(data)}", data=data, headers=phone.headers, content_type="image/jpeg"),
                 507, "storage.full")
    assert media_files(app) == []


def test_disk_full_during_a_resumable_chunk_keeps_the_acknowledged_offset(app, client, demo, auth, media_root, monkeypatch):  # noqa: F811
    phone = auth.login("zf001")
    data = images.jpeg_without_exif(1600, 1200)
    digest, total = sha(data), len(data)
    half = total // 2

    def put(start: int, end: int):
        return client.put(f"/api/v1/media/{digest}", data=data[start:end], headers={
            **phone.headers, "Content-Range": f"bytes {start}-{end - 1}/{total}"}, content_type="application/octet-stream")

    assert put(0, half).status_code in (200, 202, 308)
    real_open = open

    def full_open(path, mode="r", *args, **kwargs):
        f = real_open(path, mode, *args, **kwargs)
        return _FullDisk(f, 1000) if "a" in mode else f

    monkeypatch.setattr(storage, "open", full_open, raising=False)
    assert_error(put(half, total), 507, "storage.full")
    monkeypatch.undo()
    status = client.get(f"/api/v1/media/{digest}/status", headers=phone.headers).get_json()
    assert status["offset"] == half  # the failed chunk left nothing behind
    assert put(half, total).status_code == 201


def test_a_slow_client_holding_an_upload_open_does_not_block_others(app, demo, database_url, tmp_path):
    """A phone on a bad link sends headers and a trickle of bytes, then stalls; the
    server (gunicorn gthread, as in production) keeps answering everyone else."""
    server = Server(database_url, str(tmp_path / "media"), app.config["SECRET_KEY"], threads=4)
    server.start()
    try:
        status, body = server.request("POST", "/api/v1/auth/login",
                                      {"username": "zf002", "password": "demo1234", "device_id": f"dev-{uuid.uuid4()}"})
        assert status == 200
        token = body["access_token"]
        data = images.jpeg_without_exif()
        slow = []
        for _ in range(2):  # two stalled uploads at once
            s = socket.create_connection(("127.0.0.1", server.port), timeout=30)
            s.sendall((f"PUT /api/v1/media/{sha(data)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                       f"Content-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data[:1000])
            slow.append(s)
        time.sleep(0.5)
        answered = []

        def other() -> None:
            answered.append(server.request("GET", "/api/v1/me", token=token)[0])

        threads = [threading.Thread(target=other) for _ in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        # (the join bound is far below gunicorn's 60 s timeout a blocked server would need)
        assert answered == [200] * 5, answered
        for s in slow:  # the stalled phones finish later; their uploads still succeed
            s.sendall(data[1000:])
            reply = s.recv(4096).decode(errors="replace")
            assert reply.split()[1] in ("200", "201"), reply[:200]
            s.close()
    finally:
        server.stop()
    assert Path(tmp_path / "media" / "tmp").exists() and not any((tmp_path / "media" / "tmp").iterdir())

