"""Capacity: how many officers a deployment serves at a real phone's pace, with zero errors
and a p99 within 10× the idle p50 of `GET /api/v1/me` measured in the same run against the
same server before the load.

Each simulated phone sends what the PWA sends, at the PWA's pace (docs/sync.md,
pwa/src/lib/patrol.js and outbox.js):
- once a minute a `track_points` batch of 12 fixes (one per 5 s; ISO 8601 times with
  offset, as the contract gives them), followed by the change feed with its cursor, on a
  new connection (a phone idle for a minute has lost its keep-alive connection);
- three inspections an hour, each citing one photo: the inspection is synced (`incomplete`,
  the photo missing), then the photo — a 12-megapixel camera JPEG of ~5 MB, as the camera
  input hands it to the PWA — goes up in 256 KiB `Content-Range` chunks as the outbox sends
  it; the last chunk is where the server verifies, decodes and watermarks the photo.
Before the steps each phone's patrol is started and its token issued in-process (a real
phone does both once a shift; the benchmark's tokens last the run, so the 15-minute token
refresh — ~3 % of a phone's requests, rate-limited per address — is not sent).

Time may be compressed by `--compress K`: one phone's "minute" lasts 60/K s and it sends
everything K times as often, so one simulated phone offers exactly the requests of K real
officers; the officers reported are simulated phones × K (the request rate per officer is
the real one). What compression changes: K times fewer devices, sessions and patrols for
the same request rate.

The number of officers ramps in steps (× `--growth`), each step measured after one
(compressed) minute of warm-up, for `--window` seconds; after the first failing step the
gap is bisected `--refine` times. A step passes with zero errors, the p99 of every request
except a photo's last chunk ≤ 10× the idle `/me` p50, and the p99 of those last chunks ≤ 10×
their own idle p50 (decoding a 12-megapixel photo takes ~10× a `/me` on an idle server, and
they are ~2 % of a phone's requests, so the p99 of all requests is the photo pipeline's own
cost, not the load's; both figures are reported).

    python -m bench.capacity --target single [--database-url URL]   # gunicorn.conf.py on loopback
    python -m bench.capacity --target cluster [--url https://…]     # the nginx of scripts/cluster-up.sh
    python -m bench.capacity --smoke                                 # tiny, for scripts/bench-smoke.sh

On a machine shared with other work, `--nice -10` (root) gives the generator, the deployment
and its database backends priority (the other programs' CPU share is reported per step
either way), and the default `--shared-machine-limit` measures a disturbed step again.

The load generator is asyncio with a minimal HTTP/1.1 client (no Locust: it costs a few
hundred microseconds per request); it runs on the same cores as the server, and the share
of the machine's CPU it used is reported with each step.
"""
from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import shutil
import ssl
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from bench.common import engine_name, make_app, write_result
from tests.server import free_port

ROOT = Path(__file__).resolve().parent.parent
GOAL_P99_OVER_IDLE_P50 = 10.0
CHUNK = 256 * 1024  # the PWA's upload chunk (pwa/src/lib/outbox.js)
FIXES_PER_BATCH = 12  # one fix every 5 s, one batch a minute
INSPECTIONS_PER_HOUR = 3  # each with one photo: a photo every 20 minutes
REQUEST_TIMEOUT_S = 60.0
ORIGIN = (121.615, 29.970)  # the demo street (蛟川街道)
LOCAL = timezone(timedelta(hours=8))
PHOTO_LAST = "photo last chunk"
T0 = time.monotonic()


def say(msg: str) -> None:
    """Progress on stderr, with the seconds since the start."""
    print(f"[{time.monotonic() - T0:5.0f} s] {msg}", file=sys.stderr, flush=True)


# --- a minimal HTTP/1.1 client ---------------------------------------------------------------

class HttpError(Exception):
    pass


class Conn:
    """One keep-alive connection; opened on first use (so a request that opens it pays the
    connect and TLS handshake, as a phone's first request after a pause does)."""

    def __init__(self, target: Target) -> None:
        self.t = target
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str | None = None, body: bytes | None = None,
                      content_type: str = "application/json", extra: str = "") -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(
                self.t.host, self.t.port, ssl=self.t.ssl, server_hostname=self.t.host if self.t.ssl else None)
        assert self.reader is not None
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.t.host_header}\r\n"
        if token:
            head += f"Authorization: Bearer {token}\r\n"
        if body is not None:
            head += f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n"
        head += extra + "\r\n"
        self.writer.write(head.encode() + (body or b""))
        await self.writer.drain()
        line = await self.reader.readline()
        if not line:
            raise HttpError("connection closed before the answer")
        status = int(line.split(None, 2)[1])
        length, chunked, close = None, False, False
        while True:
            h = await self.reader.readline()
            if h in (b"\r\n", b"\n", b""):
                break
            name, _, value = h.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readline()).split(b";")[0], 16)
                if size == 0:
                    await self.reader.readline()
                    break
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            data = b"".join(parts)
        elif length is not None:
            data = await self.reader.readexactly(length)
        else:
            data = await self.reader.read()
            close = True
        if close:
            self.close()
        return status, data

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None
            self.reader = None


