"""Pure geometry helpers on shapely and pyproj: no Flask, no database.

Coordinates are WGS-84 (EPSG:4326) longitude/latitude; metres come from geodesic
computations on the WGS-84 ellipsoid, never from planar degrees.
"""
from .errors import EmptyTrackError, GeoError
from .export import split_at_gaps, to_geojson, to_gpx, to_kml
from .gcj02 import gcj02_to_wgs84, in_china, wgs84_to_gcj02
from .grids import GridIndex, GridVisit, grid_visits
from .measure import geodesic_area_m2, geodesic_distance_m
from .segments import Gap, Stop, find_gaps, find_stops
from .simplify import simplify_fixes
from .summary import TrackSummary, summarize_track
from .track import CleanResult, Dropped, Fix, clean_track, segment_distances_m, track_length_m

__all__ = [
    "CleanResult", "Dropped", "EmptyTrackError", "Fix", "Gap", "GeoError", "GridIndex", "GridVisit",
    "Stop", "TrackSummary", "clean_track", "find_gaps", "find_stops", "gcj02_to_wgs84",
    "geodesic_area_m2", "geodesic_distance_m", "grid_visits", "in_china", "segment_distances_m",
    "simplify_fixes", "split_at_gaps", "summarize_track", "to_geojson", "to_gpx", "to_kml",
    "track_length_m", "wgs84_to_gcj02",
]
