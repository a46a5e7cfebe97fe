"""Benchmark: uploading a large video clip vs copying the same bytes to the same disk.

Product: `PUT /api/v1/media/<sha256>` through the Flask app (authenticated, in-process
WSGI: no socket) with the clip streamed from a file: SHA-256 on the fly, the staged file
fsynced, the box walk, ffprobe, a poster frame by ffmpeg, the watermark, thumb and
display JPEGs, the rename into place, database rows and audit entries. Measured whole
and as 8 MiB `Content-Range` chunks (the phone's resumable path, which hashes the
assembled file once more at the end).
Baseline: copying the same file to the same disk (1 MiB reads and writes, then fsync)
in the same run, interleaved with the product so machine noise hits both alike.
Memory: the growth of this process's peak RSS (VmHWM, reset before each upload) over
its RSS just before, and the largest child (ffprobe/ffmpeg) peak RSS.

    python -m bench.media_upload [--mb 200] [--rounds 3] [--database-url URL]
"""
from __future__ import annotations

import argparse
import hashlib
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import engine_name, make_app, write_result

GOAL_SPEED = 0.5  # product speed ≥ half the copy's
GOAL_RSS_MIB = 64
CHUNK = 8 << 20


def make_clip(target_mb: int, work: Path) -> Path:
    """A ~target_mb H.264/AAC MP4 (1280×720, noisy test pattern so it does not compress
    away, GPS and creation time, index at the end as phones write it): one second
    (~35 MB) encoded once, then repeated by stream copy until it is large enough."""
    seed = work / "seed.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "lavfi", "-i", "testsrc2=duration=1:size=1280x720:rate=30",
                    "-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-vf", "noise=alls=30:allf=t",
                    "-c:v", "libx264", "-preset", "ultrafast", "-qp", "8", "-pix_fmt", "yuv420p", "-c:a", "aac",
                    str(seed)], check=True)
    loops = max(0, round(target_mb * 1e6 / seed.stat().st_size) - 1)
    clip = work / "clip.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-nostdin", "-y", "-stream_loop", str(loops), "-i", str(seed), "-c", "copy",
                    "-metadata", "location=+29.9700+121.6200/", "-metadata", "creation_time=2026-11-20T01:00:00Z",
                    str(clip)], check=True)
    seed.unlink()
    return clip


def variant(clip: Path, n: int, work: Path) -> Path:
    """The clip with one byte in the middle of its media data changed: a new SHA-256
    (uploads are deduplicated) and still a valid file."""
    out = work / f"clip-{n}.mp4"
    shutil.copyfile(clip, out)
    with open(out, "r+b") as f:
        f.seek(out.stat().st_size // 2)
        b = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([(b[0] + n + 1) % 256]))
    return out


def copy_baseline(src: Path, dest_dir: Path) -> float:
    dest = dest_dir / f"copy-{time.monotonic_ns()}"
    t = time.perf_counter()
    with open(src, "rb") as r, open(dest, "wb") as w:
        shutil.copyfileobj(r, w, 1 << 20)
        w.flush()
        os.fsync(w.fileno())
    elapsed = time.perf_counter() - t
    dest.unlink()
    return elapsed


def _rss_kib() -> tuple[int, int]:
    rss = hwm = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            rss = int(line.split()[1])
        elif line.startswith("VmHWM:"):
            hwm = int(line.split()[1])
    return rss, hwm


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)


def sha_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def upload_whole(client, headers, path: Path, digest: str):
    with open(path, "rb") as f:
        return client.put(f"/api/v1/media/{digest}", input_stream=f, content_length=path.stat().st_size,
                          content_type="video/mp4", headers=headers)


class _Slice:
    """`n` bytes of an open file as a stream (the client never holds a chunk whole)."""

    def __init__(self, f, n: int) -> None:
        self.f, self.left = f, n

    def read(self, size: int = -1) -> bytes:
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.f.read(size)
        self.left -= len(data)
        return data

    def tell(self) -> int:
        return self.f.tell()

    def seek(self, pos: int, whence: int = 0) -> int:
        return self.f.seek(pos, whence)


def upload_chunked(client, headers, path: Path, digest: str):
    total = path.stat().st_size
    resp = None
    with open(path, "rb") as f:
        for start in range(0, total, CHUNK):
            end = min(total, start + CHUNK) - 1
            f.seek(start)
            resp = client.put(f"/api/v1/media/{digest}", input_stream=_Slice(f, end - start + 1), content_length=end - start + 1,
                              content_type="video/mp4", headers={**headers, "Content-Range": f"bytes {start}-{end}/{total}"})
    return resp


