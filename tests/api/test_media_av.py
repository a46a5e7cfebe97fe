"""Video and voice evidence: the same content-addressed, resumable upload as photos;
ffprobe inspection (container, codecs, duration, recorded time and place); a
watermarked poster frame or waveform; Range playback; custody and audit; citations from
synced records with the time/place check; a hostile corpus refused with a code and
leaving nothing behind. Every clip is made by ffmpeg in a session fixture."""
from __future__ import annotations

import hashlib
import io
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image

from backend.extensions import db
from tests import av_files
# the fixtures, and the hook that runs each media test on the filesystem and on S3
from tests.api.test_evidence import media_files, media_root, pytest_generate_tests  # noqa: F401
from tests.api.test_sync import inspection, push, rec
from tests.conftest import assert_error

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)  # what the synced inspection claims (and the clips record)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="session")
def clips(tmp_path_factory) -> dict[str, bytes]:
    d = tmp_path_factory.mktemp("clips")
    gps_mp4 = av_files.mp4(d / "gps.mp4")
    return {
        "mp4_gps": gps_mp4,
        "mp4_bare": av_files.mp4(d / "bare.mp4", gps=None, recorded=None, faststart=True),
        "mp4_far": av_files.mp4(d / "far.mp4", gps=(29.99, 121.62)),  # ~2.2 km north
        "mp4_late": av_files.mp4(d / "late.mp4", recorded="2026-11-20T04:00:00Z"),
        "mov_iphone": av_files.mov_iphone(d / "iphone.mov"),
        "webm": av_files.webm(d / "clip.webm"),
        "m4a": av_files.m4a(d / "voice.m4a"),
        "ogg": av_files.ogg_opus(d / "voice.ogg"),
        "webm_opus": av_files.webm_opus(d / "voice.webm"),
        "mp3": av_files.mp3(d / "voice.mp3"),
        "wav": av_files.wav(d / "voice.wav"),
        # hostile
        "absurd_dimensions": av_files.absurd_dimensions_webm(d / "absurd.webm"),
        "hours_long": av_files.hours_long_webm(d / "long.webm"),
        "mpeg4": av_files.mpeg4_part2(d / "mpeg4.mp4"),
        "script_title": av_files.script_in_title(d / "title.mp4"),
        "impossible_gps": av_files.impossible_gps(d / "gps95.mp4"),
    }


@pytest.fixture
def phone(demo, auth, media_root):  # noqa: F811
    return auth.login("zf001")


def put(client, session, data: bytes, content_type: str = "video/mp4", **headers):
    return client.put(f"/api/v1/media/{sha(data)}", data=data, content_type=content_type,
                      headers={**session.headers, **headers})


def leftovers(app) -> list[Path]:
    return [p for p in media_files(app) if p.parts[0] in ("tmp", "partial", "originals", "derived")]


def media_rows(app) -> int:
    from backend.evidence.models import Media

    with app.app_context():
        return db.session.query(Media).count()


# --- what is accepted, and what the probe finds -----------------------------------------------

ACCEPTED = {
    # clip: (declared type, kind, container, content type, video codec, audio codec, (w, h))
    "mp4_gps": ("video/mp4", "video", "mp4", "video/mp4", "h264", "aac", (320, 240)),
    "mov_iphone": ("video/quicktime", "video", "mov", "video/quicktime", "hevc", "aac", (320, 240)),
    "webm": ("video/webm", "video", "webm", "video/webm", "vp9", "opus", (320, 240)),
    "m4a": ("audio/mp4", "audio", "m4a", "audio/mp4", None, "aac", (0, 0)),
    "ogg": ("audio/ogg", "audio", "ogg", "audio/ogg", None, "opus", (0, 0)),
    "webm_opus": ("audio/webm", "audio", "webm", "audio/webm", None, "opus", (0, 0)),
    "mp3": ("audio/mpeg", "audio", "mp3", "audio/mpeg", None, "mp3", (0, 0)),
    "wav": ("audio/wav", "audio", "wav", "audio/wav", None, "pcm_s16le", (0, 0)),
}


