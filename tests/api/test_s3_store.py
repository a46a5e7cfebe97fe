"""The S3 media store against a real SeaweedFS (tests/s3_server.py): the store is chosen by
MEDIA_STORE_URL; chunks of a resumable upload are objects any node can continue; nothing is
visible before it is whole and verified; originals are read with ranged GETs; a temporary
local copy for ffmpeg is removed; backup and restore cover the bucket. (The evidence and
video tests run whole on this store too: test_evidence.py, test_media_av.py.)"""
from __future__ import annotations

import hashlib
import io
import os
import time
from pathlib import Path

import pytest

from backend import create_app
from backend.backup.service import media_store, restore_backup, verify_backup
from backend.evidence import service
from backend.evidence.s3store import S3Store, parse_s3_url
from backend.evidence.storage import FilesystemStore, local_copy, make_store
from backend.extensions import db
from tests import images
from tests.api.test_backup import _restore_target
from tests.conftest import AuthActions, make_config
from tests.s3_server import empty_prefix, fresh_store_url, s3_media_url, store_files  # noqa: F401  (fixture)

NINGBO = (29.9700, 121.6200)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _store(url: str, local: Path) -> S3Store:
    return S3Store(local_root=local, **parse_s3_url(url))


def test_the_store_is_chosen_by_media_store_url(tmp_path):
    assert isinstance(make_store({"MEDIA_ROOT": str(tmp_path), "MEDIA_STORE_URL": ""}), FilesystemStore)
    st = make_store({"MEDIA_ROOT": str(tmp_path), "MEDIA_STORE_URL": "s3://evidence/ningbo?endpoint_url=http://127.0.0.1:8333"})
    assert isinstance(st, S3Store) and (st.bucket, st.prefix, st.endpoint_url) == ("evidence", "ningbo/", "http://127.0.0.1:8333")
    assert parse_s3_url("s3://evidence")["prefix"] == ""
    for bad in ("s3:///nobucket", "s3://b?secret_key=x", "ftp://evidence"):
        with pytest.raises(ValueError):
            make_store({"MEDIA_ROOT": str(tmp_path), "MEDIA_STORE_URL": bad})


def test_chunks_are_objects_and_nothing_is_visible_before_the_whole_file_is_verified(tmp_path):
    url = fresh_store_url()
    st = _store(url, tmp_path / "node-a")
    try:
        data = images.jpeg_without_exif()
        digest = sha(data)
        assert st.append_partial(digest, iter([data[:1000]]), limit=len(data)) == 1000
        assert st.append_partial(digest, iter([data[1000:3000], data[3000:5000]]), limit=len(data)) == 5000
        keys = [p.as_posix() for p in _keys(url)]
        assert keys == [f"partial/{digest}/{0:012d}", f"partial/{digest}/{1000:012d}"]
        assert not st.has_original(digest)
        # another node (nothing of node A's local disk) sees the same offset and head
        other = _store(url, tmp_path / "node-b")
        assert other.partial_size(digest) == 5000 and other.partial_head(digest, 12) == data[:12]
        other.truncate_partial(digest, 2500)  # a cut inside the second part keeps its head
        assert st.partial_size(digest) == 2500
        assert other.append_partial(digest, iter([data[2500:]]), limit=len(data)) == len(data)
        actual, staged = other.take_partial(digest)
        assert actual == digest and staged.read_bytes() == data
        assert not [k for k in _keys(url) if k.parts[0] == "partial"]
        other.commit_original(digest, staged)
        assert not staged.exists() and st.has_original(digest)
        assert [k.as_posix() for k in _keys(url)] == [f"originals/{digest[:2]}/{digest[2:4]}/{digest}"]
    finally:
        empty_prefix(url)


def _keys(url: str) -> list[Path]:
    class App:  # store_files() reads only these two settings
        config = {"MEDIA_STORE_URL": url, "MEDIA_ROOT": "/nonexistent"}

    return store_files(App)  # type: ignore[arg-type]


