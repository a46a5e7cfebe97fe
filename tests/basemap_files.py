"""Base-map files made by the tests (never fetched): MBTiles with sqlite3, PMTiles v3 with the
`pmtiles` package's writer, raster tiles with Pillow and Mapbox Vector Tiles with a small
protobuf encoder below (the MVT 2.1 spec: Tile.layers = 3; Layer: name = 1, features = 2,
keys = 3, values = 4, extent = 5, version = 15; Feature: id = 1, tags = 2, type = 3,
geometry = 4; commands MoveTo 1, LineTo 2, ClosePath 7 with zigzag deltas)."""
from __future__ import annotations

import gzip
import io
import math
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from PIL import Image
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

EXTENT = 4096
# the demo street (蛟川街道, Ningbo): west, south, east, north
BOUNDS = (121.58, 29.94, 121.66, 30.00)
POINT, LINE, POLYGON = 1, 2, 3


# --- tile addresses -------------------------------------------------------------------------

def tile_xy(lat: float, lon: float, z: int) -> tuple[float, float]:
    """The point's position in tile units at zoom z (XYZ scheme), fractional."""
    n = 2 ** z
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n
    return (lon + 180) / 360 * n, y


def tiles_in(bounds: Sequence[float] = BOUNDS, zooms: Iterable[int] = (12, 13, 14)) -> list[tuple[int, int, int]]:
    """Every (z, x, y) covering the bounds."""
    w, s, e, n = bounds
    out = []
    for z in zooms:
        x0, y0 = (int(v) for v in tile_xy(n, w, z))
        x1, y1 = (int(v) for v in tile_xy(s, e, z))
        out += [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
    return out


# --- Mapbox Vector Tiles --------------------------------------------------------------------

def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _field(number: int, payload: bytes | int) -> bytes:
    if isinstance(payload, int):
        return _varint(number << 3) + _varint(payload)
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _packed(values: Iterable[int]) -> bytes:
    return b"".join(_varint(v) for v in values)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 31)


def _geometry(kind: int, parts: Sequence[Sequence[tuple[int, int]]]) -> list[int]:
    out, cx, cy = [], 0, 0
    for part in parts:
        pts = list(part[:-1]) if kind == POLYGON and part[0] == part[-1] else list(part)
        for i, (x, y) in enumerate(pts):
            if i == 0:
                out.append(1 | 1 << 3)  # MoveTo, 1
            elif i == 1:
                out.append(2 | (len(pts) - 1) << 3)  # LineTo, the rest
            out += [_zigzag(x - cx), _zigzag(y - cy)]
            cx, cy = x, y
        if kind == POLYGON:
            out.append(7 | 1 << 3)  # ClosePath
    return out


def mvt(layers: dict[str, list[tuple[int, Sequence[Sequence[tuple[int, int]]], dict[str, str | int]]]]) -> bytes:
    """One vector tile: layer name → [(geometry type, parts in tile pixels 0…EXTENT, properties)].
    Polygons' outer rings run clockwise in tile pixels (y points down), as the spec asks."""
    tile = b""
    for name, features in layers.items():
        keys: list[str] = []
        values: list[str | int] = []
        body = _field(15, 2) + _field(1, name.encode())
        for fid, (kind, parts, props) in enumerate(features, 1):
            tags = []
            for k, v in props.items():
                if k not in keys:
                    keys.append(k)
                if v not in values:
                    values.append(v)
                tags += [keys.index(k), values.index(v)]
            feature = _field(1, fid) + _field(2, _packed(tags)) + _field(3, kind) + _field(4, _packed(_geometry(kind, parts)))
            body += _field(2, feature)
        body += b"".join(_field(3, k.encode()) for k in keys)
        body += b"".join(_field(4, _field(1, v.encode()) if isinstance(v, str) else _field(6, v)) for v in values)
        body += _field(5, EXTENT)
        tile += _field(3, body)
    return tile