@dataclass
class Target:
    url: str
    cafile: str | None = None
    host: str = ""
    port: int = 0
    host_header: str = ""
    ssl: ssl.SSLContext | None = None

    def __post_init__(self) -> None:
        u = urlsplit(self.url)
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.host_header = u.netloc
        if u.scheme == "https":
            self.ssl = ssl.create_default_context(cafile=self.cafile) if self.cafile else ssl.create_default_context()


# --- what was measured -------------------------------------------------------------------------

@dataclass
class Sample:
    start: float
    kind: str
    ms: float
    error: str | None


class Recorder:
    def __init__(self) -> None:
        self.samples: list[Sample] = []
        self.inflight: dict[int, float] = {}
        self._n = 0

    async def timed(self, kind: str, coro_fn, conn: Conn | None = None) -> Any:
        """Run one request, record its latency and whether it failed; return its checked result or
        None. A failed request's connection is closed (its answer may still be on the way)."""
        loop = asyncio.get_running_loop()
        self._n += 1
        key = self._n
        t0 = loop.time()
        self.inflight[key] = t0
        error = None
        result = None
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                result = await coro_fn()
        except TimeoutError:
            error = f"timeout after {REQUEST_TIMEOUT_S:.0f} s"
        except (OSError, HttpError, asyncio.IncompleteReadError, ValueError, KeyError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:200]
        except AppError as exc:
            error = str(exc)[:300]
        finally:
            del self.inflight[key]
        if error and conn is not None:
            conn.close()
        self.samples.append(Sample(t0, kind, (loop.time() - t0) * 1000, error))
        return result if error is None else None

    def oldest_inflight(self) -> float | None:
        return min(self.inflight.values(), default=None)


class AppError(Exception):
    pass


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, max(0, int(round(q / 100 * len(values) + 0.5)) - 1))]


def summarize(samples: list[Sample]) -> dict[str, Any]:
    ms = [s.ms for s in samples]
    return {"requests": len(samples), "errors": sum(1 for s in samples if s.error),
            "p50_ms": round(_pct(ms, 50), 1), "p95_ms": round(_pct(ms, 95), 1), "p99_ms": round(_pct(ms, 99), 1),
            "max_ms": round(max(ms, default=0), 1)}


# --- the phones -------------------------------------------------------------------------------

def iso(t: float) -> str:
    return datetime.fromtimestamp(t, LOCAL).isoformat(timespec="milliseconds")


@dataclass
class Phone:
    device_id: str
    token: str
    patrol_id: str
    lon: float
    lat: float
    cursor: str | None = None
    last_fix: float = field(default_factory=time.time)
    retired: bool = False
    tasks: list[asyncio.Task] = field(default_factory=list)


class Photos:
    """Camera-sized JPEGs, each upload made distinct by a JPEG comment (a new SHA-256, the
    same pixels: the server does the same work for every one)."""

    def __init__(self, base: list[bytes]) -> None:
        self.base = base
        self.n = 0

    def next(self) -> tuple[str, bytes]:
        self.n += 1
        raw = self.base[self.n % len(self.base)]
        comment = f"zs-capacity {os.getpid()} {self.n}".encode()
        data = raw[:2] + b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment + raw[2:]
        return hashlib.sha256(data).hexdigest(), data


def make_photos(n: int, width: int, height: int) -> list[bytes]:
    from tests import images

    now = datetime.now(LOCAL).strftime("%Y:%m:%d %H:%M:%S")
    return [images.jpeg(image=images.picture(width, height, color=(120 + 20 * i, 140, 160)), lat=ORIGIN[1], lon=ORIGIN[0],
                        taken=now, offset="+08:00", quality=90) for i in range(n)]


