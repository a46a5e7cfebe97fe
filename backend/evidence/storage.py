"""Where evidence bytes (photos, video, audio) live: the filesystem store below, or an
S3-compatible object store (s3store.py: SeaweedFS, MinIO, a cloud bucket) with the same
small interface, chosen by MEDIA_STORE_URL (`make_store`).

Originals are immutable: written to a temporary file, fsynced, renamed into place, never
rewritten. Paths are derived from the hash alone and never leave this module.
"""
from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Iterator, Mapping, Protocol

SHA_RE = re.compile(r"^[0-9a-f]{64}$")
VARIANTS = ("thumb", "display", "still")  # still: a video's poster frame or a recording's waveform, unwatermarked (never served)


class MediaStore(Protocol):
    def has_original(self, sha256: str) -> bool: ...
    def open_original(self, sha256: str) -> BinaryIO: ...
    def local_original(self, sha256: str) -> Path: ...  # a file ffprobe/ffmpeg can read (an S3 store downloads to tmp/): use local_copy()
    def commit_original(self, sha256: str, staged: Path, synced: bool = False) -> None: ...
    def iter_originals(self) -> Iterator[str]: ...  # every original's hash (backups)
    def put_derived(self, sha256: str, variant: str, data: bytes) -> None: ...
    def has_derived(self, sha256: str, variant: str) -> bool: ...
    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None: ...
    # resumable uploads
    def partial_size(self, sha256: str) -> int: ...
    def append_partial(self, sha256: str, chunks: Iterator[bytes], limit: int) -> int: ...
    def partial_head(self, sha256: str, n: int) -> bytes: ...
    def take_partial(self, sha256: str) -> tuple[str, Path]: ...  # (sha256 of the bytes, a staged file); the partial is gone
    def truncate_partial(self, sha256: str, size: int) -> None: ...
    def discard_partial(self, sha256: str) -> None: ...
    def staging_file(self) -> tuple[BinaryIO, Path]: ...  # always local: the request in hand, never across requests
    def describe(self) -> str: ...


def make_store(config: Mapping[str, Any]) -> MediaStore:
    """MEDIA_STORE_URL `s3://bucket[/prefix]?endpoint_url=...` → S3Store; empty → the
    filesystem under MEDIA_ROOT (which an S3 store still uses for its local staging)."""
    url = (config.get("MEDIA_STORE_URL") or "").strip()
    if not url or url.startswith("file:"):
        return FilesystemStore(config["MEDIA_ROOT"])
    if url.startswith("s3:"):
        from .s3store import S3Store, parse_s3_url

        return S3Store(local_root=config["MEDIA_ROOT"], **parse_s3_url(url))
    raise ValueError("MEDIA_STORE_URL must be empty (the filesystem under MEDIA_ROOT) or s3://bucket[/prefix]?endpoint_url=...")


@contextmanager
def local_copy(store: MediaStore, sha256: str) -> Iterator[Path]:
    """An original as a local file for ffprobe/ffmpeg; a temporary download is removed after."""
    path = store.local_original(sha256)
    try:
        yield path
    finally:
        if getattr(store, "local_copies", False):
            path.unlink(missing_ok=True)


class TooLarge(Exception):
    pass


def fsync_file(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class FilesystemStore:
    """`MEDIA_ROOT/originals/ab/cd/<sha>`, `derived/ab/cd/<sha>.<variant>.jpg`,
    `partial/<sha>.part`, `tmp/` for staging (same filesystem, so rename is atomic)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        for sub in ("originals", "derived", "partial", "tmp"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)

    def _check(self, sha256: str) -> str:
        if not SHA_RE.match(sha256):  # the only input that builds a path
            raise ValueError("not a sha256")
        return sha256

    def _original(self, sha256: str) -> Path:
        s = self._check(sha256)
        return self.root / "originals" / s[:2] / s[2:4] / s

    def _derived(self, sha256: str, variant: str) -> Path:
        s = self._check(sha256)
        if variant not in VARIANTS:
            raise ValueError("unknown variant")
        return self.root / "derived" / s[:2] / s[2:4] / f"{s}.{variant}.jpg"

    def describe(self) -> str:
        return str(self.root)

    def has_original(self, sha256: str) -> bool:
        return self._original(sha256).is_file()

    def iter_originals(self) -> Iterator[str]:
        for path in sorted((self.root / "originals").rglob("*")):
            if path.is_file() and SHA_RE.match(path.name):
                yield path.name

    def open_original(self, sha256: str) -> BinaryIO:
        return open(self._original(sha256), "rb")

    def local_original(self, sha256: str) -> Path:
        return self._original(sha256)

    def staging_file(self) -> tuple[BinaryIO, Path]:
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", prefix="up-")
        return os.fdopen(fd, "w+b"), Path(name)

    def commit_original(self, sha256: str, staged: Path, synced: bool = False) -> None:
        """fsync the staged file (unless the caller did), rename it into place
        read-only, fsync the directory."""
        dest = self._original(sha256)
        dest.parent.mkdir(parents=True, exist_ok=True)
        if not synced:
            fsync_file(staged)
        os.chmod(staged, 0o444)
        if dest.exists():  # a concurrent upload of the same bytes won: keep theirs
            staged.unlink(missing_ok=True)
            return
        os.replace(staged, dest)
        _fsync_dir(dest.parent)

    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        dest = self._derived(sha256, variant)
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self.root / "tmp", prefix="dv-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(name, dest)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise

    def has_derived(self, sha256: str, variant: str) -> bool:
        return self._derived(sha256, variant).is_file()

    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None:
        path = self._derived(sha256, variant)
        return open(path, "rb") if path.is_file() else None

    def partial_path(self, sha256: str) -> Path:
        return self.root / "partial" / f"{self._check(sha256)}.part"

    def partial_size(self, sha256: str) -> int:
        path = self.partial_path(sha256)
        return path.stat().st_size if path.exists() else 0

    def append_partial(self, sha256: str, chunks: Iterator[bytes], limit: int) -> int:
        """Append a chunk stream; fsync so an acknowledged offset survives a crash."""
        path = self.partial_path(sha256)
        with open(path, "ab") as f:
            start = size = f.tell()
            try:
                for chunk in chunks:
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge()
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            except OSError:  # disk full or I/O error: keep only what was acknowledged before
                f.truncate(start)
                raise
        return size

    def partial_head(self, sha256: str, n: int) -> bytes:
        path = self.partial_path(sha256)
        if not path.exists():
            return b""
        with open(path, "rb") as f:
            return f.read(n)

    def take_partial(self, sha256: str) -> tuple[str, Path]:
        """Hash the finished partial file and move it into tmp/ for finalizing."""
        path = self.partial_path(sha256)
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
        f2, staged = self.staging_file()
        f2.close()
        path.replace(staged)
        return h.hexdigest(), staged

    def truncate_partial(self, sha256: str, size: int) -> None:
        path = self.partial_path(sha256)
        if path.exists():
            with open(path, "r+b") as f:
                f.truncate(size)

    def discard_partial(self, sha256: str) -> None:
        self.partial_path(sha256).unlink(missing_ok=True)

    def usage_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.rglob("*") if p.is_file())


def copy_stream(src: BinaryIO, dst: BinaryIO, size: int = 1 << 16) -> None:
    shutil.copyfileobj(src, dst, size)
