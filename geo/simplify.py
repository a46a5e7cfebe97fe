"""Douglas–Peucker simplification in metres (not degrees), with a bounded error."""
from __future__ import annotations

import threading
from typing import Sequence

import numpy as np
from pyproj import Transformer
import shapely
from shapely import LineString

from .track import Fix

__all__ = ["local_transformer", "simplify_fixes"]


def local_transformer(lon0: float, lat0: float) -> Transformer:
    """WGS-84 → an azimuthal equidistant plane centred on (lon0, lat0), in metres.

    Over a patrol's extent (a few km) its distortion is far below GPS noise. The centre
    is rounded to 0.01° (~1 km) so that transformers are reused: building one costs ~9 ms.
    """
    key = (round(lon0, 2), round(lat0, 2))
    cache = _local.__dict__.setdefault("transformers", {})  # per thread: a Transformer is not shared
    tr = cache.get(key)
    if tr is None:
        if len(cache) > 256:
            cache.clear()
        tr = cache[key] = Transformer.from_proj(
            "EPSG:4326", f"+proj=aeqd +lat_0={key[1]} +lon_0={key[0]} +datum=WGS84 +units=m", always_xy=True)
    return tr


_local = threading.local()


def _kept_indices(xy: np.ndarray, tolerance: float) -> list[int]:
    """Indices kept by Douglas–Peucker (endpoints always kept; distance to the segment,
    not the infinite line, so the bound holds for spikes too).

    GEOS does the simplification (shapely's `simplify`, in C: ~50× faster than the
    numpy loop this replaced); it copies the surviving vertices exactly and in order,
    so one forward walk recovers *which* fixes survive — we need the indices to keep
    each fix's timestamp, accuracy and speed.
    """
    kept = shapely.simplify(LineString(xy), tolerance, preserve_topology=False).coords
    points = list(map(tuple, xy.tolist()))
    out = []
    j = 0
    for xy_kept in kept:
        while points[j] != xy_kept:
            j += 1
        out.append(j)
        j += 1
    out[-1] = len(points) - 1  # the last vertex is always the last fix, even after repeats
    return out


def simplify_fixes(fixes: Sequence[Fix], tolerance_m: float) -> list[Fix]:
    """Keep a subset of the fixes so that every dropped fix lies within `tolerance_m`
    metres of the simplified polyline. Endpoints are always kept."""
    if len(fixes) <= 2 or tolerance_m <= 0:
        return list(fixes)
    lon = np.fromiter((f.lon for f in fixes), float, len(fixes))
    lat = np.fromiter((f.lat for f in fixes), float, len(fixes))
    tr = local_transformer(float(lon.mean()), float(lat.mean()))
    x, y = tr.transform(lon, lat)
    idx = _kept_indices(np.column_stack([x, y]), tolerance_m)
    return [fixes[i] for i in idx]


def linestring(fixes: Sequence[Fix]) -> LineString:
    return LineString([(f.lon, f.lat) for f in fixes])
