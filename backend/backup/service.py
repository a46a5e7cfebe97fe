"""Online backups of the case store and the evidence photos, and their restore.

A backup is a directory: `database.sqlite` (SQLite's backup API: one consistent snapshot
taken under a read transaction; WAL lets officers keep writing meanwhile) or
`database.pgdump` (pg_dump's one-snapshot custom format), the original photos under
`media/originals/`, and `manifest.json`, written last, with counts and checksums. A
directory without a manifest is an unfinished backup and restore refuses it.

The originals are read from, and restored into, the media store: the filesystem under
MEDIA_ROOT or the bucket MEDIA_STORE_URL names (backend/evidence/storage.py) — a backup
of an S3 deployment holds the bucket's originals, and restores into either kind.

The photos are copied after the database snapshot. Originals are written (and fsynced)
before the row that names them is committed and are never changed or deleted, so
every photo the snapshot refers to is already on disk when it is copied.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any, Union

from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from .. import clock
from ..database import is_sqlite, sqlite_driver

if TYPE_CHECKING:
    from ..evidence.storage import MediaStore

MediaLike = Union[str, "os.PathLike[str]", "MediaStore"]  # a MEDIA_ROOT, or a media store

MANIFEST = "manifest.json"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("only a file database can be backed up")
    return Path(database)


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URL without the password (which goes in PGPASSWORD, never on a command line)."""
    u = make_url(url)
    env = {**os.environ}
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    return u.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    found = shutil.which(name) or next((str(p) for p in sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)), None)
    if not found:
        raise BackupError(f"{name} not found: apt-get install postgresql-client")
    return found


def media_store(media: MediaLike) -> "MediaStore":
    """The store to back up from or restore into. A path is a MEDIA_ROOT — unless it is the
    running app's own MEDIA_ROOT and MEDIA_STORE_URL names an object store: that store
    (so `flask backup create` covers the bucket of an S3 deployment)."""
    from ..evidence.storage import FilesystemStore, make_store

    if not isinstance(media, (str, os.PathLike)):
        return media
    from flask import current_app, has_app_context

    if has_app_context() and current_app.config.get("MEDIA_STORE_URL") and current_app.config.get("MEDIA_ROOT") \
            and Path(media).resolve() == Path(current_app.config["MEDIA_ROOT"]).resolve():
        return make_store(current_app.config)
    return FilesystemStore(media)


def _copy_media(store: "MediaStore", dest: Path) -> tuple[int, int]:
    """Copy every original (content-addressed, immutable) out of the store; returns (files, bytes)."""
    files = size = 0
    for sha in store.iter_originals():
        target = dest / "media" / "originals" / sha[:2] / sha[2:4] / sha
        target.parent.mkdir(parents=True, exist_ok=True)
        with store.open_original(sha) as src, open(target, "wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        files += 1
        size += target.stat().st_size
    return files, size


def _row_counts(url: str, tables: list[str]) -> dict[str, int]:
    engine = create_engine(url, **({"module": sqlite_driver()} if is_sqlite(url) else {}))
    try:
        with engine.connect() as conn:
            present = set(inspect(conn).get_table_names())
            return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables if t in present}
    finally:
        engine.dispose()


def create_backup(database_url: str, media_root: MediaLike, dest: Path, tables: list[str]) -> dict[str, Any]:
    """Back up while the service runs. `dest` must not exist or be empty. `media_root`: a
    MEDIA_ROOT or a media store (see `media_store`)."""
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise BackupError(f"{dest} is not empty")
    dest.mkdir(parents=True, exist_ok=True)
    started = clock.now()
    if is_sqlite(database_url):
        db_file = dest / "database.sqlite"
        driver = sqlite_driver()
        source = driver.connect(str(_sqlite_path(database_url)), timeout=60)
        target = driver.connect(str(db_file))
        try:
            source.backup(target)  # all pages in one step: one snapshot, writers not blocked (WAL)
        finally:
            target.close()
            source.close()
        counts = _row_counts(f"sqlite:///{db_file}", tables)
    else:
        db_file = dest / "database.pgdump"
        url, env = _libpq(database_url)
        run = subprocess.run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", f"--file={db_file}", url],
                             env=env, capture_output=True, text=True)
        if run.returncode != 0:
            raise BackupError("pg_dump failed: " + run.stderr.strip())
        counts = {}  # a dump is counted when restored (pg_dump's snapshot cannot be queried afterwards)
    store = media_store(media_root)
    photos, photo_bytes = _copy_media(store, dest)
    manifest = {
        "format": FORMAT,
        "engine": "sqlite" if is_sqlite(database_url) else "postgresql",
        "started_at": started.isoformat(),
        "finished_at": clock.now().isoformat(),
        "database": {"file": db_file.name, "bytes": db_file.stat().st_size, "sha256": _sha256(db_file)},
        "media": {"originals": photos, "bytes": photo_bytes, "store": store.describe()},
        "rows": counts,
    }
    tmp = dest / (MANIFEST + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2))
    os.replace(tmp, dest / MANIFEST)
    return manifest


