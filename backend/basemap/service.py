"""Base map rules: what an uploaded file must be, where it lives, how a tile is read.
Plain functions over files (no Flask request objects); the views stay thin.

Two containers are read: MBTiles (an SQLite file, `mbtiles.py`) and PMTiles v3 (one file
with a header and directories, `pmtiles_file.py`). Either holds raster tiles (png, jpg,
webp: Leaflet draws them as images) or vector tiles (MVT, gzipped or not: the phone draws
them with protomaps-leaflet). The kind is decided once, at upload, from what the file
declares checked against one of its tiles (`formats.check`); every tile is then served in
the web (XYZ) scheme from one endpoint, whatever the container."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import IO, Any, NamedTuple

from . import formats, mbtiles, pmtiles_file
from .problems import problem

__all__ = ["CONTAINERS", "Tile", "current", "describe_file", "folder", "load", "remove", "tile"]

CHUNK = 1 << 20
# container → (its first bytes, its reader module)
CONTAINERS = {"mbtiles": (mbtiles.MAGIC, mbtiles), "pmtiles": (pmtiles_file.MAGIC, pmtiles_file)}
# a description stored before PMTiles and vector tiles were read: a raster MBTiles
_DEFAULTS = {"container": "mbtiles", "kind": "raster", "compression": "none", "vector_layers": []}


class Tile(NamedTuple):
    data: bytes
    mimetype: str
    encoding: str | None  # "gzip" when `data` is gzip to be sent with Content-Encoding


def folder(media_root: str) -> Path:
    path = Path(media_root) / "basemap"
    path.mkdir(parents=True, exist_ok=True)
    return path


_described: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}  # media root → ((inode, mtime) of current.json, its description)


def current(media_root: str) -> dict[str, Any] | None:
    """The loaded base map's description, or None. Read again only when the file changed: a
    phone downloading the map asks for thousands of tiles, each of which needs it."""
    info = folder(media_root) / "current.json"
    try:
        st = info.stat()
        mtime = (st.st_ino, st.st_mtime_ns)  # a load replaces the file: a new inode even within one clock tick
    except FileNotFoundError:
        _described.pop(media_root, None)
        return None
    cached = _described.get(media_root)
    if cached is None or cached[0] != mtime:
        cached = _described[media_root] = (mtime, {**_DEFAULTS, **json.loads(info.read_text())})
    return cached[1]


def _container(path: Path) -> str:
    with open(path, "rb") as f:
        head = f.read(16)
    for name, (magic, _reader) in CONTAINERS.items():
        if head.startswith(magic):
            return name
    raise problem("basemap.unknown_file")


def describe_file(path: Path) -> dict[str, Any]:
    """The checked description of a tile file (refusals name the field `file`)."""
    container = _container(path)
    declared, sample = CONTAINERS[container][1].declared(path)
    return {"name": declared["name"], "container": container, **formats.check(declared, sample), "tiles": declared["tiles"],
            "attribution": declared["attribution"]}


def load(media_root: str, body: IO[bytes], max_bytes: int, loaded_by: str, loaded_at: str) -> dict[str, Any]:
    """Store an uploaded MBTiles or PMTiles file (streamed to disk, hashed on the way, checked
    before it replaces the current one: a bad upload leaves the loaded map as it was)."""
    where = folder(media_root)
    fd, tmp = tempfile.mkstemp(dir=where, suffix=".part")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := body.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise problem("basemap.too_large", max_mb=max_bytes // (1 << 20))
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise problem("basemap.empty")
        info = {**describe_file(Path(tmp)), "sha256": digest.hexdigest(), "bytes": size, "loaded_by": loaded_by, "loaded_at": loaded_at}
        final = _path(where, info)
        os.replace(tmp, final)
        # the description last: a reader sees the old map or the new one, never half of one
        desc = where / "current.json.part"
        desc.write_text(json.dumps(info, ensure_ascii=False))
        os.replace(desc, where / "current.json")
        for container in CONTAINERS:
            for old in where.glob(f"*.{container}"):
                if old != final:
                    old.unlink(missing_ok=True)
        return info
    finally:
        Path(tmp).unlink(missing_ok=True)


def _path(where: Path, info: dict[str, Any]) -> Path:
    return where / f"{info['sha256']}.{info['container']}"


def tile(media_root: str, z: int, x: int, y: int, accept_gzip: bool = True) -> Tile | None:
    """One tile in the web (XYZ) scheme the phone asks for, or None. A gzipped vector tile
    stays gzipped for a client that accepts gzip (the browser inflates it, and the bytes on
    the wire stay small for a whole map's download); any other client gets it inflated."""
    info = current(media_root)
    if info is None or not (0 <= z <= formats.MAX_ZOOM) or not (0 <= x < 2 ** z) or not (0 <= y < 2 ** z):
        return None
    data = CONTAINERS[info["container"]][1].read(_path(folder(media_root), info), z, x, y)
    if data is None:
        return None
    if info["kind"] == "vector":
        gzipped = formats.sniff(data) == "gzip"  # per tile: MBTiles does not say, and some files mix
        if gzipped and not accept_gzip:
            return Tile(formats.gunzip(data), formats.MIMETYPES[formats.VECTOR], None)
        return Tile(data, formats.MIMETYPES[formats.VECTOR], "gzip" if gzipped else None)
    found = formats.sniff(data)  # the image's own type: a file that calls its jpg tiles png still draws
    return Tile(data, formats.MIMETYPES[found if found in formats.RASTER else info["format"]], None)


def remove(media_root: str) -> None:
    shutil.rmtree(folder(media_root), ignore_errors=True)
