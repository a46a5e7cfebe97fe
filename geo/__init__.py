"""Pure geometry helpers on shapely and pyproj: no Flask, no database.

Coordinates are WGS-84 (EPSG:4326) longitude/latitude; metres come from geodesic
computations on the WGS-84 ellipsoid, never from planar degrees.
"""
from .measure import geodesic_area_m2, geodesic_distance_m

__all__ = ["geodesic_area_m2", "geodesic_distance_m"]
