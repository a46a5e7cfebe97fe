"""PMTiles v3 (https://github.com/protomaps/PMTiles/blob/main/spec/v3/spec.md): one file, a
127-byte header (tile type, compressions, zooms, bounds), a gzipped root directory,
gzipped JSON metadata, leaf directories and the tile data. Read with the `pmtiles`
package's header and directory functions; directories are kept in memory per file (the
stored file never changes under its name, which is its SHA-256)."""
from __future__ import annotations

import functools
import gzip
import json
import zlib
from pathlib import Path
from typing import Any

from pmtiles.tile import (
    Compression,
    Entry,
    MagicNumberNotFound,
    SpecVersionUnsupported,
    TileType,
    deserialize_directory,
    deserialize_header,
    find_tile,
    zxy_to_tileid,
)

from .problems import problem

__all__ = ["MAGIC", "declared", "read"]

MAGIC = b"PMTiles"
HEADER_BYTES = 127
MAX_DEPTH = 4  # root and at most three levels of leaves (the spec's limit)
_FORMATS = {TileType.MVT: "pbf", TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp", TileType.AVIF: "avif",
            TileType.MLT: "mlt", TileType.UNKNOWN: ""}
_COMPRESSIONS = {Compression.NONE: "none", Compression.GZIP: "gzip", Compression.BROTLI: "br", Compression.ZSTD: "zstd",
                 Compression.UNKNOWN: None}


def _read(path: Path, offset: int, length: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(length)


@functools.lru_cache(maxsize=16)
def _header(path: Path) -> dict[str, Any]:
    return deserialize_header(_read(path, 0, HEADER_BYTES))


@functools.lru_cache(maxsize=64)
def _directory(path: Path, offset: int, length: int) -> list[Entry]:
    return deserialize_directory(_read(path, offset, length))


def _find(path: Path, header: dict[str, Any], tile_id: int) -> Entry | None:
    """The directory entry holding `tile_id` (a run of tiles), or None."""
    offset, length = header["root_offset"], header["root_length"]
    for _ in range(MAX_DEPTH):
        entry = find_tile(_directory(path, offset, length), tile_id)
        if entry is None or entry.run_length > 0:
            return entry
        offset, length = header["leaf_directory_offset"] + entry.offset, entry.length
    return None


def _first_tile(path: Path, header: dict[str, Any]) -> bytes | None:
    offset, length = header["root_offset"], header["root_length"]
    for _ in range(MAX_DEPTH):
        entries = _directory(path, offset, length)
        if not entries:
            return None
        if entries[0].run_length > 0:
            return _read(path, header["tile_data_offset"] + entries[0].offset, entries[0].length)
        offset, length = header["leaf_directory_offset"] + entries[0].offset, entries[0].length
    return None


def _count(path: Path, header: dict[str, Any], offset: int, length: int, depth: int = 0) -> int:
    """Tiles addressed under one directory (for files whose header leaves the count out)."""
    if depth >= MAX_DEPTH:
        return 0
    return sum(e.run_length if e.run_length else _count(path, header, header["leaf_directory_offset"] + e.offset, e.length, depth + 1)
               for e in _directory(path, offset, length))


def declared(path: Path) -> tuple[dict[str, Any], bytes | None]:
    """What the file says of itself, and one of its tiles (None when it has none). A file
    whose parts lie outside it, or do not decompress, is refused as damaged."""
    size = path.stat().st_size
    try:
        header = deserialize_header(_read(path, 0, HEADER_BYTES))
    except SpecVersionUnsupported:
        raise problem("basemap.pmtiles_version") from None
    except (MagicNumberNotFound, ValueError, IndexError, UnicodeDecodeError):  # ValueError: a compression or type code no spec names
        raise problem("basemap.not_pmtiles") from None
    parts = [(header["root_offset"], header["root_length"]), (header["metadata_offset"], header["metadata_length"]),
             (header["leaf_directory_offset"], header["leaf_directory_length"]), (header["tile_data_offset"], header["tile_data_length"])]
    if size < HEADER_BYTES or any(offset + length > size for offset, length in parts) or not header["root_length"]:
        raise problem("basemap.not_pmtiles")
    if header["internal_compression"] != Compression.GZIP:  # directories are gzip in every writer we know; the reader reads only that
        raise problem("basemap.bad_compression", found=f"directories: {_COMPRESSIONS[header['internal_compression']]}")
    try:
        raw = _read(path, header["metadata_offset"], header["metadata_length"])
        metadata = json.loads(gzip.decompress(raw)) if raw else {}
        sample = _first_tile(path, header)
        tiles = header["addressed_tiles_count"] or _count(path, header, header["root_offset"], header["root_length"])
    except (OSError, EOFError, zlib.error, ValueError):
        raise problem("basemap.not_pmtiles") from None
    if not isinstance(metadata, dict):
        metadata = {}
    layers = metadata.get("vector_layers")
    layers = [str(v["id"]) for v in layers if isinstance(v, dict) and "id" in v] if isinstance(layers, list) else []
    bounds = [header["min_lon_e7"] / 1e7, header["min_lat_e7"] / 1e7, header["max_lon_e7"] / 1e7, header["max_lat_e7"] / 1e7]
    return {"name": str(metadata.get("name") or "底图"), "format": _FORMATS[header["tile_type"]],
            "compression": _COMPRESSIONS[header["tile_compression"]], "bounds": bounds,
            "minzoom": header["min_zoom"], "maxzoom": header["max_zoom"],
            "tiles": tiles,
            "attribution": str(metadata.get("attribution") or ""), "vector_layers": layers}, sample


def read(path: Path, z: int, x: int, y: int) -> bytes | None:
    """One tile by its XYZ address (PMTiles numbers tiles along a Hilbert curve)."""
    header = _header(path)
    entry = _find(path, header, zxy_to_tileid(z, x, y))
    return _read(path, header["tile_data_offset"] + entry.offset, entry.length) if entry else None
