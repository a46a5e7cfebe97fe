"""Voice and video as evidence, from the street to the console: an officer offline records a
voice note (Chromium's fake microphone) and attaches a short clip on an inspection; the
outbox lists both files with their progress; online they go up in resumable chunks and are
verified; on a 1366×768 desk the supervisor's record drawer shows the clip and the note and
plays the video, seeking through the server's short-lived playback address (HTTP Range)."""
from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

from backend.evidence.models import Media
from backend.extensions import db
from backend.patrols.models import Inspection
from tests.browser.conftest import (ARTIFACTS, DESK, expect, go_offline, go_online, login, new_phone, outbox_state, wait_for,
                                    wait_for_service_worker, wait_synced)

FFMPEG = "/usr/bin/ffmpeg"


def clip_file(tmp_path) -> str:
    """A 3-second H.264/AAC clip with a test pattern and a tone (what a body camera copies over)."""
    path = tmp_path / "clip.mp4"
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=duration=3:size=320x240:rate=25",
                    "-f", "lavfi", "-i", "sine=duration=3", "-c:v", "libx264", "-c:a", "aac", "-shortest", str(path)],
                   check=True, timeout=60)
    return str(path)


def media_state(el) -> dict:
    return el.evaluate("m => ({ tag: m.tagName, readyState: m.readyState, currentTime: m.currentTime, seeking: m.seeking,"
                       " duration: m.duration, error: m.error && m.error.code, src: m.currentSrc })")