@pytest.mark.parametrize("name", sorted(ACCEPTED))
def test_each_accepted_kind_is_probed_and_gets_a_watermarked_still(client, phone, clips, name):
    declared, kind, container, ctype, vcodec, acodec, dims = ACCEPTED[name]
    data = clips[name]
    resp = put(client, phone, data, "application/octet-stream")  # the declared type decides nothing
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert (body["kind"], body["container"], body["content_type"]) == (kind, container, ctype)
    assert (body["video_codec"], body["audio_codec"]) == (vcodec, acodec)
    assert (body["width"], body["height"]) == dims and body["bytes"] == len(data)
    assert 1.9 < body["duration_s"] < 3.2
    status = client.get(f"/api/v1/media/{sha(data)}/status", headers=phone.headers).get_json()
    assert status["state"] == "complete" and status["kind"] == kind and status["duration_s"] == body["duration_s"]
    info = client.get(f"/api/v1/media/{sha(data)}", headers=phone.headers).get_json()
    assert info["kind"] == kind and info["av"]["format"]
    # every viewer shows something: a poster frame (video) or a waveform (audio), watermarked
    display = client.get(f"/api/v1/media/{sha(data)}/display", headers=phone.headers)
    assert display.status_code == 200 and display.headers["Content-Type"] == "image/jpeg"
    im = Image.open(io.BytesIO(display.get_data()))
    assert im.size == ((320, 240) if kind == "video" else (1280, 360))
    bottom = im.crop((0, im.height - 16, im.width, im.height)).convert("L")
    assert bottom.getextrema()[1] > 200  # the watermark's white text on its dark band
    thumb = Image.open(io.BytesIO(client.get(f"/api/v1/media/{sha(data)}/thumb", headers=phone.headers).get_data()))
    assert max(thumb.size) == 320
    assert client.get(f"/api/v1/media/{sha(data)}/original", headers=phone.headers).get_data() == data


def test_recorded_time_and_place_are_read_from_the_container(client, phone, clips):
    android = put(client, phone, clips["mp4_gps"]).get_json()["exif"]
    assert android["taken_at"] == "2026-11-20T01:00:00+00:00"
    assert (android["lat"], android["lon"]) == av_files.NINGBO
    iphone = put(client, phone, clips["mov_iphone"], "video/quicktime").get_json()["exif"]
    assert iphone["taken_at"] == "2026-11-20T01:00:00+00:00"  # 09:00 at +08:00
    assert (iphone["lat"], iphone["lon"], iphone["alt"]) == (*av_files.NINGBO, 8.0)
    assert (iphone["make"], iphone["model"]) == ("Apple", "iPhone 15")
    bare = put(client, phone, clips["mp4_bare"]).get_json()["exif"]
    assert "lat" not in bare and "taken_at" not in bare


def test_iso6709_forms():
    from backend.evidence.av import parse_iso6709

    assert parse_iso6709("+29.9700+121.6200/") == (29.97, 121.62, None)
    assert parse_iso6709("+29.9700+121.6200+008.000/") == (29.97, 121.62, 8.0)
    lat, lon, _ = parse_iso6709("+2958.20+12137.20/")  # degrees and minutes
    assert abs(lat - 29.97) < 1e-9 and abs(lon - 121.62) < 1e-9
    lat, lon, _ = parse_iso6709("-335212+0181524/")  # degrees, minutes, seconds
    assert abs(lat + 33.87) < 1e-4 and abs(lon - 18.2567) < 1e-4
    assert parse_iso6709("somewhere") is None and parse_iso6709("+29.97") is None