def test_an_original_is_read_with_ranged_gets_from_where_it_seeks(tmp_path):
    url = fresh_store_url()
    st = _store(url, tmp_path)
    try:
        data = bytes(range(256)) * 16384  # 4 MiB
        digest = sha(data)
        f, staged = st.staging_file()
        with f:
            f.write(data)
        st.commit_original(digest, staged)
        ranges: list[str] = []
        get = st.client.get_object

        def recording(**kw):
            ranges.append(kw.get("Range"))
            return get(**kw)

        st.client.get_object = recording
        with st.open_original(digest) as orig:
            assert orig.seekable()
            orig.seek(len(data) - 100)
            assert orig.read() == data[-100:]
            orig.seek(10)
            assert orig.read(5) == data[10:15]
            orig.seek(0, io.SEEK_END)
            assert orig.tell() == len(data) and orig.read() == b""
        assert ranges == [f"bytes={len(data) - 100}-", "bytes=10-"]  # nothing before the seek was fetched
        with pytest.raises(FileNotFoundError):
            st.open_original("0" * 64)
        with local_copy(st, digest) as path:
            assert path.read_bytes() == data and path.parent == tmp_path / "tmp"
        assert not path.exists()  # the temporary download for ffmpeg is gone
    finally:
        empty_prefix(url)


def test_a_resumable_upload_continues_on_another_node(app, demo, auth, database_url, s3_media_url, tmp_path):  # noqa: F811
    """Two app nodes with their own MEDIA_ROOT share the database and the bucket: the phone's
    first chunk lands on one, the rest on the other."""
    other = create_app(make_config(database_url, MEDIA_ROOT=str(tmp_path / "node-b"), MEDIA_STORE_URL=s3_media_url,
                                   SECRET_KEY=app.config["SECRET_KEY"]))
    try:
        phone = auth.login("zf001")
        data = images.jpeg(1600, 1200, lat=NINGBO[0], lon=NINGBO[1], taken="2026:11:20 10:00:00")
        digest, total, cut = sha(data), len(data), len(data) // 3
        first = auth.client.put(f"/api/v1/media/{digest}", data=data[:cut], content_type="image/jpeg",
                                headers={**phone.headers, "Content-Range": f"bytes 0-{cut - 1}/{total}"})
        assert first.status_code == 202 and first.get_json()["offset"] == cut
        node_b = other.test_client()
        status = node_b.get(f"/api/v1/media/{digest}/status", headers=phone.headers).get_json()
        assert status == {"sha256": digest, "state": "partial", "offset": cut, "total": total}
        rest = node_b.put(f"/api/v1/media/{digest}", data=data[cut:], content_type="image/jpeg",
                          headers={**phone.headers, "Content-Range": f"bytes {cut}-{total - 1}/{total}"})
        assert rest.status_code == 201, rest.get_json()
        ranged = auth.client.get(f"/api/v1/media/{digest}/original", headers={**phone.headers, "Range": "bytes=100-199"})
        assert ranged.status_code == 206 and ranged.get_data() == data[100:200]
        assert node_b.get(f"/api/v1/media/{digest}/thumb", headers=phone.headers).status_code == 200
        keys = {k.parts[0] for k in store_files(app) if k.parts[0] != "tmp"}
        assert keys == {"originals", "derived"}  # derived copies beside the original; no partial left
        assert not [p for p in Path(app.config["MEDIA_ROOT"]).rglob("*") if p.is_file() and "tmp" not in p.parts]
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_backup_and_restore_cover_the_bucket(app, runner, demo, auth, database_url, s3_media_url, tmp_path):  # noqa: F811
    phone = AuthActions(app.test_client()).login("zf001")
    photos = [images.jpeg_without_exif(320, 240) for _ in range(2)]
    for photo in photos:
        assert app.test_client().put(f"/api/v1/media/{sha(photo)}", data=photo, headers=phone.headers,
                                     content_type="image/jpeg").status_code == 201
    on_disk = {p.name for p in Path(app.config["MEDIA_ROOT"]).rglob("*")}
    assert not {sha(p) for p in photos} & on_disk  # in the bucket, nothing on the node's disk
    out = runner.invoke(args=["backup", "create", str(tmp_path / "nightly")])  # MEDIA_ROOT + MEDIA_STORE_URL: the bucket
    assert out.exit_code == 0, out.output
    assert "2 photos" in out.output
    manifest = verify_backup(tmp_path / "nightly")
    assert manifest["media"]["store"].startswith("s3://")
    for photo in photos:
        assert (tmp_path / "nightly" / "media" / "originals" / sha(photo)[:2] / sha(photo)[2:4] / sha(photo)).read_bytes() == photo

    target_url = fresh_store_url()  # a new bucket prefix, e.g. after losing the old one
    try:
        target = _store(target_url, tmp_path / "restore-node")
        restored_db = _restore_target(database_url, tmp_path)
        force = not restored_db.startswith("sqlite")
        tables = [t.name for t in db.metadata.sorted_tables]
        restore_backup(tmp_path / "nightly", restored_db, target, tables, force=force)
        for photo in photos:
            with target.open_original(sha(photo)) as f:
                assert f.read() == photo
        # and a restore of the same backup onto the filesystem store
        fs_db = f"sqlite:///{tmp_path / 'fs' / 'z.db'}" if not force else restored_db
        restore_backup(tmp_path / "nightly", fs_db, tmp_path / "fs-media", tables, force=force)
        assert (tmp_path / "fs-media" / "originals" / sha(photos[0])[:2] / sha(photos[0])[2:4] / sha(photos[0])).read_bytes() == photos[0]
        restored = create_app(make_config(restored_db, MEDIA_ROOT=str(tmp_path / "restore-node"), MEDIA_STORE_URL=target_url))
        with restored.app_context():
            assert isinstance(media_store(Path(restored.config["MEDIA_ROOT"])), S3Store)
            assert all(service.store().has_original(sha(p)) for p in photos)
            db.session.remove()
            db.engine.dispose()
    finally:
        empty_prefix(target_url)


