"""Douglas–Peucker simplification in metres (not degrees), with a bounded error."""
from __future__ import annotations

from typing import Sequence

import numpy as np
from pyproj import Transformer
from shapely import LineString

from .track import Fix

__all__ = ["local_transformer", "simplify_fixes"]


def local_transformer(lon0: float, lat0: float) -> Transformer:
    """WGS-84 → an azimuthal equidistant plane centred on (lon0, lat0), in metres.

    Over a patrol's extent (a few km) its distortion is far below GPS noise.
    """
    return Transformer.from_proj(
        "EPSG:4326",
        f"+proj=aeqd +lat_0={lat0} +lon_0={lon0} +datum=WGS84 +units=m",
        always_xy=True,
    )


def _douglas_peucker(xy: np.ndarray, tolerance: float) -> np.ndarray:
    """Indices kept by Douglas–Peucker (iterative; endpoints always kept).

    shapely's `simplify` gives the same line but not *which* vertices survive; we need
    the indices to keep each fix's timestamp, accuracy and speed.
    """
    n = len(xy)
    keep = np.zeros(n, dtype=bool)
    keep[0] = keep[-1] = True
    stack = [(0, n - 1)]
    while stack:
        start, end = stack.pop()
        if end <= start + 1:
            continue
        a, b = xy[start], xy[end]
        seg = b - a
        pts = xy[start + 1 : end]
        seg_len2 = float(seg @ seg)
        if seg_len2 == 0.0:
            d = np.hypot(*(pts - a).T)
        else:
            # distance to the segment (not the infinite line): the bound holds for spikes too
            u = np.clip(((pts - a) @ seg) / seg_len2, 0.0, 1.0)
            proj = a + np.outer(u, seg)
            d = np.hypot(*(pts - proj).T)
        i = int(np.argmax(d))
        if d[i] > tolerance:
            split = start + 1 + i
            keep[split] = True
            stack.append((start, split))
            stack.append((split, end))
    return np.flatnonzero(keep)


def simplify_fixes(fixes: Sequence[Fix], tolerance_m: float) -> list[Fix]:
    """Keep a subset of the fixes so that every dropped fix lies within `tolerance_m`
    metres of the simplified polyline. Endpoints are always kept."""
    if len(fixes) <= 2 or tolerance_m <= 0:
        return list(fixes)
    lon = np.fromiter((f.lon for f in fixes), float, len(fixes))
    lat = np.fromiter((f.lat for f in fixes), float, len(fixes))
    tr = local_transformer(float(lon.mean()), float(lat.mean()))
    x, y = tr.transform(lon, lat)
    idx = _douglas_peucker(np.column_stack([x, y]), tolerance_m)
    return [fixes[i] for i in idx]


def linestring(fixes: Sequence[Fix]) -> LineString:
    return LineString([(f.lon, f.lat) for f in fixes])
