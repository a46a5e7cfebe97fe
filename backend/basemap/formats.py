"""What a tile is, from its bytes and from what its file declares. Pure functions, no files.

Raster tiles (png, jpg, webp) are images the phone draws as they are. Vector tiles are
Mapbox Vector Tiles (MVT, a protobuf message; MBTiles calls the format `pbf`), often
gzip-compressed inside the file; the phone draws them with protomaps-leaflet."""
from __future__ import annotations

import gzip
import zlib
from typing import Any

from .problems import problem

__all__ = ["MAX_LAT", "MAX_ZOOM", "MIMETYPES", "RASTER", "VECTOR", "check", "gunzip", "mvt_layer_names", "sniff"]

RASTER = ("png", "jpg", "webp")
VECTOR = "pbf"
MIMETYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp",
             VECTOR: "application/vnd.mapbox-vector-tile"}
MAX_ZOOM = 24  # the tile route's limit
MAX_LAT = 85.0511287798  # web Mercator's edge; a few metres of slack for files rounded outward
_SLACK = 0.01

_GZIP = b"\x1f\x8b"
_MVT_LAYER_KEY = 0x1A  # field 3 (layers), length-delimited: the only top-level field of a vector tile


def sniff(data: bytes) -> str | None:
    """The format the bytes are in: png, jpg, webp, gzip, pbf (an MVT message) or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(_GZIP):
        return "gzip"
    if data[:1] == bytes([_MVT_LAYER_KEY]):
        return VECTOR
    return None


def gunzip(data: bytes) -> bytes:
    return gzip.decompress(data) if data.startswith(_GZIP) else data


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise ValueError("truncated varint")
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if not b & 0x80:
            return value, pos
        shift += 7


def _fields(buf: bytes):
    """(field number, wire type, value) of one protobuf message; bytes for length-delimited."""
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        elif wire == 2:
            n, pos = _varint(buf, pos)
            value, pos = buf[pos:pos + n], pos + n
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"wire type {wire}")
        if pos > len(buf):
            raise ValueError("truncated field")
        yield number, wire, value


def mvt_layer_names(data: bytes) -> list[str]:
    """The layer names of one vector tile (gzipped or not); ValueError if it is not one."""
    try:
        buf = gunzip(data)
    except (OSError, EOFError, zlib.error) as exc:
        raise ValueError("bad gzip") from exc
    names = []
    for number, wire, layer in _fields(buf):
        if number != 3 or wire != 2:
            raise ValueError(f"field {number} at the top of a vector tile")
        names += [bytes(v).decode("utf-8", "replace") for n, w, v in _fields(layer) if n == 1 and w == 2]
    return names


def _bounds(bounds: Any) -> list[float] | None:
    """West, south, east, north as floats, or None when the file gives none."""
    if bounds is None or bounds == "":
        return None
    try:
        values = [float(v) for v in (bounds.split(",") if isinstance(bounds, str) else bounds)]
    except (TypeError, ValueError):
        raise problem("basemap.bad_bounds", found=str(bounds)[:80]) from None
    if len(values) != 4:
        raise problem("basemap.bad_bounds", found=str(bounds)[:80])
    w, s, e, n = values
    lat = MAX_LAT + _SLACK
    if not (-180 - _SLACK <= w < e <= 180 + _SLACK and -lat <= s < n <= lat):
        raise problem("basemap.bad_bounds", found=values)
    return [max(w, -180.0), max(s, -MAX_LAT), min(e, 180.0), min(n, MAX_LAT)]


def check(declared: dict[str, Any], sample: bytes | None) -> dict[str, Any]:
    """The description of a file from what it declares (`format`, `compression`, `bounds`,
    `minzoom`, `maxzoom`, `vector_layers`) and one of its tiles: checked, and completed with
    `kind`, the actual `compression` and, for vector tiles, the layer names. Refusals name
    the field `file`."""
    fmt = {"jpeg": "jpg", "mvt": VECTOR}.get(declared["format"], declared["format"])
    if fmt not in RASTER and fmt != VECTOR:
        raise problem("basemap.bad_format", found=fmt or "—")
    minzoom, maxzoom = declared["minzoom"], declared["maxzoom"]
    if not (0 <= minzoom <= maxzoom <= MAX_ZOOM):
        raise problem("basemap.bad_zoom", minzoom=minzoom, maxzoom=maxzoom)
    if sample is None:
        raise problem("basemap.empty")
    layers = list(declared.get("vector_layers") or [])
    compression = "none"
    if fmt == VECTOR:
        if declared.get("compression") not in (None, "none", "gzip"):
            raise problem("basemap.bad_compression", found=declared["compression"])
        compression = "gzip" if sniff(sample) == "gzip" else "none"
        try:
            in_sample = mvt_layer_names(sample)
        except ValueError:
            raise problem("basemap.tile_mismatch", declared=fmt, found=sniff(sample) or "unknown") from None
        layers = layers or sorted(set(in_sample))
    else:
        found = sniff(sample)
        if found not in RASTER:  # an image of another raster format still draws; anything else does not
            raise problem("basemap.tile_mismatch", declared=fmt, found=found or "unknown")
    return {"kind": "vector" if fmt == VECTOR else "raster", "format": fmt, "compression": compression,
            "bounds": _bounds(declared.get("bounds")), "minzoom": minzoom, "maxzoom": maxzoom, "vector_layers": layers}
