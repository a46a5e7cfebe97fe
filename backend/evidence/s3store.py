"""Evidence bytes in an S3-compatible object store (SeaweedFS, MinIO, a cloud bucket):
the same MediaStore as FilesystemStore, so every node of a cluster sees every file.

Keys, under an optional prefix (`s3://bucket/prefix`):
  originals/ab/cd/<sha>              the file as uploaded, written once when verified
  derived/ab/cd/<sha>.<variant>.jpg  watermarked copies and the kept still, beside it
  partial/<sha>/<offset>             one object per acknowledged chunk of a resumable upload

Nothing is visible before it is whole: an S3 PUT (or a completed multipart upload) appears
at once or not at all, and an original is put only after the service verified its hash and
content from a local staging file. Resumable chunks are objects of their own (S3 multipart
parts must be ≥ 5 MiB, the phone sends 256 KiB): any node can take the next chunk, and the
last one streams the parts, in order, into a local staging file that is hashed, inspected
and then put as the original. Reads of an original are ranged GETs: a seek to the end of a
gigabyte clip does not fetch what comes before it.

Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a
profile, an instance role); they never appear in MEDIA_STORE_URL.
"""
from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Iterator
from urllib.parse import parse_qs, urlsplit

from .storage import SHA_RE, VARIANTS, TooLarge

__all__ = ["S3Store", "parse_s3_url"]

OFFSET_DIGITS = 12  # zero-padded offsets list in byte order (up to ~1 TB)
SPOOL_IN_MEMORY = 8 << 20  # a chunk larger than this is spooled to local tmp/ before its PUT
READ_BLOCK = 1 << 16
SINGLE_PUT_MAX = 4 << 30  # larger originals go up as a multipart upload (S3 caps one PUT at 5 GB)