class Fleet:
    def __init__(self, target: Target, phones: list[Phone], photos: Photos, compress: float, rec: Recorder, seed: int = 7) -> None:
        self.target = target
        self.pool = phones
        self.photos = photos
        self.minute = 60.0 / compress
        self.rec = rec
        self.active: list[Phone] = []
        self.rng = random.Random(seed)

    def resize(self, n: int) -> None:
        """n phones active: new ones start at a random phase within one (compressed) minute."""
        if n > len(self.pool):
            raise ValueError(f"only {len(self.pool)} phones were prepared")
        while len(self.active) > n:
            ph = self.active.pop()
            ph.retired = True
        while len(self.active) < n:
            ph = self.pool[len(self.active)]
            for t in ph.tasks:  # retired by an earlier step: its loops may not have noticed yet
                t.cancel()
            ph.retired = False
            ph.last_fix = time.time()
            ph.tasks = [asyncio.create_task(self._minutes(ph, self.rng.uniform(0, self.minute))),
                        asyncio.create_task(self._inspections(ph, self.rng.uniform(0, self.minute * 60 / INSPECTIONS_PER_HOUR)))]
            self.active.append(ph)

    async def stop(self) -> None:
        for ph in self.active:
            ph.retired = True
        tasks = [t for ph in self.pool for t in ph.tasks]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self.active = []

    async def _every(self, ph: Phone, phase: float, period: float, burst) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + phase
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            if ph.retired:
                return
            conn = Conn(self.target)
            try:
                await burst(ph, conn)
            finally:
                conn.close()
            due = max(due + period, loop.time())

    def _minutes(self, ph: Phone, phase: float):
        return self._every(ph, phase, self.minute, self.minute_burst)

    def _inspections(self, ph: Phone, phase: float):
        return self._every(ph, phase, self.minute * 60 / INSPECTIONS_PER_HOUR, self.inspection_burst)

    async def sync(self, conn: Conn, ph: Phone, records: list[dict], ok: tuple[str, ...]) -> dict:
        body = json.dumps({"device_id": ph.device_id, "app_version": "capacity", "sent_at": iso(time.time()),
                           "health": {"queue_depth": len(records), "oldest_unsynced_age_s": 30, "storage_persistent": True},
                           "records": records}).encode()
        status, data = await conn.request("POST", "/api/v1/sync", ph.token, body)
        if status != 200:
            raise AppError(f"sync HTTP {status}: {data[:200]!r}")
        answer = json.loads(data)
        bad = [r for r in answer["results"] if r["status"] not in ok]
        if bad:
            raise AppError(f"sync refused: {bad[0]}")
        return answer

    async def minute_burst(self, ph: Phone, conn: Conn) -> None:
        """The minute's fixes (spread over the time since the last batch), then the change feed."""
        now = time.time()
        step = (now - ph.last_fix) / FIXES_PER_BATCH
        points = []
        for i in range(FIXES_PER_BATCH):
            ph.lon += 0.00006 * (1 if (int(now / 600) % 2) else -1)
            ph.lat += 0.00002
            points.append({"t": iso(ph.last_fix + step * (i + 1)), "lat": round(ph.lat, 7), "lon": round(ph.lon, 7),
                           "accuracy": 8, "speed": 1.2})
        ph.last_fix = now
        record = {"id": str(uuid.uuid4()), "kind": "track_points", "captured_at": iso(now),
                  "payload": {"patrol_id": ph.patrol_id, "points": points}}
        await self.rec.timed("sync track_points ×12", lambda: self.sync(conn, ph, [record], ("created",)), conn)

        async def feed() -> None:
            q = f"?since={ph.cursor}" if ph.cursor else ""
            status, data = await conn.request("GET", f"/api/v1/sync/changes{q}", ph.token)
            if status != 200:
                raise AppError(f"changes HTTP {status}: {data[:200]!r}")
            ph.cursor = json.loads(data).get("cursor") or ph.cursor

        await self.rec.timed("changes", feed, conn)

    async def inspection_burst(self, ph: Phone, conn: Conn) -> None:
        """An inspection citing a photo (incomplete until it arrives), then the photo in chunks."""
        sha, data = self.photos.next()
        record = {"id": str(uuid.uuid4()), "kind": "inspection", "captured_at": iso(time.time()),
                  "payload": {"lat": round(ph.lat, 7), "lon": round(ph.lon, 7), "accuracy": 6, "patrol_id": ph.patrol_id,
                              "subject": {"name": f"商户{random.randrange(10_000)}", "address": "某路 1 号"},
                              "matter_code": "SR-001", "result": "compliant", "notes": "现场检查未发现问题", "photos": [sha]}}
        if await self.rec.timed("sync inspection", lambda: self.sync(conn, ph, [record], ("incomplete", "created")), conn) is None:
            return
        await upload(self.rec, conn, ph.token, sha, data)


async def upload(rec: Recorder, conn: Conn, token: str, sha: str, data: bytes) -> bool:
    """The outbox's resumable upload: 256 KiB chunks from where the server says it has got to."""
    total = len(data)
    offset = 0
    while offset < total:
        end = min(total, offset + CHUNK)

        async def put(offset: int = offset, end: int = end) -> int:
            status, body = await conn.request("PUT", f"/api/v1/media/{sha}", token, data[offset:end], "application/octet-stream",
                                              f"Content-Range: bytes {offset}-{end - 1}/{total}\r\n")
            if status in (200, 201):
                return total  # verified and stored (or the server had it already)
            if status == 202 and end < total:
                return int(json.loads(body)["offset"])
            raise AppError(f"upload chunk {offset}: HTTP {status}: {body[:200]!r}")

        got = await rec.timed(PHOTO_LAST if end == total else "photo chunk", put, conn)
        if got is None:
            return False
        offset = got
    return True


# --- the deployment ------------------------------------------------------------------------------