def test_a_voice_note_and_a_video_recorded_offline_arrive_verified_and_play_with_seeking_on_the_console(
        page, context, browser, server, app, tmp_path):
    context.grant_permissions(["geolocation", "microphone"])
    clip = clip_file(tmp_path)
    video_sha = hashlib.sha256(Path(clip).read_bytes()).hexdigest()
    page.goto("/")
    login(page)
    wait_for_service_worker(page)
    go_offline(context, page)

    # offline, on the street: an inspection with a voice note and a video
    page.goto("/inspection")
    page.locator("[data-test=subject-name] input").fill("录音录像取证测试店")
    page.locator("[data-test=subject-address] input").fill("蛟川街道某路 18 号")
    page.locator("[data-test=matter-search] input").fill("zd")
    page.locator(".van-cell[data-test^=matter-]").first.click()
    page.locator("[data-test=voice-record]").click()
    expect(page.locator("[data-test=voice-stop], [data-test=voice-error]")).to_be_visible()
    refused = page.locator("[data-test=voice-error]")
    # a refused microphone is said in words (麦克风未获允许…); here it would be the page's Permissions-Policy
    assert not refused.count(), f"the microphone was refused: {refused.inner_text()} (Permissions-Policy needs microphone=(self))"
    expect(page.locator("[data-test=voice-elapsed]")).to_contain_text("0:02")  # the time runs while it records
    page.locator("[data-test=voice-stop]").click()
    note = page.locator("[data-test=voice-note]")
    expect(note).to_have_count(1)
    expect(note).to_contain_text("录音 1")
    expect(page.locator("[data-test=voice-error]")).to_have_count(0)
    voice8 = note.get_attribute("data-sha")
    assert note.locator("audio").get_attribute("src").startswith("blob:")  # played back from the phone itself

    page.locator("[data-test=video-input]").set_input_files(clip)
    shown = page.locator("[data-test=video-clip]")
    expect(shown).to_have_count(1)
    expect(shown).to_contain_text("0:03")  # its length, read from the file
    expect(shown).to_contain_text("KB")    # and its size
    assert shown.get_attribute("data-sha") == video_sha[:8]
    wait_for(lambda: media_state(shown.locator("video"))["readyState"] >= 1, page, what="the local preview loaded")
    expect(page.locator("[data-test=place]")).not_to_contain_text("定位…")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "media-inspection-form.png"), full_page=True)
    page.locator("[data-test=save-inspection]").click()
    expect(page.locator("[data-test=go-patrol]")).to_be_visible()

    st = outbox_state(page)
    inspection_id = next(r["id"] for r in st["outbox"] if r["kind"] == "inspection")
    voice_sha = next(b["sha256"] for b in st["blobs"] if b["sha256"].startswith(voice8))

    # the outbox lists each file: kind, size and progress; the voice note goes before the video
    page.goto("/outbox")
    voice_row = page.locator(f"[data-test=outbox-file-{voice8}]")
    video_row = page.locator(f"[data-test=outbox-file-{video_sha[:8]}]")
    expect(voice_row).to_contain_text("录音")
    expect(video_row).to_contain_text("视频")
    expect(video_row.locator("[data-test=file-progress]")).to_contain_text("已上传 0%")
    expect(video_row.locator("[data-test=file-progress]")).to_contain_text("KB")
    expect(page.locator("[data-test=outbox-photos] .van-cell__value")).to_have_text("2")
    rows = [r.get_attribute("data-test") for r in page.locator("[data-test^=outbox-file-]").all()]
    assert rows == [f"outbox-file-{voice8}", f"outbox-file-{video_sha[:8]}"], rows
    page.screenshot(path=str(ARTIFACTS / "media-outbox-offline.png"), full_page=True)

    go_online(context, page)
    wait_synced(page, timeout=90)
    expect(page.locator("[data-test^=outbox-file-]")).to_have_count(0)  # every file verified, the list is empty
    with app.app_context():
        inspection = db.session.get(Inspection, inspection_id)
        assert inspection is not None and set(inspection.photos) == {voice_sha, video_sha}, inspection and inspection.photos
        assert {voice_sha, video_sha} <= {m.sha256 for m in db.session.query(Media).all()}
        db.session.remove()

    # the supervisor's desk: 统计 → 现场检查 → 督查 opens the record drawer
    desk_ctx = new_phone(browser, f"http://127.0.0.1:{server.port}", **DESK)
    errors: list[str] = []
    try:
        desk = desk_ctx.new_page()
        desk.on("pageerror", lambda e: errors.append(str(e)))
        ranges: list[int] = []
        desk.on("response", lambda r: "/play?ticket=" in r.url and ranges.append(r.status))
        login(desk, "zd001")
        desk.locator("[data-test=go-supervise]").click()
        desk.locator(".van-tab", has_text="统计").click()
        desk.locator("[data-test=fig-inspections]").click()
        desk.locator(f"[data-test=review-open-{inspection_id}]").click()
        drawer = desk.locator("[data-test=record-drawer]")
        expect(drawer).to_contain_text("录音录像取证测试店")
        tiles = drawer.locator("[data-test=server-media]")
        expect(tiles).to_have_count(2)  # the clip and the note, told apart by the server's `kind`
        video_tile = drawer.locator(f"[data-test=server-media][data-sha='{video_sha[:8]}']")
        voice_tile = drawer.locator(f"[data-test=server-media][data-sha='{voice8}']")
        expect(video_tile).to_have_attribute("data-kind", "video")
        expect(voice_tile).to_have_attribute("data-kind", "audio")
        expect(video_tile).to_contain_text("0:03")
        expect(video_tile.locator("img")).to_have_count(1)  # the poster frame
        expect(voice_tile.locator("img")).to_have_count(1)  # the waveform

        video_tile.click()
        player = drawer.locator("[data-test=media-player]")
        expect(player).to_have_attribute("data-sha", video_sha[:8])
        el = player.element_handle()
        assert media_state(el)["tag"] == "VIDEO"
        wait_for(lambda: media_state(el)["readyState"] >= 2 or media_state(el)["error"], desk, what="the video loaded")
        assert media_state(el)["error"] is None, media_state(el)
        assert abs(media_state(el)["duration"] - 3) < 0.5, media_state(el)
        el.evaluate("m => { m.pause(); m.currentTime = 2.2 }")
        wait_for(lambda: (s := media_state(el)) and not s["seeking"] and abs(s["currentTime"] - 2.2) < 0.3 and s["readyState"] >= 2,
                 desk, what="the video seeked to 2.2 s")
        assert 206 in ranges, ranges  # the server answered the player's Range requests
        desk.screenshot(path=str(ARTIFACTS / "media-console-drawer.png"), full_page=True)

        voice_tile.click()
        expect(player).to_have_attribute("data-sha", voice8)
        el = player.element_handle()
        assert media_state(el)["tag"] == "AUDIO"
        wait_for(lambda: media_state(el)["readyState"] >= 1 or media_state(el)["error"], desk, what="the voice note loaded")
        assert media_state(el)["error"] is None, media_state(el)
    finally:
        desk_ctx.close()
    assert not errors, errors
