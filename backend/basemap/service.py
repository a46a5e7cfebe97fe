"""Base map rules: what an uploaded MBTiles file must be, where it lives, how a tile is read.
Plain functions over files (no Flask request objects); the views stay thin.

MBTiles (https://github.com/mapbox/mbtiles-spec) is one SQLite file: `metadata` (name,
format, bounds, minzoom, maxzoom) and `tiles` (zoom_level, tile_column, tile_row in TMS
order, tile_data). Raster tiles (png, jpg, webp) are drawn by Leaflet as they are; vector
tiles (pbf) would need a vector renderer on the phone, which the app does not carry yet, so
they are refused with a reason rather than shown as a blank map."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import IO, Any

from ..errors import invalid

RASTER = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
CHUNK = 1 << 20


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
        cached = _described[media_root] = (mtime, json.loads(info.read_text()))
    return cached[1]


def _read_metadata(path: Path) -> dict[str, Any]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
        try:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
            count = con.execute("SELECT count(*) FROM tiles").fetchone()[0]
            zooms = con.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        raise invalid("basemap.not_mbtiles", "文件不是 MBTiles 底图（需含 metadata 与 tiles 表的 SQLite 文件）",
                      "Not an MBTiles file (an SQLite file with metadata and tiles tables)", field="file") from None
    fmt = (meta.get("format") or "").lower()
    if fmt == "pbf":
        raise invalid("basemap.vector_not_supported", "暂不支持矢量瓦片（pbf）底图，请上传栅格（png/jpg/webp）MBTiles",
                      "Vector (pbf) tiles are not drawn yet: upload raster (png/jpg/webp) MBTiles", field="file")
    if fmt not in RASTER:
        raise invalid("basemap.bad_format", f"不支持的瓦片格式：{fmt or '未注明'}", f"Unsupported tile format: {fmt or 'none given'}", field="file")
    if not count:
        raise invalid("basemap.empty", "底图中没有瓦片", "The file holds no tiles", field="file")
    try:
        bounds = [float(v) for v in (meta.get("bounds") or "").split(",")] if meta.get("bounds") else None
    except ValueError:
        bounds = None
    if bounds is not None and (len(bounds) != 4 or not (-180 <= bounds[0] < bounds[2] <= 180 and -90 <= bounds[1] < bounds[3] <= 90)):
        bounds = None
    return {"name": meta.get("name") or "底图", "format": fmt, "bounds": bounds, "minzoom": int(zooms[0]), "maxzoom": int(zooms[1]),
            "tiles": int(count), "attribution": meta.get("attribution") or ""}


def load(media_root: str, body: IO[bytes], max_bytes: int, loaded_by: str, loaded_at: str) -> dict[str, Any]:
    """Store an uploaded MBTiles file (streamed to disk, hashed on the way, checked before it
    replaces the current one: a bad upload leaves the loaded map as it was)."""
    where = folder(media_root)
    fd, tmp = tempfile.mkstemp(dir=where, suffix=".part")
    digest, size = hashlib.sha256(), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := body.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise invalid("basemap.too_large", f"底图文件超过 {max_bytes // (1 << 20)} MB", "The file is too large", field="file",
                                  status=413)
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise invalid("basemap.empty", "没有收到底图文件", "No file was sent", field="file")
        info = {**_read_metadata(Path(tmp)), "sha256": digest.hexdigest(), "bytes": size, "loaded_by": loaded_by, "loaded_at": loaded_at}
        final = where / f"{info['sha256']}.mbtiles"
        os.replace(tmp, final)
        # the description last: a reader sees the old map or the new one, never half of one
        desc = where / "current.json.part"
        desc.write_text(json.dumps(info, ensure_ascii=False))
        os.replace(desc, where / "current.json")
        for old in where.glob("*.mbtiles"):
            if old != final:
                old.unlink(missing_ok=True)
        return info
    finally:
        Path(tmp).unlink(missing_ok=True)


def tile(media_root: str, z: int, x: int, y: int) -> tuple[bytes, str] | None:
    """One tile in the web (XYZ) scheme Leaflet asks for; MBTiles stores TMS rows."""
    info = current(media_root)
    if info is None or not (0 <= z <= 24) or not (0 <= x < 2 ** z) or not (0 <= y < 2 ** z):
        return None
    path = folder(media_root) / f"{info['sha256']}.mbtiles"
    con = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        row = con.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                          (z, x, (1 << z) - 1 - y)).fetchone()
    finally:
        con.close()
    return (bytes(row[0]), RASTER[info["format"]]) if row else None


def remove(media_root: str) -> None:
    shutil.rmtree(folder(media_root), ignore_errors=True)
