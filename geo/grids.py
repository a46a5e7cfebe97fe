"""Point → grid and the time a track spends in each grid."""
from __future__ import annotations

from typing import Hashable, Mapping, NamedTuple, Sequence

import shapely
from shapely import STRtree
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from .segments import DEFAULT_GAP_S
from .track import Fix

__all__ = ["GridIndex", "GridVisit", "grid_visits"]


class GridVisit(NamedTuple):
    key: Hashable
    seconds: float
    first_t: float
    last_t: float
    fix_count: int


class GridIndex:
    """An STRtree over grid polygons; `locate` answers point → grid key (or None).

    A point on an edge shared by two grids goes to the one listed first, matching the
    database query (lowest id first) when keys are given in id order.
    """

    def __init__(self, grids: Mapping[Hashable, BaseGeometry]) -> None:
        self.keys = list(grids)
        self.geoms = [grids[k] for k in self.keys]
        self.tree = STRtree(self.geoms)

    def locate(self, lon: float, lat: float) -> Hashable | None:
        hits = self.tree.query(Point(lon, lat), predicate="intersects")
        if len(hits) == 0:
            return None
        return self.keys[int(min(hits))]

    def locate_many(self, points: Sequence[tuple[float, float]]) -> list[Hashable | None]:
        """`locate` of each (lon, lat), in one query of the tree (a sync batch's 50 points:
        one call instead of 50); the same tie rule, the grid listed first."""
        if not points:
            return []
        found: list[int | None] = [None] * len(points)
        which, grids = self.tree.query(shapely.points(points), predicate="intersects")
        for i, g in zip(which.tolist(), grids.tolist()):
            if found[i] is None or g < found[i]:
                found[i] = g
        return [None if g is None else self.keys[g] for g in found]


def grid_visits(fixes: Sequence[Fix], index: GridIndex, gap_s: float = DEFAULT_GAP_S) -> list[GridVisit]:
    """Which grids the track crosses and for how long, in order of first entry.

    Each interval between consecutive fixes is credited to the grid containing its
    midpoint; intervals longer than `gap_s` (no fixes) are credited to no grid.
    """
    visits: dict[Hashable, list[float]] = {}
    counts: dict[Hashable, int] = {}
    order: list[Hashable] = []

    def touch(key: Hashable, t: float) -> list[float]:
        if key not in visits:
            visits[key] = [0.0, t, t]
            counts[key] = 0
            order.append(key)
        return visits[key]

    for fix in fixes:
        key = index.locate(fix.lon, fix.lat)
        if key is not None:
            v = touch(key, fix.t)
            v[2] = max(v[2], fix.t)
            counts[key] += 1
    for a, b in zip(fixes, fixes[1:]):
        dt = b.t - a.t
        if dt <= 0 or dt > gap_s:
            continue
        key = index.locate((a.lon + b.lon) / 2, (a.lat + b.lat) / 2)
        if key is not None:
            v = touch(key, a.t)
            v[0] += dt
            v[2] = max(v[2], b.t)
    return [GridVisit(k, visits[k][0], visits[k][1], visits[k][2], counts.get(k, 0)) for k in order]
