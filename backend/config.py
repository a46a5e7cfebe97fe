"""Configuration read from the environment (12-factor), grouped by concern.

`Config` is what production and `make run` use; `TestConfig` is what the test-suite
subclasses. Every setting can be overridden by an environment variable of the same
name; types are coerced by the small helpers below.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from .database import PING_AFTER_IDLE_S as DEFAULT_PING_AFTER_IDLE_S
from .database import SQLITE_BUSY_TIMEOUT_MS as DEFAULT_SQLITE_BUSY_TIMEOUT_MS

BASE_DIR = Path(__file__).resolve().parent.parent


def as_bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def as_int(value: str | None, default: int) -> int:
    if value is None or value == "":
        return default
    return int(value)


def as_json(value: str | None, default: dict) -> dict:
    import json

    if not value:
        return default
    parsed = json.loads(value)
    if not isinstance(parsed, dict) or not all(isinstance(v, int) and 0 < v <= 60 for v in parsed.values()):
        raise ValueError(f"expected a JSON object of day counts, got {value!r}")
    return parsed


def env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value in (None, "") else value


def default_database_url(instance_path: Path) -> str:
    """The embedded default: a SpatiaLite file under `instance/`."""
    return f"sqlite:///{instance_path / 'zhangshang.db'}"


class Config:
    # --- core -------------------------------------------------------------
    ENV_NAME = env("APP_ENV", "development")  # the Dockerfile sets production
    # No secret in the repository: a missing SECRET_KEY is refused in production
    # (see create_app); demo/dev runs get a random one per process via make run.
    SECRET_KEY = env("SECRET_KEY")
    DEMO_MODE = as_bool(env("DEMO_MODE"), False)
    # Tests only (refused in production): the server's clock starts at this ISO 8601 instant
    # and runs on from there (backend/clock.py), so a browser journey can be run at 00:30.
    CLOCK_START = env("CLOCK_START")

    # --- database ---------------------------------------------------------
    DATABASE_URL = env("DATABASE_URL")  # None -> SpatiaLite file under instance/
    SQLALCHEMY_RECORD_QUERIES = False
    # PostgreSQL: a pooled connection idle this long is pinged before use (a restart, a
    # firewall's idle cut); a busy one is not, saving a round trip per request. 0: every checkout
    DATABASE_PING_AFTER_IDLE_S = float(env("DATABASE_PING_AFTER_IDLE_S") or DEFAULT_PING_AFTER_IDLE_S)
    # evidence integrity beats a few ms per commit: synchronous=FULL on SQLite
    SQLITE_SYNCHRONOUS = env("SQLITE_SYNCHRONOUS", "FULL")
    # how long a writer waits for SQLite's one write lock before the request gets 503 db.busy
    SQLITE_BUSY_TIMEOUT_MS = as_int(env("SQLITE_BUSY_TIMEOUT_MS"), DEFAULT_SQLITE_BUSY_TIMEOUT_MS)
    SPATIALITE_LIBRARY_PATH = env("SPATIALITE_LIBRARY_PATH", "mod_spatialite")
    # a streaming replica (hot standby) of the PostGIS primary: the supervisors' reads (views
    # marked @reads_replica: figures, coverage, patrol log, live board, exports) go there;
    # every write, and everything else, to DATABASE_URL. Refused with SQLite (backend/replica.py)
    DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "")
    # a replica further behind than this (seconds) is not read: the primary answers, and it is logged
    REPLICA_MAX_LAG_S = float(env("REPLICA_MAX_LAG_S", "30"))
    # where each officer's last write (a WAL position) is kept for read-your-writes: redis://…;
    # empty: the Redis of RATELIMIT_STORAGE_URI, else this process's memory (refused in production)
    REPLICA_POSITIONS_URL = env("REPLICA_POSITIONS_URL", "")

    # --- files ------------------------------------------------------------
    MEDIA_ROOT = env("MEDIA_ROOT")  # None -> instance/media
    # evidence originals and copies in an S3-compatible store (docs/evidence.md), e.g.
    # s3://evidence?endpoint_url=http://127.0.0.1:8333 (keys: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY);
    # empty: the filesystem under MEDIA_ROOT. MEDIA_ROOT/tmp stays each node's local staging.
    MEDIA_STORE_URL = env("MEDIA_STORE_URL", "")
    BASEMAP_MAX_BYTES = as_int(env("BASEMAP_MAX_BYTES"), 2 << 30)  # the offline base map (MBTiles or PMTiles) an administrator loads
    PWA_DIST = env("PWA_DIST", str(BASE_DIR / "pwa" / "dist"))
    # Bodies larger than this are refused with 413 before they are read.
    MAX_CONTENT_LENGTH = as_int(env("MAX_CONTENT_LENGTH"), 2 * 1024 * 1024)

    # --- evidence photos -----------------------------------------------------
    MEDIA_MAX_BYTES = as_int(env("MEDIA_MAX_BYTES"), 64 * 1024 * 1024)
    MEDIA_MAX_PIXELS = as_int(env("MEDIA_MAX_PIXELS"), 50_000_000)  # decompression-bomb guard
    # EXIF + XMP + ICC of a real phone photo stay well under this; more is a crafted file
    MEDIA_MAX_METADATA_BYTES = as_int(env("MEDIA_MAX_METADATA_BYTES"), 1024 * 1024)
    # photos are decoded in this many child processes per web worker, at this nice value
    # (backend/evidence/decoder.py: small requests first); 0 decodes in the request's thread
    PHOTO_DECODE_PROCESSES = as_int(env("PHOTO_DECODE_PROCESSES"), 1)
    PHOTO_DECODE_NICE = as_int(env("PHOTO_DECODE_NICE"), 10)
    PHOTO_DECODE_TIMEOUT_S = as_int(env("PHOTO_DECODE_TIMEOUT_S"), 60)
    MEDIA_MISMATCH_DISTANCE_M = float(env("MEDIA_MISMATCH_DISTANCE_M", "200"))
    MEDIA_MISMATCH_SECONDS = float(env("MEDIA_MISMATCH_SECONDS", "900"))
    WATERMARK_FONT = env("WATERMARK_FONT")  # None -> WenQuanYi Micro Hei / Noto CJK from Debian
    # video and voice evidence (backend/evidence/av.py): the limit that applies depends on
    # what the first bytes say the file is; anything unrecognised keeps MEDIA_MAX_BYTES
    MEDIA_MAX_VIDEO_BYTES = as_int(env("MEDIA_MAX_VIDEO_BYTES"), 1024 * 1024 * 1024)
    MEDIA_MAX_AUDIO_BYTES = as_int(env("MEDIA_MAX_AUDIO_BYTES"), 200 * 1024 * 1024)
    MEDIA_MAX_DURATION_S = as_int(env("MEDIA_MAX_DURATION_S"), 6 * 3600)  # longer is a crafted container
    MEDIA_MAX_VIDEO_SIDE = as_int(env("MEDIA_MAX_VIDEO_SIDE"), 8192)
    MEDIA_MAX_VIDEO_PIXELS = as_int(env("MEDIA_MAX_VIDEO_PIXELS"), 8192 * 4320)  # 8K
    MEDIA_PROBE_TIMEOUT_S = as_int(env("MEDIA_PROBE_TIMEOUT_S"), 30)  # ffprobe / ffmpeg wall clock (and CPU) limit
    MEDIA_PROBE_MEMORY_BYTES = as_int(env("MEDIA_PROBE_MEMORY_BYTES"), 1024 * 1024 * 1024)  # their address space
    MEDIA_FFPROBE = env("MEDIA_FFPROBE", "ffprobe")  # a name on PATH or a path (Debian: /usr/bin/ffprobe)
    MEDIA_FFMPEG = env("MEDIA_FFMPEG", "ffmpeg")
    # a player's seeks (Range requests) by the same officer and device within this many
    # seconds are one viewing of the original in the audit trail
    MEDIA_VIEW_AUDIT_WINDOW_S = as_int(env("MEDIA_VIEW_AUDIT_WINDOW_S"), 600)
    # a playback link (<video>/<audio> cannot send the token): signed for one file, one session, this long
    MEDIA_PLAYBACK_TTL_S = as_int(env("MEDIA_PLAYBACK_TTL_S"), 1800)

    # --- tickets and cases ------------------------------------------------------
    # fixes may lie this far outside a patrol's start and end (the phone's clock and GPS
    # timestamps drift a little); more is refused (track.outside_patrol)
    TRACK_SPAN_ALLOWANCE_S = as_int(env("TRACK_SPAN_ALLOWANCE_S"), 300)
    TICKET_BOOK_DAYS = as_int(env("TICKET_BOOK_DAYS"), 30)
    # a decision is dated between its number's lease and its arrival, give or take this
    # much of a phone clock's drift (the sync ledger records each phone's measured skew)
    TICKET_CLOCK_SKEW_S = as_int(env("TICKET_CLOCK_SKEW_S"), 900)  # a leased block expires after this
    FILING_WORKING_DAYS = as_int(env("FILING_WORKING_DAYS"), 3)  # 备案 deadline (sector rules)
    # a 个体工商户 answers as a natural person (the 200-yuan cap): the prevailing view; a province may differ
    INDIVIDUAL_BUSINESS_AS_CITIZEN = as_bool(env("INDIVIDUAL_BUSINESS_AS_CITIZEN"), True)
    # per domain (门类), where a sector rule sets its own: JSON, e.g. {"城乡规划": 3} (住建部令第55号 §14 ¶2)
    FILING_WORKING_DAYS_BY_DOMAIN = as_json(env("FILING_WORKING_DAYS_BY_DOMAIN"), {})
    DECISION_DAYS = as_int(env("DECISION_DAYS"), 90)  # §60: decide within 90 days of 立案
    SERVICE_WORKING_DAYS = as_int(env("SERVICE_WORKING_DAYS"), 7)  # §61: serve within 7 working days
    PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", "")  # for the QR code on printed decisions
    # --- the case desk (general procedure; a province's rules set these) ---------------
    CASE_FILING_WORKING_DAYS = as_int(env("CASE_FILING_WORKING_DAYS"), 7)  # §54: 立案 within 7 working days of discovery
    CASE_STATEMENT_WORKING_DAYS = as_int(env("CASE_STATEMENT_WORKING_DAYS"), 3)  # the notice's window to state and defend
    # §63 较大数额罚款: the province's threshold for the right to a hearing (demo: 5,000 / 50,000 yuan)
    HEARING_THRESHOLD_CITIZEN_FEN = as_int(env("HEARING_THRESHOLD_CITIZEN_FEN"), 500_000)
    HEARING_THRESHOLD_ORG_FEN = as_int(env("HEARING_THRESHOLD_ORG_FEN"), 5_000_000)
    LEGAL_REVIEW = env("LEGAL_REVIEW", "listed")  # §58: "listed" (the law's cases) or "all" general cases
    DECISION_EXTENSION_MAX_DAYS = as_int(env("DECISION_EXTENSION_MAX_DAYS"), 30)  # §60 "另有规定": one approved extension
    CASE_CLOSURE_WORKING_DAYS = as_int(env("CASE_CLOSURE_WORKING_DAYS"), 10)  # 结案 after execution ends (local rule)
    ESERVICE_LINK_DAYS = as_int(env("ESERVICE_LINK_DAYS"), 30)  # an e-service link stays open this long
    SEAL_IMAGE_DIR = env("SEAL_IMAGE_DIR", "")
    # --- complaints (群众举报) -----------------------------------------------------------
    COMPLAINT_RATE_LIMIT = env("COMPLAINT_RATE_LIMIT", "5 per hour")  # per sender's address, on the public page
    COMPLAINT_PHOTO_MAX_BYTES = as_int(env("COMPLAINT_PHOTO_MAX_BYTES"), 8 * 1024 * 1024)  # <jurisdiction code>.png: the seal printed on documents
    CASE_COURT = env("CASE_COURT", "")  # the court named for litigation and enforcement

    # --- sync -----------------------------------------------------------------------
    SYNC_MAX_BYTES = as_int(env("SYNC_MAX_BYTES"), 8 * 1024 * 1024)
    SYNC_RATE_LIMIT = env("SYNC_RATE_LIMIT", "120 per minute")  # per device
    DEVICE_STALE_SECONDS = as_int(env("DEVICE_STALE_SECONDS"), 24 * 3600)
    DEVICE_QUEUE_ALARM = as_int(env("DEVICE_QUEUE_ALARM"), 40)

    # --- auth -------------------------------------------------------------
    ACCESS_TOKEN_TTL = as_int(env("ACCESS_TOKEN_TTL"), 15 * 60)  # seconds
    # Officers can be offline for days; the refresh token slides on every use.
    REFRESH_TOKEN_TTL = as_int(env("REFRESH_TOKEN_TTL"), 30 * 24 * 3600)
    LOGIN_RATE_LIMIT = env("LOGIN_RATE_LIMIT", "10 per minute")
    LOGIN_USER_RATE_LIMIT = env("LOGIN_USER_RATE_LIMIT", "5 per minute")
    # Where rate-limit counters live. "memory://" counts in each process alone: right for one
    # process; with several gunicorn workers or hosts point them all at one Redis
    # (redis://host:6379/0) so a flood split across them is stopped at the same total.
    RATELIMIT_STORAGE_URI = env("RATELIMIT_STORAGE_URI", "memory://")
    # Redis unreachable: fail fast and count in each process's memory until it answers again
    # (a warning is logged); an outage must not stop officers logging in and syncing
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}  # ignored by memory://
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = as_bool(env("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"), True)
    # several instances (districts) may share one Redis: each keeps its counters under its own prefix
    RATELIMIT_KEY_PREFIX = env("RATELIMIT_KEY_PREFIX", "zhangshang")
    RATELIMIT_HEADERS_ENABLED = True
    # Behind a reverse proxy, set to the number of proxies to trust X-Forwarded-For.
    PROXY_FIX_X_FOR = as_int(env("PROXY_FIX_X_FOR"), 0)
    HSTS_MAX_AGE = as_int(env("HSTS_MAX_AGE"), 365 * 24 * 3600)  # sent on HTTPS responses only

    # --- OpenAPI (flask-smorest) -------------------------------------------
    API_TITLE = "掌上执法 API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    OPENAPI_SWAGGER_UI_PATH = "docs"
    # Served from the swagger-ui-bundle package: no CDN, works offline.
    OPENAPI_SWAGGER_UI_URL = "/api/v1/docs/static/"

    # --- map / UI ---------------------------------------------------------
    # A tile layer is configuration, never fetched by tests. Empty = grid polygons only.
    MAP_TILE_URL = env("MAP_TILE_URL", "")
    MAP_TILE_ATTRIBUTION = env("MAP_TILE_ATTRIBUTION", "")
    # "wgs84" (Tianditu: CGCS2000, no shift) or "gcj02" (AMap and other Chinese commercial
    # maps: the PWA converts our WGS-84 data to draw on them, and clicks back)
    MAP_TILE_CRS = env("MAP_TILE_CRS", "wgs84")
    MAP_TILE_SUBDOMAINS = env("MAP_TILE_SUBDOMAINS", "abc")  # the {s} of the URL


class TestConfig(Config):
    ENV_NAME = "test"
    TESTING = True
    SECRET_KEY = "test-only-" + secrets.token_hex(16)
    DEMO_MODE = True
    SQLITE_SYNCHRONOUS = "NORMAL"
    RATELIMIT_STORAGE_URI = "memory://"
    DATABASE_REPLICA_URL = ""  # a test that wants the replica names it (tests/replica_server.py)
