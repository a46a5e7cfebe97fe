"""Evidence photos: upload by hash, inspection with Pillow, EXIF, derivatives, resumable
upload, access rules and the chain of custody — with real images made by Pillow."""
from __future__ import annotations

import hashlib
import io
import os
import threading
import tracemalloc
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from backend.auth.models import Officer
from backend.extensions import db
from backend.patrols import service as patrols
from tests import images
from tests.conftest import assert_error
from tests.s3_server import empty_prefix, fresh_store_url, store_files

NINGBO = (29.9700, 121.6200)
TAKEN = "2026:11:20 10:00:00"  # local time, as phones write it
TAKEN_UTC = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def put(client, headers, data: bytes, digest: str | None = None, **kw):
    return client.put(f"/api/v1/media/{digest or sha(data)}", data=data, headers=headers,
                      content_type=kw.pop("content_type", "image/jpeg"), **kw)


def media_files(app) -> list[Path]:
    if app.config.get("MEDIA_STORE_URL"):  # the bucket's keys under the test's prefix, and local tmp/
        return store_files(app)
    root = Path(app.config["MEDIA_ROOT"])
    return [p.relative_to(root) for p in root.rglob("*") if p.is_file()]


def pytest_generate_tests(metafunc):
    """Every media test of this module (and of those that import this hook) runs on the
    filesystem store and on the S3 store (SeaweedFS: tests/s3_server.py)."""
    if "media_root" in metafunc.fixturenames:
        metafunc.parametrize("media_root", ["filesystem", "s3"], indirect=True)


@pytest.fixture
def media_root(app, request):
    """Each test sees an empty MEDIA_ROOT (and, on S3, a key prefix of its own). Modules
    without the hook above test the filesystem store only."""
    kind = getattr(request, "param", "filesystem")
    root = Path(app.config["MEDIA_ROOT"])
    for p in sorted(root.rglob("*"), reverse=True):
        if p.is_file():
            p.chmod(0o644)
            p.unlink()
    app.extensions.pop("media_store", None)
    if kind != "s3":
        yield root
        return
    url = fresh_store_url()
    app.config["MEDIA_STORE_URL"] = url
    try:
        yield root
    finally:
        app.config["MEDIA_STORE_URL"] = ""
        app.extensions.pop("media_store", None)
        empty_prefix(url)


@pytest.fixture
def officer_session(demo, auth, media_root):
    return auth.login("zf001")


def cite_in_inspection(app, digest: str, username: str = "zf001", lat=NINGBO[0], lon=NINGBO[1], at=TAKEN_UTC) -> str:
    iid = str(uuid.uuid4())
    with app.app_context():
        officer = db.session.query(Officer).filter_by(username=username).one()
        patrols.record_inspection(inspection_id=iid, officer=officer, device_id="dev-evidence", captured_at=at, inspected_at=at,
                                  lat=lat, lon=lon, accuracy_m=5, subject_name="某某烧烤店", result="violation",
                                  follow_up="ticket", photos=[digest])
    return iid


def test_upload_returns_dimensions_type_and_exif(client, officer_session):
    data = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN, alt=8.0, make="Xiaomi", model="14")
    resp = put(client, officer_session.headers, data)
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["sha256"] == sha(data) and body["bytes"] == len(data)
    assert (body["width"], body["height"], body["content_type"]) == (800, 600, "image/jpeg")
    exif = body["exif"]
    assert exif["taken_at"] == "2026-11-20T02:00:00+00:00"
    assert abs(exif["lat"] - NINGBO[0]) < 1e-6 and abs(exif["lon"] - NINGBO[1]) < 1e-6
    assert exif["alt"] == 8.0 and exif["make"] == "Xiaomi" and exif["model"] == "14"


def test_the_same_photo_twice_is_stored_once(app, client, officer_session):
    data = images.jpeg_without_exif()
    assert put(client, officer_session.headers, data).status_code == 201
    originals = [p for p in media_files(app) if "originals" in p.parts]
    again = put(client, officer_session.headers, data)
    assert again.status_code == 200 and again.get_json()["sha256"] == sha(data)
    assert [p for p in media_files(app) if "originals" in p.parts] == originals
    assert originals == [Path("originals", sha(data)[:2], sha(data)[2:4], sha(data))]
    if not app.config.get("MEDIA_STORE_URL"):
        original = Path(app.config["MEDIA_ROOT"]) / originals[0]
        assert original.read_bytes() == data
        assert oct(original.stat().st_mode & 0o777) == "0o444"
    else:
        from backend.evidence import service

        with app.app_context(), service.store().open_original(sha(data)) as f:
            assert f.read() == data


