"""Test clips made with ffmpeg (no binary fixtures in the repository): a few seconds of
test pattern and tone in each accepted container, with and without recorded time and
place, and a hostile corpus made from them.

Each generator writes into `out` and returns the bytes. ffmpeg runs with `-bitexact`
so a clip is the same on every run of the suite.
"""
from __future__ import annotations

import io
import struct
import subprocess
import wave
import zipfile
from pathlib import Path

FFMPEG = "ffmpeg"
NINGBO = (29.9700, 121.6200)
RECORDED_UTC = "2026-11-20T01:00:00Z"  # the sync tests' T0: an inspection claims this time


def _ffmpeg(out: Path, *args: str) -> bytes:
    cmd = [FFMPEG, "-v", "error", "-nostdin", "-y", *args, "-fflags", "+bitexact", str(out)]
    subprocess.run(cmd, check=True, timeout=120)
    return out.read_bytes()


def _pattern(seconds: float, size: str = "320x240", rate: int = 25) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc=duration={seconds}:size={size}:rate={rate}",
            "-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]


def _tone(seconds: float) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}:sample_rate=44100"]


def iso6709(lat: float, lon: float) -> str:
    return f"{lat:+08.4f}{lon:+09.4f}/"


def mp4(out: Path, *, seconds: float = 3, gps: tuple[float, float] | None = NINGBO, recorded: str | None = RECORDED_UTC,
        size: str = "320x240", faststart: bool = False, title: str | None = None) -> bytes:
    """H.264 + AAC in MP4, as Android phones and body cameras write it (`©xyz` location)."""
    meta: list[str] = []
    if gps:
        meta += ["-metadata", f"location={iso6709(*gps)}"]
    if recorded:
        meta += ["-metadata", f"creation_time={recorded}"]
    if title:
        meta += ["-metadata", f"title={title}"]
    flags = ["-movflags", "+faststart"] if faststart else []
    return _ffmpeg(out, *_pattern(seconds, size), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
                   "-c:a", "aac", "-b:a", "64k", *meta, *flags, "-f", "mp4")


def mov_iphone(out: Path, *, gps: tuple[float, float] = NINGBO, local_time: str = "2026-11-20T09:00:00+0800") -> bytes:
    """H.265 in QuickTime with Apple's keys: ISO 6709 location with altitude, local creation date."""
    return _ffmpeg(out, *_pattern(2), "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
                   "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-c:a", "aac", "-movflags", "use_metadata_tags",
                   "-metadata", f"com.apple.quicktime.location.ISO6709={iso6709(*gps)[:-1]}+008.000/",
                   "-metadata", f"com.apple.quicktime.creationdate={local_time}",
                   "-metadata", "com.apple.quicktime.make=Apple", "-metadata", "com.apple.quicktime.model=iPhone 15",
                   "-f", "mov")


def webm(out: Path, *, seconds: float = 2) -> bytes:
    """VP9 + Opus in WebM, as a browser's MediaRecorder writes it (no time, no place)."""
    return _ffmpeg(out, *_pattern(seconds), "-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8",
                   "-c:a", "libopus", "-f", "webm")


def m4a(out: Path, *, seconds: float = 3, recorded: str | None = RECORDED_UTC) -> bytes:
    meta = ["-metadata", f"creation_time={recorded}"] if recorded else []
    return _ffmpeg(out, *_tone(seconds), "-c:a", "aac", "-b:a", "64k", *meta, "-f", "ipod")


def ogg_opus(out: Path, *, seconds: float = 3) -> bytes:
    return _ffmpeg(out, *_tone(seconds), "-c:a", "libopus", "-f", "ogg")


def webm_opus(out: Path, *, seconds: float = 3) -> bytes:
    """A voice note as Chrome records it: Opus in WebM, no video."""
    return _ffmpeg(out, *_tone(seconds), "-c:a", "libopus", "-f", "webm")


def mp3(out: Path, *, seconds: float = 3) -> bytes:
    return _ffmpeg(out, *_tone(seconds), "-c:a", "libmp3lame", "-b:a", "64k", "-f", "mp3")


def wav(out: Path, *, seconds: float = 3) -> bytes:
    return _ffmpeg(out, *_tone(seconds), "-c:a", "pcm_s16le", "-f", "wav")


# --- the hostile corpus -----------------------------------------------------------------


def html_named_mp4() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def truncated(data: bytes, fraction: float = 0.5) -> bytes:
    return data[: int(len(data) * fraction)]


def zero_duration_wav() -> bytes:
    """A well-formed WAV header with no samples at all."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"")
    return buf.getvalue()


def absurd_dimensions_webm(out: Path) -> bytes:
    """A VP8 WebM whose key frame and track header claim 16383 pixels across (the most
    VP8 can say; a real frame that wide would be 4 GB to decode at 16383²). Patched
    in place: VP8's frame header stores the size in plain bytes after its start code."""
    data = bytearray(_ffmpeg(out, "-f", "lavfi", "-i", "testsrc=duration=1:size=320x240:rate=5", "-c:v", "libvpx",
                             "-deadline", "realtime", "-write_crc32", "0", "-f", "webm"))
    at = 0
    while (at := data.find(b"\x9d\x01\x2a", at)) >= 0:
        w, h = struct.unpack_from("<HH", data, at + 3)
        if (w & 0x3FFF, h & 0x3FFF) == (320, 240):
            struct.pack_into("<HH", data, at + 3, 16383, 16383)
        at += 3
    track = data.find(b"\xb0\x82" + struct.pack(">H", 320))  # Matroska PixelWidth, two-byte value
    assert track >= 0
    struct.pack_into(">H", data, track + 2, 16383)
    return bytes(data)


def hours_long_webm(out: Path, hours: int = 10) -> bytes:
    """Two frames ten hours apart: a 2 KB file that claims hours of video (a container
    'bomb' for anything that trusts the duration, or decodes it)."""
    return _ffmpeg(out, "-f", "lavfi", "-i", "testsrc=size=64x48:rate=1", "-frames:v", "2",
                   "-vf", f"setpts=N*{hours * 3600}/TB", "-fps_mode", "passthrough", "-c:v", "libvpx",
                   "-deadline", "realtime", "-f", "webm")


def mp4_duration_patched(data: bytes) -> bytes:
    """An MP4 whose movie header (mvhd) claims 0xFFFFFFF0 ticks (49 days at 1 kHz)."""
    buf = bytearray(data)
    at = buf.index(b"mvhd")
    version = buf[at + 4]
    offset = at + 8 + (8 if version == 0 else 16)  # after version/flags and the two times
    timescale = struct.unpack_from(">I", buf, offset)[0]
    if version == 0:
        struct.pack_into(">I", buf, offset + 4, 0xFFFFFFF0)
    else:
        struct.pack_into(">Q", buf, offset + 4, timescale * 3600 * 24 * 365)
    return bytes(buf)


def mpeg4_part2(out: Path) -> bytes:
    """An MP4 whose video is MPEG-4 Part 2 (not a codec we accept)."""
    return _ffmpeg(out, *_pattern(1), "-c:v", "mpeg4", "-c:a", "aac", "-f", "mp4")


def script_in_title(out: Path) -> bytes:
    return mp4(out, seconds=1, title="<script>alert(1)</script>")


def mp4_with_zip(data: bytes) -> bytes:
    """A valid MP4 with a ZIP archive riding behind it."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    return data + buf.getvalue()


def impossible_gps(out: Path) -> bytes:
    return mp4(out, seconds=1, gps=(95.5, 121.62))