def read_manifest(src: Path) -> dict[str, Any]:
    path = Path(src) / MANIFEST
    if not path.is_file():
        raise BackupError(f"{src} has no {MANIFEST}: not a finished backup")
    manifest = json.loads(path.read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def verify_backup(src: Path) -> dict[str, Any]:
    """Check the database file's checksum and that every photo's bytes match its name."""
    src = Path(src)
    manifest = read_manifest(src)
    db_file = src / manifest["database"]["file"]
    if not db_file.is_file() or _sha256(db_file) != manifest["database"]["sha256"]:
        raise BackupError(f"{db_file.name} is missing or damaged (checksum differs from the manifest)")
    photos = [p for p in (src / "media" / "originals").rglob("*") if p.is_file()] if (src / "media").exists() else []
    if len(photos) != manifest["media"]["originals"]:
        raise BackupError(f"{len(photos)} photos in the backup, the manifest says {manifest['media']['originals']}")
    for p in photos:
        if _sha256(p) != p.name:
            raise BackupError(f"photo {p.name} is damaged (its bytes no longer match its SHA-256)")
    return manifest


def restore_backup(src: Path, database_url: str, media_root: MediaLike, tables: list[str], *, force: bool = False) -> dict[str, Any]:
    """Restore into a stopped service. Refuses a non-empty target unless `force`. The
    originals go into `media_root`: a MEDIA_ROOT or a media store (see `media_store`)."""
    src = Path(src)
    manifest = verify_backup(src)
    existing = _row_counts(database_url, tables) if _target_exists(database_url) else {}
    if any(existing.values()) and not force:
        raise BackupError("the target database already holds data; stop the service and pass --force to replace it")
    if manifest["engine"] == "sqlite":
        if not is_sqlite(database_url):
            raise BackupError("a SQLite backup restores into a SQLite database")
        target = _sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True)
        staged = target.with_name(target.name + ".restoring")
        shutil.copyfile(src / manifest["database"]["file"], staged)
        for suffix in ("-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        os.replace(staged, target)
    else:
        if is_sqlite(database_url):
            raise BackupError("a PostgreSQL backup restores into a PostgreSQL database")
        drop_product_tables(database_url, tables)
        url, env = _libpq(database_url)
        dump = str(src / manifest["database"]["file"])
        # PostGIS is the database owner's business (CREATE EXTENSION needs a superuser, see
        # docs/deploy.md): restore everything but the extension and its SRID table (we use 4326 only)
        listing = subprocess.run([_tool("pg_restore"), "--list", dump], capture_output=True, text=True, check=True).stdout
        keep = [line for line in listing.splitlines() if " EXTENSION " not in line and "spatial_ref_sys" not in line]
        use_list = src / "restore.list"
        use_list.write_text("\n".join(keep) + "\n")
        run = subprocess.run([_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction", "--exit-on-error",
                              f"--use-list={use_list}", f"--dbname={url}", dump], env=env, capture_output=True, text=True)
        use_list.unlink(missing_ok=True)
        if run.returncode != 0:
            raise BackupError("pg_restore failed: " + run.stderr.strip())
    store = media_store(media_root)
    for path in sorted((src / "media" / "originals").rglob("*")) if (src / "media").exists() else []:
        if path.is_file() and not store.has_original(path.name):  # verified above: the name is the bytes' hash
            f, staged = store.staging_file()
            with f, open(path, "rb") as copy:
                shutil.copyfileobj(copy, f, 1 << 20)
            store.commit_original(path.name, staged)  # read-only, fsynced (filesystem) or one PUT (bucket)
    return {**manifest, "restored_rows": _row_counts(database_url, tables)}


def _target_exists(url: str) -> bool:
    return not is_sqlite(url) or _sqlite_path(url).exists()


def drop_product_tables(url: str, tables: list[str]) -> None:
    """Drop this product's tables (never PostGIS's own), e.g. before a restore."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS " + ", ".join(f'"{t}"' for t in [*tables, "alembic_version"]) + " CASCADE"))
    finally:
        engine.dispose()
