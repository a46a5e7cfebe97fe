"""Property tests for the geodesic helpers in geo/."""
from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, box
from shapely.geometry.polygon import orient

from geo import geodesic_area_m2, geodesic_distance_m

lon = st.floats(min_value=73.0, max_value=135.0, allow_nan=False)  # China's extent
lat = st.floats(min_value=18.0, max_value=53.0, allow_nan=False)


def test_known_distances():
    # one degree of latitude near 30° N is about 110.85 km on WGS-84
    assert math.isclose(geodesic_distance_m(121.6, 29.5, 121.6, 30.5), 110_850, rel_tol=2e-3)
    # one degree of longitude at 30° N: 96.49 km (planar degrees would be wrong by 13 %)
    assert math.isclose(geodesic_distance_m(121.0, 30.0, 122.0, 30.0), 96_486, rel_tol=2e-3)


@settings(max_examples=200, deadline=None)
@given(lon, lat, lon, lat)
def test_distance_is_symmetric_and_non_negative(a, b, c, d):
    ab = geodesic_distance_m(a, b, c, d)
    ba = geodesic_distance_m(c, d, a, b)
    assert ab >= 0 and math.isclose(ab, ba, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=100, deadline=None)
@given(lon, lat, lon, lat, lon, lat)
def test_triangle_inequality(a, b, c, d, e, f):
    assert geodesic_distance_m(a, b, e, f) <= geodesic_distance_m(a, b, c, d) + geodesic_distance_m(c, d, e, f) + 1e-6


@settings(max_examples=100, deadline=None)
@given(lon, lat, st.floats(min_value=1e-4, max_value=0.05), st.floats(min_value=1e-4, max_value=0.05))
def test_area_ignores_ring_orientation_and_matches_side_lengths(x, y, w, h):
    cell = box(x, y, x + w, y + h)
    cw, ccw = orient(cell, sign=-1.0), orient(cell, sign=1.0)
    assert math.isclose(geodesic_area_m2(cw), geodesic_area_m2(ccw), rel_tol=1e-9)
    approx = geodesic_distance_m(x, y + h / 2, x + w, y + h / 2) * geodesic_distance_m(x, y, x, y + h)
    assert math.isclose(geodesic_area_m2(cell), approx, rel_tol=5e-3)


def test_degenerate_polygon_along_a_meridian_has_zero_area():
    # meridians are geodesics; (a "flat" ring along a parallel is not: its edges bulge)
    assert geodesic_area_m2(Polygon([(121.6, 30.0), (121.6, 30.1), (121.6, 30.05)])) < 1e-3