def measure(fn) -> tuple[float, float, object]:
    rss0, _ = _rss_kib()
    _reset_peak()
    t = time.perf_counter()
    resp = fn()
    elapsed = time.perf_counter() - t
    _, hwm = _rss_kib()
    return elapsed, (hwm - rss0) / 1024, resp


def run(mb: int, rounds: int, database_url: str | None) -> dict:
    work = Path(tempfile.mkdtemp(prefix="zs-bench-av-"))
    try:
        clip = make_clip(mb, work)
        size = clip.stat().st_size
        print(f"clip: {size / 1e6:.0f} MB H.264/AAC 1280×720", file=sys.stderr)
        app = make_app(database_url)
        app.config["MEDIA_ROOT"] = str(work / "media")  # the same disk as the clip
        engine = engine_name(app)
        client = app.test_client()
        login = client.post("/api/v1/auth/login", json={"username": "zf001", "password": "demo1234", "device_id": "dev-bench-av"})
        headers = {"Authorization": f"Bearer {login.get_json()['access_token']}"}
        copy_dir = work / "media" / "tmp"

        warm = variant(clip, 99, work)  # imports, fonts, the first ffprobe
        assert upload_whole(client, headers, warm, sha_of(warm)).status_code == 201
        warm.unlink()

        whole, chunked, copies, rss_whole, rss_chunked = [], [], [], [], []
        for n in range(rounds):
            for mode in ("whole", "chunked"):
                path = variant(clip, n * 2 + (mode == "chunked"), work)
                digest = sha_of(path)
                copies.append(copy_baseline(path, copy_dir))
                fn = (lambda: upload_whole(client, headers, path, digest)) if mode == "whole" else \
                     (lambda: upload_chunked(client, headers, path, digest))
                elapsed, grown, resp = measure(fn)
                assert resp.status_code == 201, resp.get_json()
                body = resp.get_json()
                assert body["kind"] == "video" and body["exif"]["lat"] == 29.97, body
                (whole if mode == "whole" else chunked).append(elapsed)
                (rss_whole if mode == "whole" else rss_chunked).append(grown)
                path.unlink()
        child_peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    finally:
        shutil.rmtree(work, ignore_errors=True)
    copy_s, whole_s, chunked_s = statistics.median(copies), statistics.median(whole), statistics.median(chunked)
    return {"engine": engine, "clip_mb": round(size / 1e6, 1), "rounds": rounds,
            "copy_s": round(copy_s, 3), "copy_mb_s": round(size / 1e6 / copy_s, 1),
            "whole_s": round(whole_s, 3), "whole_mb_s": round(size / 1e6 / whole_s, 1), "whole_speed": round(copy_s / whole_s, 3),
            "chunked_s": round(chunked_s, 3), "chunked_mb_s": round(size / 1e6 / chunked_s, 1),
            "chunked_speed": round(copy_s / chunked_s, 3),
            "rss_growth_mib_whole": round(max(rss_whole), 1), "rss_growth_mib_chunked": round(max(rss_chunked), 1),
            "child_peak_rss_mib": round(child_peak_mib, 1), "goal_speed": GOAL_SPEED, "goal_rss_mib": GOAL_RSS_MIB}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    r = run(args.mb, args.rounds, args.database_url)
    path = write_result("media_upload", r)
    print(f"\nvideo upload on {r['engine']}: {r['clip_mb']} MB clip, median of {r['rounds']}")
    print(f"  {'':40}{'s':>8}{'MB/s':>8}{'speed':>8}{'RSS +MiB':>10}")
    print(f"  {'baseline (copy + fsync, same disk)':40}{r['copy_s']:>8}{r['copy_mb_s']:>8}{1:>8}")
    print(f"  {'PUT whole (hash+probe+poster+derive)':40}{r['whole_s']:>8}{r['whole_mb_s']:>8}{r['whole_speed']:>8}"
          f"{r['rss_growth_mib_whole']:>10}")
    print(f"  {'PUT in 8 MiB Content-Range chunks':40}{r['chunked_s']:>8}{r['chunked_mb_s']:>8}{r['chunked_speed']:>8}"
          f"{r['rss_growth_mib_chunked']:>10}")
    print(f"  ffprobe/ffmpeg peak RSS {r['child_peak_rss_mib']} MiB; goals: speed ≥ {GOAL_SPEED}, RSS growth < {GOAL_RSS_MIB} MiB")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