# --- resumable upload -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["mp4_gps", "webm", "m4a"])
def test_a_resumed_upload_cut_at_several_offsets_arrives_whole(app, client, phone, clips, name):
    data = clips[name]
    digest, total, h = sha(data), len(data), phone.headers
    offset = 0
    for cut in (1, 7, 12, 4096, total // 2, total - 1):  # inside the magic bytes too
        resp = client.put(f"/api/v1/media/{digest}", data=data[offset:cut], content_type="application/octet-stream",
                          headers={**h, "Content-Range": f"bytes {offset}-{total - 1}/{total}"})
        assert resp.status_code == 202, resp.get_json()
        status = client.get(f"/api/v1/media/{digest}/status", headers=h).get_json()
        assert status == {"sha256": digest, "state": "partial", "offset": cut, "total": total}
        offset = cut
    done = client.put(f"/api/v1/media/{digest}", data=data[offset:], content_type="application/octet-stream",
                      headers={**h, "Content-Range": f"bytes {offset}-{total - 1}/{total}"})
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["kind"] == ACCEPTED[name][1]
    assert client.get(f"/api/v1/media/{digest}/original", headers=h).get_data() == data
    assert not [p for p in leftovers(app) if p.parts[0] in ("tmp", "partial")]


def test_the_limit_is_the_one_the_first_bytes_name(app, client, phone, clips, monkeypatch):
    """A video may be far larger than a photo; a body whose first bytes are no video
    is stopped at the photo limit however it is labelled, whole or in chunks."""
    clip = clips["mp4_gps"]
    monkeypatch.setitem(app.config, "MEDIA_MAX_BYTES", 20_000)  # photos (and anything unrecognised)
    assert len(clip) > 20_000
    assert put(client, phone, clip).status_code == 201
    fake = av_files.html_named_mp4() * 1000
    err = assert_error(put(client, phone, fake), 413, "media.too_large")
    assert err["details"]["kind"] == "photo" and err["details"]["limit_bytes"] == 20_000
    err = assert_error(client.put(f"/api/v1/media/{sha(fake)}", data=fake[:100], content_type="video/mp4",
                                  headers={**phone.headers, "Content-Range": f"bytes 0-99/{len(fake)}"}), 413, "media.too_large")
    assert client.get(f"/api/v1/media/{sha(fake)}/status", headers=phone.headers).get_json()["state"] == "absent"
    monkeypatch.setitem(app.config, "MEDIA_MAX_VIDEO_BYTES", 50_000)
    err = assert_error(put(client, phone, clips["webm"] + b"\0" * 60_000), 413, "media.too_large")
    assert err["details"]["kind"] == "video"
    monkeypatch.setitem(app.config, "MEDIA_MAX_VIDEO_BYTES", 1 << 30)
    monkeypatch.setitem(app.config, "MEDIA_MAX_AUDIO_BYTES", 5_000)
    assert min(len(clips["wav"]), len(clips["webm_opus"])) > 5_000
    err = assert_error(put(client, phone, clips["wav"], "audio/wav"), 413, "media.too_large")  # RIFF WAVE: stopped early
    assert err["details"]["kind"] == "audio"
    # an audio-only WebM starts like a video; once the probe finds only sound, the audio limit applies
    err = assert_error(put(client, phone, clips["webm_opus"], "audio/webm"), 413, "media.too_large")
    assert err["details"]["kind"] == "audio"
    assert not [p for p in leftovers(app) if p.parts[0] in ("tmp", "partial")]


# --- playback -------------------------------------------------------------------------------


def test_the_original_honours_range_requests(client, phone, clips):
    data = clips["mp4_gps"]
    digest = sha(data)
    put(client, phone, data)
    url = f"/api/v1/media/{digest}/original"
    whole = client.get(url, headers=phone.headers)
    assert whole.status_code == 200 and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Type"] == "video/mp4" and whole.headers["ETag"] == f'"{digest}"'
    part = client.get(url, headers={**phone.headers, "Range": "bytes=1000-1999"})
    assert part.status_code == 206 and part.get_data() == data[1000:2000]
    assert part.headers["Content-Range"] == f"bytes 1000-1999/{len(data)}"
    tail = client.get(url, headers={**phone.headers, "Range": "bytes=-100"})
    assert tail.status_code == 206 and tail.get_data() == data[-100:]
    rest = client.get(url, headers={**phone.headers, "Range": f"bytes={len(data) - 10}-"})
    assert rest.get_data() == data[-10:]
    assert client.get(url, headers={**phone.headers, "Range": f"bytes={len(data) + 5}-"}).status_code == 416
    assert client.get(url, headers={**phone.headers, "If-None-Match": f'"{digest}"'}).status_code == 304


def test_viewing_an_original_is_in_the_custody_chain_and_seeks_are_one_viewing(app, client, demo, auth, media_root, clips):  # noqa: F811
    uploader = auth.login("zf001")
    data = clips["mp4_gps"]
    digest = sha(data)
    put(client, uploader, data)
    boss = auth.login("zd001")
    url = f"/api/v1/media/{digest}/original"
    assert_error(client.get(url, headers=boss.headers), 403, "media.forbidden")  # cited by nothing yet
    rid = str(uuid.uuid4())
    push(client, uploader, [rec("inspection", inspection(photos=[digest]), rid=rid, at=T0)])
    assert client.get(url, headers={**boss.headers, "Range": "bytes=0-"}).status_code == 206  # the player starts
    for start in (5000, 20000, 40000):  # ...and seeks
        assert client.get(url, headers={**boss.headers, "Range": f"bytes={start}-"}).status_code == 206
    client.get(url, headers={**boss.headers, "If-None-Match": f'"{digest}"'})  # 304: nothing sent, nothing logged
    other_phone = auth.login("zd001")  # the same supervisor on another device: a viewing of its own
    assert client.get(url, headers={**other_phone.headers, "Range": "bytes=30000-"}).status_code == 206
    items = client.get(f"/api/v1/media/{digest}/custody", headers=boss.headers).get_json()["items"]
    actions = [e["action"] for e in items]
    assert actions == ["media.uploaded", "media.verified", "media.captured", "media.viewed_original", "media.viewed_original"]
    assert items[1]["details"]["kind"] == "video" and items[1]["details"]["codecs"] == ["h264", "aac"]
    assert items[3]["details"]["range"] == "bytes=0-" and items[4]["details"]["range"] == "bytes=30000-"
    with app.app_context():
        from backend.audit.service import verify_chain

        assert verify_chain(1) is None


def test_a_playback_link_plays_and_seeks_without_a_header_for_its_officer_only(app, client, demo, auth, media_root, clips, clock_control):  # noqa: F811
    """<video> cannot send a token: the link is signed for one file and one login, audited as
    that officer's viewing, refused for another file, when forged, expired or logged out."""
    uploader = auth.login("zf001")
    data = clips["mp4_gps"]
    digest = sha(data)
    put(client, uploader, data)
    push(client, uploader, [rec("inspection", inspection(photos=[digest]), rid=str(uuid.uuid4()), at=T0)])
    boss = auth.login("zd001")
    link = client.post(f"/api/v1/media/{digest}/playback", headers=boss.headers, json={})
    assert link.status_code == 200, link.get_json()
    body = link.get_json()
    assert body["kind"] == "video" and body["content_type"] == "video/mp4" and body["url"].startswith(f"/api/v1/media/{digest}/play?ticket=")
    part = client.get(body["url"], headers={"Range": "bytes=1000-1999"})  # no Authorization header
    assert part.status_code == 206 and part.get_data() == data[1000:2000]
    assert part.headers["Cache-Control"] == "private, no-store" and part.headers["Referrer-Policy"] == "no-referrer"
    items = client.get(f"/api/v1/media/{digest}/custody", headers=boss.headers).get_json()["items"]
    with app.app_context():
        from backend.auth.models import Officer

        zd001 = db.session.query(Officer).filter_by(username="zd001").one().id
    assert items[-1]["action"] == "media.viewed_original" and items[-1]["actor_id"] == zd001, items[-1]
    ticket = body["url"].split("ticket=")[1]
    other = "0" * 64
    assert_error(client.get(f"/api/v1/media/{other}/play?ticket={ticket}"), 401, "media.playback_invalid")  # another file
    assert_error(client.get(f"/api/v1/media/{digest}/play?ticket={ticket[:-2]}xx"), 401, "media.playback_invalid")  # forged
    assert_error(client.get(f"/api/v1/media/{digest}/play"), 401, "media.playback_invalid")
    assert_error(client.post(f"/api/v1/media/{digest}/playback", json={}), 401)  # asking needs the login
    # the file cited by nothing of another street's: an officer of 招宝山 gets no link
    assert_error(client.post(f"/api/v1/media/{digest}/playback", headers=auth.login("zf101").headers, json={}), 403)
    # logged out: the link stops at once
    assert client.post("/api/v1/auth/logout", headers=boss.headers, json={}).status_code in (200, 204)
    assert_error(client.get(body["url"], headers={"Range": "bytes=0-99"}), 401)
    # expired
    fresh = client.post(f"/api/v1/media/{digest}/playback", headers=uploader.headers, json={}).get_json()["url"]
    assert client.get(fresh, headers={"Range": "bytes=0-9"}).status_code == 206
    from backend import clock

    clock_control.set(clock.now() + timedelta(seconds=app.config["MEDIA_PLAYBACK_TTL_S"] + 5))
    assert_error(client.get(fresh, headers={"Range": "bytes=0-9"}), 401, "media.playback_expired")


# --- citations ---------------------------------------------------------------------------------


def test_a_synced_record_waits_for_its_clips_and_compares_time_and_place(app, client, demo, auth, media_root, clips):  # noqa: F811
    phone = auth.login("zf001")
    names = ("mp4_gps", "mp4_far", "mp4_late", "m4a", "webm")
    digests = [sha(clips[n]) for n in names]
    rid = str(uuid.uuid4())
    r = push(client, phone, [rec("inspection", inspection(photos=digests), rid=rid, at=T0)])[0]
    assert r["status"] == "incomplete" and r["missing_photos"] == digests
    boss = auth.login("zd001")
    for i, name in enumerate(names):
        waiting = client.get("/api/v1/sync/incomplete", headers=boss.headers).get_json()["items"]
        assert [w["id"] for w in waiting] == [rid]  # complete only when every cited file is here
        assert put(client, phone, clips[name], "application/octet-stream").status_code == 201
    assert client.get("/api/v1/sync/incomplete", headers=boss.headers).get_json()["items"] == []
    got = {}
    for name, digest in zip(names, digests):
        c = client.get(f"/api/v1/media/{digest}", headers=phone.headers).get_json()["citations"][0]
        got[name] = (c["mismatch"], c["mismatch_reasons"], c["distance_m"], c["time_delta_s"])
    assert got["mp4_gps"][:2] == (False, []) and got["mp4_gps"][2] < 1 and got["mp4_gps"][3] == 0
    assert got["mp4_far"][:2] == (True, ["place"]) and 2000 < got["mp4_far"][2] < 2400
    assert got["mp4_late"][:2] == (True, ["time"]) and got["mp4_late"][3] > 3 * 3600 - 10
    assert got["m4a"][:2] == (False, []) and got["m4a"][2] is None  # a recording carries its time, not its place
    assert got["webm"] == (False, [], None, None)  # nothing recorded: no flag, no invented numbers
    # the first citation re-renders the watermark with the record's number
    display = client.get(f"/api/v1/media/{digests[0]}/display", headers=phone.headers)
    assert display.status_code == 200


def test_a_clip_s_span_counts_for_the_time_check(app, client, demo, auth, media_root, tmp_path):  # noqa: F811
    """A record made during a long clip is not flagged for time: the clip covers its duration."""
    phone = auth.login("zf001")
    data = av_files.mp4(tmp_path / "long.mp4", seconds=20, size="64x48", recorded="2026-11-20T00:59:45Z")
    assert put(client, phone, data).status_code == 201
    push(client, phone, [rec("inspection", inspection(photos=[sha(data)]), at=T0)])
    c = client.get(f"/api/v1/media/{sha(data)}", headers=phone.headers).get_json()["citations"][0]
    assert c["time_delta_s"] == 0 and c["mismatch"] is False


# --- the hostile corpus -------------------------------------------------------------------------

HOSTILE = {
    # name: (bytes from the clips fixture or a generator, declared type, status, code)
    "html named .mp4": (lambda c: av_files.html_named_mp4(), "video/mp4", 422, "media.not_media"),
    "html as octet-stream": (lambda c: av_files.html_named_mp4(), "application/octet-stream", 422, "media.not_an_image"),
    "truncated mp4 (moov at the end)": (lambda c: av_files.truncated(c["mp4_gps"]), "video/mp4", 422, "media.truncated"),
    "truncated mp4 (faststart)": (lambda c: av_files.truncated(c["mp4_bare"], 0.6), "video/mp4", 422, "media.truncated"),
    "truncated webm": (lambda c: av_files.truncated(c["webm"]), "video/webm", 422, "media.truncated"),
    "truncated wav": (lambda c: av_files.truncated(c["wav"]), "audio/wav", 422, "media.truncated"),
    "zero-duration wav": (lambda c: av_files.zero_duration_wav(), "audio/wav", 422, "media.zero_duration"),
    "absurd dimensions (16383 px vp8)": (lambda c: c["absurd_dimensions"], "video/webm", 422, "media.too_many_pixels"),
    "ten hours in 2 KB": (lambda c: c["hours_long"], "video/webm", 422, "media.too_long"),
    "mvhd duration patched": (lambda c: av_files.mp4_duration_patched(c["mp4_bare"]), "video/mp4", 422, "media.too_long"),
    "mpeg-4 part 2 video": (lambda c: c["mpeg4"], "video/mp4", 422, "media.unsupported_codec"),
    "script in a title tag": (lambda c: c["script_title"], "video/mp4", 422, "media.polyglot"),
    "zip behind an mp4": (lambda c: av_files.mp4_with_zip(c["mp4_bare"]), "video/mp4", 422, "media.polyglot"),
    "impossible gps": (lambda c: c["impossible_gps"], "video/mp4", 422, "media.impossible_gps"),
    "ftyp then garbage": (lambda c: c["mp4_bare"][:32] + bytes(4000), "video/mp4", 422, None),
    "ogg header then garbage": (lambda c: b"OggS" + bytes(5000), "audio/ogg", 422, "media.corrupt"),
    "mp4 labelled text/html": (lambda c: c["mp4_bare"], "text/html", 415, "media.unsupported_type"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_clip_is_refused_with_a_code_and_leaves_nothing(app, client, phone, clips, name):
    make, declared, status, code = HOSTILE[name]
    data = make(clips)
    err = assert_error(put(client, phone, data, declared), status, code)
    assert err["code"].startswith("media.")
    assert leftovers(app) == [] and media_rows(app) == 0
    if status == 422 and len(data) > 2:  # the same bytes in two chunks: judged the same way
        half = len(data) // 2
        for start, end in ((0, half), (half, len(data))):
            resp = client.put(f"/api/v1/media/{sha(data)}", data=data[start:end], content_type=declared,
                              headers={**phone.headers, "Content-Range": f"bytes {start}-{end - 1}/{len(data)}"})
        assert resp.status_code == status and (code is None or resp.get_json()["code"] == code), resp.get_json()
        assert leftovers(app) == [] and media_rows(app) == 0


def test_without_ffprobe_a_clip_is_refused_as_unavailable_not_a_500(app, client, phone, clips, monkeypatch):
    monkeypatch.setitem(app.config, "MEDIA_FFPROBE", "/nonexistent/ffprobe")
    err = assert_error(put(client, phone, clips["mp4_gps"]), 503, "media.av_unavailable")
    assert err["details"]["tool"] == "ffprobe"
    assert leftovers(app) == [] and media_rows(app) == 0
    health = client.get("/api/v1/health")  # the operator sees it without an upload failing first
    assert health.status_code == 200 and health.get_json()["media"]["video_and_audio"] is False
    assert health.get_json()["media"]["missing_tools"] == ["ffprobe"]
    monkeypatch.undo()  # installed again: the phone's retry succeeds
    assert client.get("/api/v1/health").get_json()["media"]["video_and_audio"] is True
    assert put(client, phone, clips["mp4_gps"]).status_code == 201


def test_the_probe_runs_under_a_time_limit(app, client, phone, clips, monkeypatch):
    import subprocess

    from backend.evidence import av

    real = subprocess.run

    def slow(cmd, *a, **kw):  # a probe that hangs is stopped by the timeout
        kw["timeout"] = 0.001
        return real(["sleep", "5"], *a[1:], **kw)

    monkeypatch.setattr(av.subprocess, "run", slow)
    assert_error(put(client, phone, clips["mp4_gps"]), 422, "media.probe_timeout")
    assert leftovers(app) == [] and media_rows(app) == 0