def prepare_phones(app, n: int, prefix: str, ttl_s: int) -> list[dict]:
    """n officers of the demo street, each logged in on a phone of their own with a patrol
    started — in-process, through the product's own login and sync (the password check is
    skipped: Argon2 for thousands of logins would only time the set-up)."""
    from backend.auth import service as auth_service
    from backend.extensions import limiter

    from bench.common import add_officers

    add_officers(app, [f"{prefix}{i:05d}" for i in range(n)], [f"容量{i:05d}" for i in range(n)], "capacity-pass-1")
    real_verify, real_ttl = auth_service.verify_password, app.config["ACCESS_TOKEN_TTL"]
    auth_service.verify_password = lambda h, p: True
    app.config["ACCESS_TOKEN_TTL"] = ttl_s
    limiter.enabled = False
    client = app.test_client()
    phones = []
    started = datetime.now(LOCAL) - timedelta(minutes=2)
    try:
        for i in range(n):
            device = f"dev-{prefix}-{i:05d}"
            r = client.post("/api/v1/auth/login", json={"username": f"{prefix}{i:05d}", "password": "x", "device_id": device})
            assert r.status_code == 200, r.get_data(as_text=True)
            token = r.get_json()["access_token"]
            patrol = str(uuid.uuid4())
            s = client.post("/api/v1/sync", headers={"Authorization": f"Bearer {token}"}, json={
                "device_id": device, "records": [{"id": patrol, "kind": "patrol_start", "captured_at": started.isoformat(),
                                                  "payload": {"started_at": started.isoformat()}}]})
            assert s.status_code == 200 and s.get_json()["results"][0]["status"] == "created", s.get_data(as_text=True)
            rng = random.Random(i)
            phones.append({"device_id": device, "token": token, "patrol_id": patrol,
                           "lon": ORIGIN[0] + rng.uniform(-0.004, 0.004), "lat": ORIGIN[1] + rng.uniform(-0.003, 0.003)})
    finally:
        auth_service.verify_password = real_verify
        app.config["ACCESS_TOKEN_TTL"] = real_ttl
        limiter.enabled = True
    return phones


class SingleServer:
    """gunicorn with the production settings (gunicorn.conf.py), as bench/load.py starts it."""

    def __init__(self, app, tmp: Path, workers: int | None = None) -> None:
        self.port = free_port()
        self.env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": app.config["SECRET_KEY"],
                    "APP_ENV": "production", "MEDIA_ROOT": str(tmp / "media"), "BIND": f"127.0.0.1:{self.port}",
                    "SPATIALITE_LIBRARY_PATH": os.environ.get("SPATIALITE_LIBRARY_PATH", "mod_spatialite")}
        if workers:  # --smoke: fewer workers start sooner (the real runs keep gunicorn.conf.py's)
            self.env["WEB_CONCURRENCY"] = str(workers)
        self.proc: subprocess.Popen | None = None

    def start(self) -> str:
        self.proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "--access-logfile", "/dev/null",
                                      "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=self.env, start_new_session=True)
        import http.client

        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                c.request("GET", "/api/v1/health")
                if c.getresponse().status == 200:
                    c.close()
                    return f"http://127.0.0.1:{self.port}"
                c.close()
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def cluster_settings(state: Path) -> dict[str, str]:
    """DATABASE_URL and SECRET_KEY of the cluster scripts/cluster-up.sh started (its cluster.env)."""
    env_file = state / "cluster.env"
    if not env_file.exists():
        raise SystemExit(f"no cluster in {state}: run `make cluster` (scripts/cluster-up.sh) first")
    out = {}
    for line in env_file.read_text().splitlines():
        for part in line.removeprefix("export ").split(" "):
            k, sep, v = part.partition("=")
            if sep:
                out[k] = v.strip("'")
    return out


def cluster_groups(state: Path) -> set[int]:
    """The process groups of what cluster-up started: the nodes, nginx, SeaweedFS, Redis."""
    groups = set()
    for f in [*state.glob("node*.pgid"), state / "nginx" / "nginx.pid", state / "seaweedfs" / "weed.pid", state / "redis" / "redis.pid"]:
        try:
            got = _proc_cpu_s(f.read_text().strip())
        except OSError:
            continue
        if got:
            groups.add(got[0])
    return groups


def cluster_app(settings: dict[str, str]):
    from backend import create_app
    from backend.config import Config

    cfg = {k: getattr(Config, k) for k in dir(Config) if k.isupper()}
    cfg.update(SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"], SECRET_KEY=settings["SECRET_KEY"],
               MEDIA_ROOT=tempfile.mkdtemp(prefix="zs-capacity-"), RATELIMIT_STORAGE_URI="memory://", ENV_NAME="bench")
    return create_app(cfg)


# --- CPU accounting ---------------------------------------------------------------------------

