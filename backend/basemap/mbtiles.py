"""MBTiles (https://github.com/mapbox/mbtiles-spec): one SQLite file, `metadata` (name,
format, bounds, json with vector_layers …) and `tiles` (zoom_level, tile_column, tile_row
in TMS order, tile_data)."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from .problems import problem

__all__ = ["MAGIC", "declared", "read"]

MAGIC = b"SQLite format 3\x00"


def _connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)


def declared(path: Path) -> tuple[dict[str, Any], bytes | None]:
    """What the file says of itself, and one of its tiles (None when it has none)."""
    try:
        con = _connect(path)
        try:
            meta = dict(con.execute("SELECT name, value FROM metadata").fetchall())
            count = con.execute("SELECT count(*) FROM tiles").fetchone()[0]
            zooms = con.execute("SELECT min(zoom_level), max(zoom_level) FROM tiles").fetchone()
            sample = con.execute("SELECT tile_data FROM tiles LIMIT 1").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError:
        raise problem("basemap.not_mbtiles") from None
    if not count:
        raise problem("basemap.empty")
    try:
        layers = [str(layer["id"]) for layer in json.loads(meta.get("json") or "{}").get("vector_layers", [])]
    except (ValueError, TypeError, KeyError, AttributeError):
        layers = []  # a file without (or with a broken) layer list: the tiles' own names are used
    return {"name": meta.get("name") or "底图", "format": (meta.get("format") or "").lower(), "compression": meta.get("compression"),
            "bounds": meta.get("bounds"), "minzoom": int(zooms[0]), "maxzoom": int(zooms[1]), "tiles": int(count),
            "attribution": meta.get("attribution") or "", "vector_layers": layers}, (bytes(sample[0]) if sample else None)


def read(path: Path, z: int, x: int, y: int) -> bytes | None:
    """One tile by its XYZ address (the file keeps TMS rows)."""
    con = _connect(path)
    try:
        row = con.execute("SELECT tile_data FROM tiles WHERE zoom_level=? AND tile_column=? AND tile_row=?",
                          (z, x, (1 << z) - 1 - y)).fetchone()
    finally:
        con.close()
    return bytes(row[0]) if row else None