def street_tile(z: int, x: int, y: int) -> bytes:
    """The demo street in OpenMapTiles' layer names: a river (water), a main road running
    north–south through 29.97N 121.62E and a side street (transportation, with names), the
    street's name (place). Coordinates reach past the tile's edge: renderers clip."""
    def px(lat: float, lon: float) -> tuple[int, int]:
        tx, ty = tile_xy(lat, lon, z)
        return round((tx - x) * EXTENT), round((ty - y) * EXTENT)

    river = [px(29.962, 121.57), px(29.962, 121.67), px(29.955, 121.67), px(29.955, 121.57), px(29.962, 121.57)]
    return mvt({
        "water": [(POLYGON, [river], {"class": "river"})],
        "transportation": [(LINE, [[px(29.93, 121.62), px(30.01, 121.62)]], {"class": "primary"}),
                           (LINE, [[px(29.975, 121.57), px(29.975, 121.67)]], {"class": "minor"})],
        "transportation_name": [(LINE, [[px(29.93, 121.62), px(30.01, 121.62)]], {"class": "primary", "name": "中官路"})],
        "place": [(POINT, [[px(29.97, 121.62)]], {"class": "suburb", "name": "蛟川街道"})],
    })


VECTOR_LAYERS = ["water", "transportation", "transportation_name", "place"]


# --- raster tiles ---------------------------------------------------------------------------

def png(colour=(200, 30, 30)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buf, "PNG")
    return buf.getvalue()


# --- containers -----------------------------------------------------------------------------

def mbtiles(path: Path, fmt: str = "png", tiles=((15, 27445, 13456),), colour=(200, 30, 30), data=None,
            metadata: dict[str, str] | None = None) -> bytes:
    """A tiny MBTiles: `tiles` are (z, x, y) in the XYZ scheme Leaflet asks for; `data(z, x, y)`
    makes each tile's bytes (a flat PNG of `colour` unless given)."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    meta = {"name": "蛟川街道底图", "format": fmt, "bounds": ",".join(map(str, BOUNDS)), "attribution": "镇海区自然资源局", **(metadata or {})}
    con.executemany("INSERT INTO metadata VALUES (?, ?)", list(meta.items()))
    flat = png(colour)
    for z, x, y in tiles:
        con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data(z, x, y) if data else flat))
    con.commit()
    con.close()
    return path.read_bytes()


def pmtiles(path: Path, tiles: dict[tuple[int, int, int], bytes], tile_type: TileType, compression: Compression = Compression.NONE,
            metadata: dict | None = None, bounds: Sequence[float] = BOUNDS) -> bytes:
    """A PMTiles v3 file of these tiles ((z, x, y) in the XYZ scheme → bytes, stored as given)."""
    w, s, e, n = bounds
    with open(path, "wb") as f:
        writer = Writer(f)
        for tile_id, data in sorted((zxy_to_tileid(*zxy), data) for zxy, data in tiles.items()):
            writer.write_tile(tile_id, data)
        writer.finalize({"tile_type": tile_type, "tile_compression": compression, "min_lon_e7": int(w * 1e7), "min_lat_e7": int(s * 1e7),
                         "max_lon_e7": int(e * 1e7), "max_lat_e7": int(n * 1e7), "center_zoom": 13,
                         "center_lon_e7": int((w + e) / 2 * 1e7), "center_lat_e7": int((s + n) / 2 * 1e7)},
                        {"name": "蛟川街道矢量底图", "attribution": "镇海区自然资源局", **(metadata or {})})
    return path.read_bytes()


def vector_pmtiles(path: Path, zooms: Iterable[int] = (12, 13, 14), gzipped: bool = True) -> bytes:
    """The demo street as vector tiles (OpenMapTiles names), gzipped like planetiler's."""
    tiles = {zxy: (gzip.compress(street_tile(*zxy), mtime=0) if gzipped else street_tile(*zxy)) for zxy in tiles_in(zooms=zooms)}
    return pmtiles(path, tiles, TileType.MVT, Compression.GZIP if gzipped else Compression.NONE,
                   {"vector_layers": [{"id": name, "fields": {}} for name in VECTOR_LAYERS]})


def raster_pmtiles(path: Path, zooms: Iterable[int] = (14, 15), colour=(30, 120, 200)) -> bytes:
    flat = png(colour)
    return pmtiles(path, {zxy: flat for zxy in tiles_in(zooms=zooms)}, TileType.PNG)