def test_wrong_hash_is_refused_and_nothing_is_left_behind(app, client, officer_session):
    data = images.jpeg_without_exif()
    err = assert_error(put(client, officer_session.headers, data, digest="0" * 64), 422, "media.hash_mismatch")
    assert err["details"]["actual"] == sha(data)
    assert media_files(app) == []
    assert_error(client.put("/api/v1/media/not-a-hash", data=data, headers=officer_session.headers), 400, "media.bad_hash")


@pytest.mark.parametrize(
    "make,code",
    [
        (lambda: images.jpeg_without_exif()[: len(images.jpeg_without_exif()) * 6 // 10], "media.truncated"),
        (images.png_bomb, "media.too_many_pixels"),
        (images.jpeg_bomb, "media.too_many_pixels"),
        (lambda: b"<html><script>alert(1)</script></html>", "media.not_an_image"),
        (lambda: b"%PDF-1.4\n1 0 obj\n", "media.not_an_image"),
        (lambda: b'<svg xmlns="http://www.w3.org/2000/svg"/>', "media.not_an_image"),
        (lambda: b"", "media.empty"),
    ],
    ids=["truncated-jpeg", "png-bomb", "jpeg-bomb", "html-as-jpeg", "pdf", "svg", "zero-bytes"],
)
def test_bad_files_are_refused_with_a_clear_code(app, client, officer_session, make, code):
    data = make()
    assert_error(put(client, officer_session.headers, data), 422, code)
    assert [p for p in media_files(app) if "tmp" in p.parts or "originals" in p.parts] == []


def test_type_is_detected_from_content_not_from_the_declared_type(client, officer_session):
    for data, detected in ((images.png(), "image/png"), (images.webp(), "image/webp")):
        body = put(client, officer_session.headers, data, content_type="image/jpeg").get_json()
        assert body["content_type"] == detected


def test_broken_exif_does_not_lose_the_photo(client, officer_session):
    resp = put(client, officer_session.headers, images.jpeg_with_broken_exif())
    assert resp.status_code == 201
    assert "errors" in resp.get_json()["exif"]


def test_derivatives_are_oriented_watermarked_and_carry_no_exif(client, officer_session):
    white = Image.new("RGB", (1200, 900), (255, 255, 255))
    data = images.jpeg(image=white, lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN, orientation=6)  # rotate 90° on display
    digest = put(client, officer_session.headers, data).get_json()["sha256"]
    display = client.get(f"/api/v1/media/{digest}/display", headers=officer_session.headers)
    assert display.status_code == 200 and display.headers["Content-Type"] == "image/jpeg"
    im = Image.open(io.BytesIO(display.get_data()))
    assert im.size == (900, 1200)  # portrait after EXIF orientation
    assert not im.getexif()  # no GPS or camera data in a copy shown to others
    top = im.crop((0, 0, im.width, 50)).convert("L").getextrema()
    bottom = im.crop((0, im.height - 40, im.width, im.height)).convert("L")
    assert top[0] > 230  # untouched white
    assert ImageStat.Stat(bottom).mean[0] < 200  # the dark watermark band
    thumb = Image.open(io.BytesIO(client.get(f"/api/v1/media/{digest}/thumb", headers=officer_session.headers).get_data()))
    assert max(thumb.size) == 320
    original = client.get(f"/api/v1/media/{digest}/original", headers=officer_session.headers)
    assert original.get_data() == data


def test_resumable_upload_continues_after_cuts_at_several_offsets(app, client, officer_session):
    data = images.jpeg(2400, 1800, lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    digest, total = sha(data), len(data)
    h = officer_session.headers
    assert client.get(f"/api/v1/media/{digest}/status", headers=h).get_json() == {"sha256": digest, "state": "absent", "offset": 0, "total": None}
    offset = 0
    for cut in (1, 1000, total // 3, total - 1):
        # the phone sends from its offset to the end, but the connection drops at `cut`
        resp = client.put(f"/api/v1/media/{digest}", data=data[offset:cut], headers={**h, "Content-Range": f"bytes {offset}-{total - 1}/{total}"})
        assert resp.status_code == 202, resp.get_json()
        assert resp.get_json() == {"sha256": digest, "state": "partial", "offset": cut, "total": total}  # where to go on
        status = client.get(f"/api/v1/media/{digest}/status", headers=h).get_json()
        assert status == {"sha256": digest, "state": "partial", "offset": cut, "total": total}
        offset = status["offset"]
    # a chunk that does not start where the server is gets the right offset back
    err = assert_error(client.put(f"/api/v1/media/{digest}", data=data[5:10], headers={**h, "Content-Range": f"bytes 5-9/{total}"}), 409, "upload.offset_mismatch")
    assert err["details"]["offset"] == total - 1
    done = client.put(f"/api/v1/media/{digest}", data=data[offset:], headers={**h, "Content-Range": f"bytes {offset}-{total - 1}/{total}"})
    assert done.status_code == 201 and done.get_json()["width"] == 2400
    assert client.get(f"/api/v1/media/{digest}/status", headers=h).get_json()["state"] == "complete"
    assert client.get(f"/api/v1/media/{digest}/original", headers=h).get_data() == data
    assert not [p for p in media_files(app) if "partial" in p.parts]


def test_resumed_upload_with_wrong_bytes_fails_the_hash_and_can_restart(app, client, officer_session):
    data = images.jpeg_without_exif()
    digest, total = sha(data), len(data)
    h = officer_session.headers
    client.put(f"/api/v1/media/{digest}", data=data[:100], headers={**h, "Content-Range": f"bytes 0-99/{total}"})
    bad = b"\x00" * (total - 100)
    assert_error(client.put(f"/api/v1/media/{digest}", data=bad, headers={**h, "Content-Range": f"bytes 100-{total - 1}/{total}"}), 422, "media.hash_mismatch")
    assert client.get(f"/api/v1/media/{digest}/status", headers=h).get_json()["state"] == "absent"
    assert put(client, h, data).status_code == 201


def test_bad_content_ranges(client, officer_session):
    data = images.jpeg_without_exif()
    digest, total = sha(data), len(data)
    h = officer_session.headers
    for header in ("bytes 0-10", "items 0-1/2", f"bytes 10-5/{total}", f"bytes 0-{total}/{total}"):
        assert_error(client.put(f"/api/v1/media/{digest}", data=data[:10], headers={**h, "Content-Range": header}), 400, "upload.bad_range")
    assert_error(client.put(f"/api/v1/media/{digest}", data=data[:10], headers={**h, "Content-Range": f"bytes 10-19/{total}"}), 409, "upload.offset_mismatch")


def test_concurrent_uploads_of_the_same_photo_store_it_once(app, demo, auth, media_root):
    data = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    sessions = [auth.login(u) for u in ("zf001", "zf002", "zf003", "zf004")]
    statuses: list[int] = []

    def upload(s):
        c = app.test_client()
        statuses.append(put(c, s.headers, data).status_code)

    threads = [threading.Thread(target=upload, args=(s,)) for s in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses.count(201) == 1 and set(statuses) <= {200, 201} and len(statuses) == 4
    with app.app_context():
        from backend.audit.models import AuditEntry
        from backend.evidence.models import Media

        assert db.session.query(Media).count() == 1
        assert db.session.query(AuditEntry).filter_by(action="media.uploaded").count() == 1
    assert len([p for p in media_files(app) if "originals" in p.parts]) == 1
    assert not [p for p in media_files(app) if "tmp" in p.parts]


def test_a_large_upload_is_streamed_to_disk_with_bounded_memory(app, client, officer_session, tmp_path):
    head = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    path = tmp_path / "big.jpg"
    h = hashlib.sha256()
    with open(path, "wb") as f:
        f.write(head)
        h.update(head)
        block = os.urandom(1 << 20)
        for _ in range(50):  # 50 MB after the end of the JPEG (cameras append maker data)
            f.write(block)
            h.update(block)
    size = path.stat().st_size
    tracemalloc.start()
    with open(path, "rb") as f:
        resp = client.put(f"/api/v1/media/{h.hexdigest()}", input_stream=f, content_length=size,
                          content_type="image/jpeg", headers=officer_session.headers)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert resp.status_code == 201, resp.get_json()
    assert resp.get_json()["bytes"] == size
    assert peak < 8 * 1024 * 1024, f"peak Python memory {peak / 1e6:.1f} MB for a {size / 1e6:.0f} MB upload"


def test_too_large_is_413(app, client, officer_session, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 50_000)
    data = images.jpeg(1600, 1200)
    assert len(data) > 50_000
    assert_error(put(client, officer_session.headers, data), 413, "media.too_large")
    assert_error(client.put(f"/api/v1/media/{sha(data)}", data=data[:10], headers={**officer_session.headers,
                 "Content-Range": f"bytes 0-9/{len(data)}"}), 413, "media.too_large")
    assert media_files(app) == [] or not [p for p in media_files(app) if "originals" in p.parts]


def test_who_may_see_a_photo(app, client, demo, auth, media_root):
    uploader = auth.login("zf001")
    data = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    digest = put(client, uploader.headers, data).get_json()["sha256"]
    colleague, boss, aux, other_street, admin = (auth.login(u) for u in ("zf002", "zd001", "fz001", "zd101", "admin"))
    # cited by nothing: only its uploader (and a district admin)
    assert client.get(f"/api/v1/media/{digest}/thumb", headers=uploader.headers).status_code == 200
    for s in (colleague, boss, aux, other_street):
        assert_error(client.get(f"/api/v1/media/{digest}/thumb", headers=s.headers), 403, "media.forbidden")
    assert client.get(f"/api/v1/media/{digest}/thumb", headers=admin.headers).status_code == 200
    # once a record of 蛟川 cites it: that street's officers and supervisors
    cite_in_inspection(app, digest)
    for s in (colleague, boss):
        assert client.get(f"/api/v1/media/{digest}/display", headers=s.headers).status_code == 200
    for s in (aux, other_street):
        assert_error(client.get(f"/api/v1/media/{digest}/display", headers=s.headers), 403, "media.forbidden")
    assert_error(client.get(f"/api/v1/media/{'f' * 64}/thumb", headers=boss.headers), 404, "media.not_found")


def test_chain_of_custody_records_capture_upload_verification_and_access(app, client, demo, auth, media_root):
    uploader = auth.login("zf001")
    data = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    digest = sha(data)
    iid = cite_in_inspection(app, digest)  # the record syncs before the photo, as often happens
    put(client, uploader.headers, data)
    boss = auth.login("zd001")
    client.get(f"/api/v1/media/{digest}/original", headers=boss.headers)
    custody = client.get(f"/api/v1/media/{digest}/custody", headers=boss.headers).get_json()["items"]
    actions = [e["action"] for e in custody]
    assert actions == ["media.captured", "media.uploaded", "media.verified", "media.viewed_original"]
    assert custody[0]["details"]["record_id"] == iid and custody[0]["device_id"] == "dev-evidence"
    assert custody[3]["actor_id"] == boss.body["officer"]["id"] and custody[3]["device_id"] == boss.device_id
    with app.app_context():
        from backend.audit.service import verify_chain

        assert verify_chain(1) is None


def test_exif_is_compared_with_what_the_record_claims(app, client, demo, auth, media_root):
    s = auth.login("zf001")
    near = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    far = images.jpeg(lat=NINGBO[0] + 0.01, lon=NINGBO[1], taken=TAKEN, model="far")  # ~1.1 km north
    late = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken="2026:11:20 12:30:00", model="late")
    bare = images.jpeg_without_exif()
    for d in (near, far, late):
        put(client, s.headers, d)
    for d in (near, far, late, bare):
        cite_in_inspection(app, sha(d))
    put(client, s.headers, bare)  # arrives after its record
    got = {}
    for d in (near, far, late, bare):
        c = client.get(f"/api/v1/media/{sha(d)}", headers=s.headers).get_json()["citations"][0]
        got[sha(d)] = (c["mismatch"], c["mismatch_reasons"], c["distance_m"])
    assert got[sha(near)][0] is False and got[sha(near)][2] < 1
    assert got[sha(far)][:2] == (True, ["place"]) and 1000 < got[sha(far)][2] < 1200
    assert got[sha(late)][:2] == (True, ["time"])
    assert got[sha(bare)] == (False, [], None)  # nothing to compare: no flag, no invented numbers


def test_watermark_is_rerendered_when_a_record_cites_the_photo(app, client, demo, auth, media_root):
    s = auth.login("zf001")
    data = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken=TAKEN)
    digest = put(client, s.headers, data).get_json()["sha256"]
    before = client.get(f"/api/v1/media/{digest}/display", headers=s.headers).get_data()
    cite_in_inspection(app, digest)
    after = client.get(f"/api/v1/media/{digest}/display", headers=s.headers).get_data()
    assert before != after  # the record number and place were added
    assert client.get(f"/api/v1/media/{digest}/display", headers=s.headers).get_data() == after  # then cached
