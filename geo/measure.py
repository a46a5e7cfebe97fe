"""Geodesic measures on the WGS-84 ellipsoid."""
from __future__ import annotations

from pyproj import Geod
from shapely.geometry import MultiPolygon, Polygon

__all__ = ["WGS84", "geodesic_area_m2", "geodesic_distance_m"]

WGS84 = Geod(ellps="WGS84")


def geodesic_distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Distance in metres between two WGS-84 points along the ellipsoid."""
    _, _, dist = WGS84.inv(lon1, lat1, lon2, lat2)
    return float(dist)


def geodesic_area_m2(shape: Polygon | MultiPolygon) -> float:
    """Area in square metres of a lon/lat polygon (orientation-independent)."""
    area, _ = WGS84.geometry_area_perimeter(shape)
    return abs(float(area))