def parse_s3_url(url: str) -> dict[str, Any]:
    """`s3://bucket[/prefix]?endpoint_url=http://127.0.0.1:8333&region=us-east-1` →
    S3Store's keyword arguments (no credentials: boto3 finds those)."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("MEDIA_STORE_URL must look like s3://bucket[/prefix][?endpoint_url=...&region=...]")
    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    unknown = set(query) - {"endpoint_url", "region"}
    if unknown:
        raise ValueError(f"MEDIA_STORE_URL: unknown option(s) {', '.join(sorted(unknown))} (endpoint_url, region)")
    return {"bucket": parts.netloc, "prefix": parts.path.strip("/"), "endpoint_url": query.get("endpoint_url"),
            "region": query.get("region")}


def _check(sha256: str) -> str:
    if not SHA_RE.match(sha256):  # the only input that builds a key
        raise ValueError("not a sha256")
    return sha256


class _RangedReader(io.RawIOBase):
    """An original as a seekable file: one GET from the position on, opened at the first
    read after a seek (wrapped in a BufferedReader, small seeks within its buffer cost nothing)."""

    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        super().__init__()
        self._client, self._bucket, self._key, self._size = client, bucket, key, size
        self._pos = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        pos = max(0, base + offset)
        if pos != self._pos:
            self._drop()
            self._pos = pos
        return self._pos

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._size - self._pos)
        if want <= 0:
            return 0
        if self._body is None:
            resp = self._client.get_object(Bucket=self._bucket, Key=self._key, Range=f"bytes={self._pos}-")
            self._body = resp["Body"]
        data = self._body.read(want)
        if not data:
            raise OSError(f"{self._key}: the object store ended the read at byte {self._pos} of {self._size}")
        n = len(data)
        buffer[:n] = data
        self._pos += n
        return n

    def _drop(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def close(self) -> None:
        self._drop()
        super().close()


class S3Store:
    """A MediaStore over one bucket. `local_root` (MEDIA_ROOT) keeps only this node's
    transient files: staging of the request in hand (tmp/) and copies for ffprobe."""

    local_copies = True  # local_original() returns a temporary download: callers remove it (storage.local_copy)

    def __init__(self, bucket: str, local_root: str | Path, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, client: Any = None) -> None:
        import boto3
        from botocore.config import Config as BotoConfig

        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.endpoint_url = endpoint_url
        self.local_root = Path(local_root).resolve()
        self.tmp = self.local_root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self.client = client or boto3.client(
            "s3", endpoint_url=endpoint_url, region_name=region or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1",
            # a store that is down answers the phone within seconds (503 media.store_unavailable),
            # not after minutes of botocore's default 60 s timeouts and retries
            config=BotoConfig(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"},
                              connect_timeout=3, read_timeout=30, max_pool_connections=32),
        )

    def __repr__(self) -> str:
        return f"S3Store(s3://{self.bucket}/{self.prefix})"

    def describe(self) -> str:
        """Where the bytes are, for a backup's manifest (never credentials)."""
        return f"s3://{self.bucket}/{self.prefix}" + (f" at {self.endpoint_url}" if self.endpoint_url else "")

    # --- keys ------------------------------------------------------------------------------
    def _original(self, sha256: str) -> str:
        s = _check(sha256)
        return f"{self.prefix}originals/{s[:2]}/{s[2:4]}/{s}"

    def _derived(self, sha256: str, variant: str) -> str:
        s = _check(sha256)
        if variant not in VARIANTS:
            raise ValueError("unknown variant")
        return f"{self.prefix}derived/{s[:2]}/{s[2:4]}/{s}.{variant}.jpg"

    def _partial_prefix(self, sha256: str) -> str:
        return f"{self.prefix}partial/{_check(sha256)}/"

    # --- small helpers ---------------------------------------------------------------------
    def _size(self, key: str) -> int | None:
        from botocore.exceptions import ClientError

        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", [])

    def _delete(self, keys: list[str]) -> None:
        for i in range(0, len(keys), 1000):
            batch = keys[i:i + 1000]
            if batch:
                self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})

    # --- originals ---------------------------------------------------------------------------
    def has_original(self, sha256: str) -> bool:
        return self._size(self._original(sha256)) is not None

    def open_original(self, sha256: str) -> BinaryIO:
        key = self._original(sha256)
        size = self._size(key)
        if size is None:
            raise FileNotFoundError(key)
        return io.BufferedReader(_RangedReader(self.client, self.bucket, key, size), READ_BLOCK)  # type: ignore[return-value]

    def local_original(self, sha256: str) -> Path:
        """A temporary local copy for ffprobe/ffmpeg (remove it when done: storage.local_copy)."""
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="lo-")
        os.close(fd)
        try:
            self.client.download_file(self.bucket, self._original(sha256), name)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
        return Path(name)

    def staging_file(self) -> tuple[BinaryIO, Path]:
        fd, name = tempfile.mkstemp(dir=self.tmp, prefix="up-")
        return os.fdopen(fd, "w+b"), Path(name)

    def commit_original(self, sha256: str, staged: Path, synced: bool = False) -> None:
        """Put the verified staged file as the original (one PUT, or a multipart upload that
        appears only when complete), then remove the staged file. Same bytes already there
        (a concurrent upload won): keep theirs."""
        key = self._original(sha256)
        try:
            if self._size(key) is not None:
                return
            if staged.stat().st_size <= SINGLE_PUT_MAX:  # one streamed PUT: memory stays bounded
                with open(staged, "rb") as body:
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
            else:  # beyond S3's 5 GB single PUT: a multipart upload, visible when complete
                self.client.upload_file(str(staged), self.bucket, key)
        finally:
            staged.unlink(missing_ok=True)

    def iter_originals(self) -> Iterator[str]:
        """Every original's hash (for backups)."""
        for obj in self._list(f"{self.prefix}originals/"):
            name = obj["Key"].rsplit("/", 1)[-1]
            if SHA_RE.match(name):
                yield name

    # --- derived copies ----------------------------------------------------------------------
    def put_derived(self, sha256: str, variant: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._derived(sha256, variant), Body=data, ContentType="image/jpeg")

    def has_derived(self, sha256: str, variant: str) -> bool:
        return self._size(self._derived(sha256, variant)) is not None

    def open_derived(self, sha256: str, variant: str) -> BinaryIO | None:
        try:
            resp = self.client.get_object(Bucket=self.bucket, Key=self._derived(sha256, variant))
        except self.client.exceptions.NoSuchKey:
            return None
        with resp["Body"] as body:
            return io.BytesIO(body.read())

    # --- resumable uploads: one object per acknowledged chunk --------------------------------
    def _parts(self, sha256: str) -> list[tuple[int, int, str]]:
        """(offset, size, key) of the stored chunks, in order."""
        parts = []
        for obj in self._list(self._partial_prefix(sha256)):
            name = obj["Key"].rsplit("/", 1)[-1]
            if name.isdigit():
                parts.append((int(name), int(obj["Size"]), obj["Key"]))
        return sorted(parts)

    def _contiguous(self, sha256: str) -> tuple[list[tuple[int, int, str]], int]:
        """The chunks that follow on from byte 0 without a gap, and where they end (a part
        left beyond a gap, e.g. by a crash between truncate's deletes, is ignored)."""
        run, end = [], 0
        for offset, size, key in self._parts(sha256):
            if offset != end:
                break
            run.append((offset, size, key))
            end += size
        return run, end

    def partial_size(self, sha256: str) -> int:
        return self._contiguous(sha256)[1]

    def partial_head(self, sha256: str, n: int) -> bytes:
        out = b""
        for _, _, key in self._contiguous(sha256)[0]:
            if len(out) >= n:
                break
            resp = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{n - len(out) - 1}")
            with resp["Body"] as body:
                out += body.read()
        return out[:n]

    def append_partial(self, sha256: str, chunks: Iterator[bytes], limit: int) -> int:
        """Read the chunk stream whole, then PUT it as the part at the current end: an
        offset is acknowledged only once its part is stored; a stream that fails midway
        stores nothing. (A short body — a cut-off connection — keeps what arrived.)"""
        start = size = self.partial_size(sha256)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY, dir=self.tmp, prefix="pt-") as spool:
            for chunk in chunks:
                size += len(chunk)
                if size > limit:
                    raise TooLarge()
                spool.write(chunk)
            if size > start:
                spool.seek(0)
                self.client.put_object(Bucket=self.bucket, Key=f"{self._partial_prefix(sha256)}{start:0{OFFSET_DIGITS}d}",
                                       Body=spool, ContentLength=size - start)
        return size

    def truncate_partial(self, sha256: str, size: int) -> None:
        doomed = []
        for offset, length, key in self._parts(sha256):
            if offset >= size:
                doomed.append(key)
            elif offset + length > size:  # the part that spans the cut keeps its head
                resp = self.client.get_object(Bucket=self.bucket, Key=key, Range=f"bytes=0-{size - offset - 1}")
                with resp["Body"] as body:
                    self.client.put_object(Bucket=self.bucket, Key=key, Body=body.read())
        self._delete(doomed)

    def discard_partial(self, sha256: str) -> None:
        self._delete([key for _, _, key in self._parts(sha256)])

    def take_partial(self, sha256: str) -> tuple[str, Path]:
        """Assemble a finished upload: stream its parts in order into a local staging file,
        hashing as they pass; remove the parts. Returns (sha256 of the bytes, staged file)."""
        parts, _ = self._contiguous(sha256)
        h = hashlib.sha256()
        f, staged = self.staging_file()
        try:
            with f:
                for _, _, key in parts:
                    resp = self.client.get_object(Bucket=self.bucket, Key=key)
                    with resp["Body"] as body:
                        for block in iter(lambda: body.read(1 << 20), b""):
                            h.update(block)
                            f.write(block)
        except BaseException:
            staged.unlink(missing_ok=True)
            raise
        self.discard_partial(sha256)
        return h.hexdigest(), staged

    def usage_bytes(self) -> int:
        return sum(int(obj["Size"]) for obj in self._list(self.prefix))