def machine_cpu_s() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    fields_ = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    v = [int(x) for x in fields_]
    idle = v[3] + (v[4] if len(v) > 4 else 0)
    return (sum(v[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _proc_cpu_s(pid: str) -> tuple[int, float] | None:
    """(process group, CPU seconds so far) of a process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    f = stat[stat.rindex(")") + 2:].split()
    return int(f[2]), (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")


def renice(which: int, who: int, nice: int, autogroup: bool = True) -> None:
    """Set a process's (or process group's) priority, and that of its session's autogroup:
    with the kernel's autogroup scheduling (sched_autogroup_enabled) a nice value counts only
    within the session, and each session competes with the others as one."""
    try:
        os.setpriority(which, who, nice)
        if autogroup and Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1":
            Path(f"/proc/{who or os.getpid()}/autogroup").write_text(str(nice))
    except OSError as exc:  # gone, or not allowed (not root): measured at the default priority
        say(f"  could not set priority {nice} on {who}: {exc}")


class CpuMeter:
    """Whose CPU the machine spends: ours (this generator, the deployment's process groups,
    the PostgreSQL backends of its database) and everyone else's — on a shared machine a step
    measured while other programs took the cores is measured again."""

    def __init__(self, groups: set[int], database_url: str | None, nice: int = 0) -> None:
        self.groups = set(groups)
        self.database_url = database_url
        self._pg = None
        # --nice: the deployment's processes (and the PostgreSQL backends of its database, as
        # they appear) get this priority, so other programs on a shared machine yield to them
        self.nice = nice
        self._reniced: set[str] = set()
        for g in self.groups if nice else ():
            renice(os.PRIO_PGRP, g, nice)

    def _backends(self) -> set[str]:
        if not self.database_url:
            return set()
        import psycopg

        try:
            if self._pg is None or self._pg.closed:
                self._pg = psycopg.connect(self.database_url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)
            pids = {str(r[0]) for r in self._pg.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")}
        except psycopg.Error:
            return set()
        for pid in pids - self._reniced if self.nice else ():
            # not the autogroup: PostgreSQL's session is shared with everyone's databases
            renice(os.PRIO_PROCESS, int(pid), self.nice, autogroup=False)
            self._reniced.add(pid)
        return pids

    @staticmethod
    def _wal(pid: str) -> bool:
        """PostgreSQL's writers of the WAL our load makes, and the replica replaying it."""
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False
        return cmd.startswith(b"postgres: ") and any(w in cmd for w in (b"walwriter", b"walsender", b"walreceiver", b"startup",
                                                                         b"checkpointer", b"background writer"))

    def sample(self) -> tuple[float, float, dict[str, float]]:
        """(monotonic time, machine busy CPU s, {our pid: CPU s})."""
        backends = self._backends()
        ours = {}
        me = str(os.getpid())
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            got = _proc_cpu_s(pid)
            if got and (got[0] in self.groups or pid in backends or pid == me or (self.database_url and self._wal(pid))):
                ours[pid] = got[1]
        return time.monotonic(), machine_cpu_s(), ours

    @staticmethod
    def split(a: tuple, b: tuple) -> tuple[float, float]:
        """(our cores, others' cores) between two samples."""
        (t0, m0, o0), (t1, m1, o1) = a, b
        ours = sum(v - o0.get(pid, 0.0) for pid, v in o1.items())
        dt = max(t1 - t0, 1e-6)
        return ours / dt, max(0.0, (m1 - m0) - ours) / dt

    async def wait_quiet(self, limit: float, timeout: float, why: str) -> float:
        """Wait until other programs use under `limit` cores for 10 s; their share at the end."""
        deadline = time.monotonic() + timeout
        others = limit
        while True:
            a = self.sample()
            await asyncio.sleep(10)
            others = self.split(a, self.sample())[1]
            if others < limit or time.monotonic() > deadline:
                return others
            say(f"  {why}: other programs use {others:.2f} cores; waiting")


# --- the run ------------------------------------------------------------------------------------

async def idle_baseline(target: Target, rec: Recorder, phones: list[Phone], photos: Photos, scale: float = 1.0) -> dict[str, Any]:
    """Warm every worker, then the idle latencies, one request at a time: `/me` (each on a new
    connection, as a phone's first request after a pause) and each kind of the phone's mix.
    `scale` < 1 takes fewer samples (--smoke)."""
    def n(full: int) -> int:
        return max(2, round(full * scale))

    async def me(conn: Conn, token: str) -> None:
        status, data = await conn.request("GET", "/api/v1/me", token)
        if status != 200:
            raise AppError(f"/me HTTP {status}: {data[:200]!r}")

    async def warm(i: int) -> None:
        for j in range(n(40)):
            conn = Conn(target)
            try:
                await me(conn, phones[(i + j) % len(phones)].token)
                await conn.request("GET", "/api/v1/sync/changes", phones[(i + j) % len(phones)].token)
            finally:
                conn.close()

    await asyncio.gather(*(warm(i) for i in range(n(8))))
    scratch = Recorder()
    fleet = Fleet(target, phones, photos, 1.0, scratch)
    for _ in range(n(4)):  # photos through every path once (fonts, Pillow) before anything is timed
        conn = Conn(target)
        try:
            await fleet.inspection_burst(phones[0], conn)
        finally:
            conn.close()
    idle: dict[str, list[float]] = {"me": []}
    for i in range(n(200) + 20):
        conn = Conn(target)
        t0 = time.perf_counter()
        try:
            await me(conn, phones[0].token)
        finally:
            conn.close()
        if i >= 20:
            idle["me"].append((time.perf_counter() - t0) * 1000)
    kinds = Recorder()
    fleet.rec = kinds
    for i in range(n(30)):
        conn = Conn(target)
        try:
            await fleet.minute_burst(phones[i % len(phones)], conn)
            if i % 5 == 0:
                await fleet.inspection_burst(phones[i % len(phones)], conn)
        finally:
            conn.close()
    errors = [s for s in scratch.samples + kinds.samples if s.error]
    if errors:
        raise RuntimeError(f"the idle server refused the phone's requests: {errors[0].kind}: {errors[0].error}")
    per_kind = {}
    for s in kinds.samples:
        per_kind.setdefault(s.kind, []).append(s.ms)
    return {"me_p50_ms": round(statistics.median(idle["me"]), 2),
            "kinds_p50_ms": {k: round(statistics.median(v), 1) for k, v in per_kind.items()}}


def judge(samples: list[Sample], idle: dict[str, Any]) -> dict[str, Any]:
    light = [s for s in samples if s.kind != PHOTO_LAST]
    last = [s for s in samples if s.kind == PHOTO_LAST]
    all_ = summarize(samples)
    light_s, last_s = summarize(light), summarize(last)
    limit_light = GOAL_P99_OVER_IDLE_P50 * idle["me_p50_ms"]
    idle_last = idle["kinds_p50_ms"].get(PHOTO_LAST, 0.0)
    limit_last = GOAL_P99_OVER_IDLE_P50 * idle_last
    kinds: dict[str, Any] = {}
    for s in samples:
        kinds.setdefault(s.kind, []).append(s)
    errors: dict[str, int] = {}
    for s in samples:
        if s.error:
            errors[s.error[:120]] = errors.get(s.error[:120], 0) + 1
    ok = (all_["errors"] == 0 and light_s["requests"] > 0 and light_s["p99_ms"] <= limit_light
          and (not last or last_s["p99_ms"] <= limit_last))
    return {"all": all_, "all_but_photo_last_chunk": light_s, "photo_last_chunk": last_s,
            "p99_over_idle_me_p50": round(light_s["p99_ms"] / idle["me_p50_ms"], 1),
            "p99_all_over_idle_me_p50": round(all_["p99_ms"] / idle["me_p50_ms"], 1),
            "photo_p99_over_its_idle_p50": round(last_s["p99_ms"] / idle_last, 1) if idle_last and last else None,
            "kinds": {k: summarize(v) for k, v in sorted(kinds.items())},
            "errors_by_kind": dict(sorted(errors.items(), key=lambda kv: -kv[1])[:5]), "passed": ok}


# requests per officer and hour: the minute's batch and feed, the inspections and their photos' chunks
def requests_per_officer_hour(photo_bytes: int) -> float:
    return 120 + INSPECTIONS_PER_HOUR * (1 + -(-photo_bytes // CHUNK))


async def measure_step(fleet: Fleet, officers: int, compress: float, window: float, idle: dict[str, Any],
                       min_requests: int = 0, max_window: float = 0, meter: CpuMeter | None = None) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    phones = max(1, round(officers / compress))
    # a window long enough for a p99 of at least `min_requests` requests (few officers send few)
    rate = phones * compress * requests_per_officer_hour(len(fleet.photos.base[0])) / 3600
    window = max(window, min(max_window, min_requests / rate)) if min_requests else window
    fleet.resize(phones)
    # warm-up: one (compressed) minute for the new phones to join, and for any backlog to clear
    await asyncio.sleep(fleet.minute + min(2.0, fleet.minute / 4))
    for attempt in range(1 + (meter.retries if meter else 0)):
        t0 = loop.time()
        cpu0, gen0 = machine_cpu_s(), time.process_time()
        m0 = meter.sample() if meter else None
        await asyncio.sleep(window)
        t1 = loop.time()
        cpu1, gen1 = machine_cpu_s(), time.process_time()
        ours, others = meter.split(m0, meter.sample()) if meter else (None, None)
        # the requests started in the window, each finished (or timed out)
        while (oldest := fleet.rec.oldest_inflight()) is not None and oldest < t1:
            await asyncio.sleep(0.2)
        if not meter or others < meter.limit:
            break
        say(f"  {phones * compress:.0f} officers: other programs took {others:.2f} cores during the window: measured again")
        await meter.wait_quiet(meter.limit, meter.max_wait, f"{phones * compress:.0f} officers")
    samples = [s for s in fleet.rec.samples if t0 <= s.start < t1]
    verdict = judge(samples, idle)
    machine = (cpu1 - cpu0) / (t1 - t0)
    return {"officers": phones * compress, "phones": phones, "window_s": round(t1 - t0, 1),
            "requests_per_s": round(len(samples) / (t1 - t0), 1),
            "machine_cpu_cores_busy": round(machine, 2), "generator_cpu_cores": round((gen1 - gen0) / (t1 - t0), 3),
            "deployment_cpu_cores": round(ours, 2) if ours is not None else None,
            "other_programs_cpu_cores": round(others, 2) if others is not None else None, "attempts": attempt + 1,
            **verdict}


def print_step(r: dict[str, Any], limit_ms: float) -> None:
    a, last = r["all_but_photo_last_chunk"], r["photo_last_chunk"]
    say(f"  {r['officers']:>6} officers ({r['phones']} phones): {r['requests_per_s']:>6} req/s, errors {r['all']['errors']}, "
          f"p50 {a['p50_ms']:.0f} ms, p99 {a['p99_ms']:.0f} ms (≤ {limit_ms:.0f}), photo last chunk p99 {last['p99_ms']:.0f} ms; "
          f"CPU busy {r['machine_cpu_cores_busy']:.2f} cores (generator {r['generator_cpu_cores']:.2f}, "
          f"other programs {r['other_programs_cpu_cores']}) → "
          f"{'pass' if r['passed'] else 'FAIL'}")


async def ramp(target: Target, phones: list[Phone], photos: Photos, args, meter: CpuMeter | None) -> dict[str, Any]:
    rec = Recorder()
    # the idle baseline on a machine nobody else is using (a shared machine: wait for it)
    background = await meter.wait_quiet(meter.limit, meter.max_wait, "idle baseline") if meter else None
    say(f"  other programs: {background} cores busy; idle baseline …")
    idle = await idle_baseline(target, rec, phones, photos, 0.2 if args.smoke else 1.0)
    idle["other_programs_cpu_cores"] = background
    limit_ms = GOAL_P99_OVER_IDLE_P50 * idle["me_p50_ms"]
    say(f"  idle GET /me p50 {idle['me_p50_ms']} ms → p99 limit {limit_ms:.0f} ms; idle p50 by kind {idle['kinds_p50_ms']}")
    fleet = Fleet(target, phones, photos, args.compress, rec)
    k = args.compress
    steps: list[dict[str, Any]] = []
    officers = args.start
    best, worst = 0, None
    try:
        while officers <= args.max:
            r = await measure_step(fleet, officers, k, args.window, idle, args.min_requests, args.max_window, meter)
            steps.append(r)
            print_step(r, limit_ms)
            if not r["passed"]:
                worst = r["officers"]
                break
            best = r["officers"]
            officers = int(round(officers * args.growth / k) * k) or officers + k
        for _ in range(args.refine if worst else 0):
            mid = int(round((best + worst) / 2 / k) * k)
            if mid <= best or mid >= worst:
                break
            r = await measure_step(fleet, mid, k, args.window, idle, args.min_requests, args.max_window, meter)
            steps.append(r)
            print_step(r, limit_ms)
            if r["passed"]:
                best = r["officers"]
            else:
                worst = r["officers"]
    finally:
        await fleet.stop()
    return {"idle": idle, "p99_limit_ms": round(limit_ms, 1), "steps": steps, "capacity_officers": best,
            "first_failing_officers": worst}


def run(args) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="zs-capacity-"))
    server = None
    prefix = f"cp{uuid.uuid4().hex[:6]}"
    phones_needed = int(args.max / args.compress) + 1
    ttl = 6 * 3600
    try:
        if args.nice:  # this generator, and the gunicorn it starts (children inherit it)
            renice(os.PRIO_PROCESS, 0, args.nice)
        if args.target == "single":
            say("a fresh schema with the demo data …")
            app = make_app(args.database_url)
            engine = engine_name(app)
            label = f"single gunicorn (gunicorn.conf.py), {engine}"
            say(f"[{label}] preparing {phones_needed} phones")
            raw = prepare_phones(app, phones_needed, prefix, ttl)
            server = SingleServer(app, tmp, workers=2 if args.smoke else None)
            target = Target(server.start())
            say(f"[{label}] gunicorn answers at {target.url}")
            assert server.proc is not None
            meter = CpuMeter({server.proc.pid}, args.database_url, args.nice)
        else:
            state = Path(args.cluster_dir)
            settings = cluster_settings(state)
            url = args.url or (state / "url").read_text().strip()
            app = cluster_app(settings)
            engine = engine_name(app)
            label = f"cluster behind nginx at {url}"
            say(f"[{label}] preparing {phones_needed} phones")
            raw = prepare_phones(app, phones_needed, prefix, ttl)
            target = Target(url, cafile=str(state / "nginx" / "cert.pem"))
            meter = CpuMeter(cluster_groups(state), settings["DATABASE_URL"], args.nice)
        photos = Photos(make_photos(args.photo_variants, *args.photo_size))
        phones = [Phone(**p) for p in raw]
        say(f"[{label}] {len(photos.base[0]) / 1e6:.1f} MB photos; one phone-minute = {60 / args.compress:g} s "
              f"(compression ×{args.compress:g}); steps from {args.start} officers ×{args.growth}")
        if args.shared_machine_limit <= 0:
            meter = None
        else:
            meter.limit, meter.max_wait, meter.retries = args.shared_machine_limit, args.shared_machine_wait, 6
        result = asyncio.run(ramp(target, phones, photos, args, meter))
    finally:
        if server:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    cores = os.cpu_count() or 1
    return {"engine": engine, "target": args.target, "deployment": label, "compress": args.compress,
            "phone_minute_s": round(60 / args.compress, 2), "window_s": args.window, "photo_bytes": len(photos.base[0]),
            "photo_size": f"{args.photo_size[0]}x{args.photo_size[1]}",
            "requests_per_officer_hour": requests_per_officer_hour(len(photos.base[0])),
            "mix_per_officer_hour": {"track_points batches (12 fixes)": 60, "change feed": 60, "inspections": INSPECTIONS_PER_HOUR,
                                     "photos (256 KiB chunks)": INSPECTIONS_PER_HOUR},
            "goal": f"zero errors; p99 ≤ {GOAL_P99_OVER_IDLE_P50:g}× idle /me p50 (a photo's last chunk: ≤ "
                    f"{GOAL_P99_OVER_IDLE_P50:g}× its own idle p50)",
            "nice": args.nice, "cores": cores, "officers_per_core": round(result["capacity_officers"] / cores), **result}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--target", choices=["single", "cluster"], default="single")
    ap.add_argument("--database-url", default=None, help="single: PostGIS URL (default: a fresh SpatiaLite file)")
    ap.add_argument("--url", default=None, help="cluster: its HTTPS URL (default: CLUSTER_DIR/url)")
    ap.add_argument("--cluster-dir", default=os.environ.get("CLUSTER_DIR", str(ROOT / "instance" / "cluster")))
    ap.add_argument("--compress", type=float, default=10.0, help="one phone-minute lasts 60/K s; officers = phones × K")
    ap.add_argument("--start", type=int, default=100, help="officers in the first step")
    ap.add_argument("--growth", type=float, default=1.5)
    ap.add_argument("--max", type=int, default=10_000)
    ap.add_argument("--refine", type=int, default=2, help="bisections after the first failing step")
    ap.add_argument("--window", type=float, default=40.0, help="seconds measured per step (after a phone-minute of warm-up)")
    ap.add_argument("--min-requests", type=int, default=1500, help="lengthen a step's window to see this many requests ...")
    ap.add_argument("--max-window", type=float, default=150.0, help="... up to this many seconds")
    ap.add_argument("--photo-variants", type=int, default=3)
    ap.add_argument("--photo-size", type=lambda s: tuple(int(x) for x in s.split("x")), default=(4000, 3000))
    ap.add_argument("--shared-machine-limit", type=float, default=0.3,
                    help="measure a step again when other programs took this many cores during it (0: never)")
    ap.add_argument("--shared-machine-wait", type=float, default=1800, help="seconds to wait for them each time")
    ap.add_argument("--nice", type=int, default=0,
                    help="run the generator, the deployment and its database backends at this priority (e.g. -10, root: "
                         "a shared machine's other programs yield the cores to them); recorded with the result")
    ap.add_argument("--smoke", action="store_true", help="tiny: two steps of a few phones, small photos")
    args = ap.parse_args()
    if args.smoke:
        args.compress, args.start, args.growth, args.max, args.refine = 30.0, 60, 2.0, 120, 0
        args.window, args.min_requests, args.photo_variants, args.photo_size = 3.0, 0, 1, (800, 600)
        args.shared_machine_limit = 0
    if args.start % args.compress:
        args.start = int(round(args.start / args.compress) * args.compress) or int(args.compress)
    r = run(args)
    path = write_result(f"capacity-{args.target}", r)
    if args.smoke and any(s["all"]["errors"] for s in r["steps"]):
        raise SystemExit(f"capacity --smoke: the phones' requests failed: {[s['errors_by_kind'] for s in r['steps']]}")
    print(f"\ncapacity of {r['deployment']}: phone-minute {r['phone_minute_s']} s (×{r['compress']:g}), "
          f"{r['photo_size']} photos of {r['photo_bytes'] / 1e6:.1f} MB")
    print(f"  idle GET /me p50 {r['idle']['me_p50_ms']} ms → p99 limit {r['p99_limit_ms']} ms; "
          f"idle photo last chunk p50 {r['idle']['kinds_p50_ms'].get(PHOTO_LAST)} ms")
    print(f"  {'officers':>8}{'req/s':>8}{'errors':>8}{'p50':>7}{'p99':>7}{'p99 all':>9}{'photo p99':>11}{'CPU':>7}{'gen':>7}")
    for s in r["steps"]:
        a = s["all_but_photo_last_chunk"]
        print(f"  {s['officers']:>8.0f}{s['requests_per_s']:>8}{s['all']['errors']:>8}{a['p50_ms']:>7.0f}{a['p99_ms']:>7.0f}"
              f"{s['all']['p99_ms']:>9.0f}{s['photo_last_chunk']['p99_ms']:>11.0f}{s['machine_cpu_cores_busy']:>7.2f}"
              f"{s['generator_cpu_cores']:>7.2f}  {'pass' if s['passed'] else 'FAIL'}")
    print(f"  capacity: {r['capacity_officers']} officers ({r['officers_per_core']} per core of {r['cores']}; "
          f"the generator shares them)")
    print(f"  written to {path}")


if __name__ == "__main__":
    main()