def test_an_unreachable_store_answers_503_with_a_code_and_keeps_what_was_accepted(app, demo, auth, database_url, s3_media_url,  # noqa: F811
                                                                                  tmp_path, monkeypatch):
    """The object store goes down (a node whose store URL points at a port where nothing
    listens, on the same database): an upload and a read of a stored original are refused
    with 503 `media.store_unavailable` and a Retry-After within seconds — never a 500, which
    the phone's outbox would take for a broken file — and what was accepted is untouched."""
    from backend.evidence.models import Media
    from tests.server import free_port

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", os.environ.get("AWS_ACCESS_KEY_ID", "zhangshang-test"))
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", os.environ.get("AWS_SECRET_ACCESS_KEY", "zhangshang-test-secret"))
    phone = auth.login("zf001")
    kept = images.jpeg(800, 600, lat=NINGBO[0], lon=NINGBO[1], taken="2026:11:20 09:00:00")
    assert auth.client.put(f"/api/v1/media/{sha(kept)}", data=kept, content_type="image/jpeg", headers=phone.headers).status_code == 201
    down = create_app(make_config(database_url, MEDIA_ROOT=str(tmp_path / "node-down"),
                                  MEDIA_STORE_URL=f"s3://evidence?endpoint_url=http://127.0.0.1:{free_port()}",
                                  SECRET_KEY=app.config["SECRET_KEY"]))
    try:
        with app.app_context():
            before = db.session.query(Media).count()
        client = down.test_client()
        new = images.jpeg(800, 600, lat=NINGBO[0], lon=NINGBO[1], taken="2026:11:20 10:00:00")
        started = time.monotonic()
        for resp in (
            client.put(f"/api/v1/media/{sha(new)}", data=new, content_type="image/jpeg", headers=phone.headers),
            client.get(f"/api/v1/media/{sha(kept)}/original", headers=phone.headers),
        ):
            body = resp.get_json()
            assert resp.status_code == 503, (resp.status_code, body)
            assert body["code"] == "media.store_unavailable" and resp.headers["Retry-After"] == "30"
            assert "证据存储" in body["message"]["zh-CN"] and "evidence store" in body["message"]["en"]
        assert time.monotonic() - started < 30  # seconds, not botocore's minutes of default retries
        # the file already accepted is still known (the database answers) and still whole
        assert client.get(f"/api/v1/media/{sha(kept)}/status", headers=phone.headers).get_json()["state"] == "complete"
        with app.app_context():
            assert db.session.query(Media).count() == before
        # the same upload to a node whose store answers is stored as usual
        ok = auth.client.put(f"/api/v1/media/{sha(new)}", data=new, content_type="image/jpeg", headers=phone.headers)
        assert ok.status_code == 201, ok.get_json()
        assert auth.client.get(f"/api/v1/media/{sha(kept)}/original", headers=phone.headers).get_data() == kept
    finally:
        with down.app_context():
            db.session.remove()
            db.engine.dispose()
