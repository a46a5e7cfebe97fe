"""Property and scenario tests for geo/: cleaning, simplification, gaps, stops, grids,
GCJ-02 and the exports (parsed back with independent parsers)."""
from __future__ import annotations

import json
import math
from datetime import datetime

import numpy as np

import gpxpy
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from shapely.geometry import LineString, Point, box

from geo import (
    Fix,
    GridIndex,
    clean_track,
    find_gaps,
    find_stops,
    gcj02_to_wgs84,
    geodesic_distance_m,
    grid_visits,
    in_china,
    simplify_fixes,
    summarize_track,
    to_geojson,
    to_gpx,
    to_kml,
    track_length_m,
    wgs84_to_gcj02,
)
from geo.export import split_at_gaps
from geo.simplify import local_transformer
from geo.synthetic import synthetic_walk

T0 = 1_790_000_000.0


@st.composite
def tracks(draw, min_size=0, max_size=60):
    n = draw(st.integers(min_size, max_size))
    lon0 = draw(st.floats(100.0, 125.0))
    lat0 = draw(st.floats(20.0, 45.0))
    t = T0
    fixes = []
    for _ in range(n):
        t += draw(st.sampled_from([0.0, 1.0, 5.0, 5.0, 5.0, 30.0, 120.0]))
        lon = lon0 + draw(st.floats(-0.01, 0.01))
        lat = lat0 + draw(st.floats(-0.01, 0.01))
        acc = draw(st.sampled_from([3.0, 8.0, 15.0, 49.0, 80.0, 500.0]))
        fixes.append(Fix(t, lon, lat, acc))
    return draw(st.permutations(fixes)) if draw(st.booleans()) else fixes


@settings(max_examples=150, deadline=None)
@given(tracks())
def test_cleaning_never_adds_or_moves_points_and_accounts_for_every_fix(fixes):
    result = clean_track(fixes)
    assert len(result.kept) + len(result.dropped) == len(fixes)
    assert set(result.kept) <= set(fixes)
    assert {d.fix for d in result.dropped} <= set(fixes)
    assert all(d.reason in {"poor_accuracy", "duplicate", "teleport"} for d in result.dropped)
    times = [f.t for f in result.kept]
    assert times == sorted(times) and len(times) == len(set(times))
    assert all(f.accuracy <= 50.0 for f in result.kept)


def test_cleaning_drops_a_spike_but_keeps_a_confirmed_jump():
    base = [Fix(T0 + 5 * i, 121.60 + 0.00005 * i, 29.97, 5.0) for i in range(10)]
    spike = list(base)
    spike[5] = spike[5]._replace(lon=121.65)  # ~4.8 km away for one fix
    result = clean_track(spike)
    assert [d.reason for d in result.dropped] == ["teleport"] and len(result.kept) == 9
    # the phone really moved (e.g. a car after a gap): every later fix confirms it
    moved = base[:5] + [f._replace(lon=f.lon + 0.05) for f in base[5:]]
    assert len(clean_track(moved).kept) == 10
    summary = summarize_track(moved)
    assert any(a["kind"] == "jump" for a in summary.anomalies)


@settings(max_examples=100, deadline=None)
@given(tracks(min_size=2), st.floats(1.0, 50.0))
def test_simplification_stays_within_its_tolerance(fixes, tolerance):
    fixes = sorted(fixes, key=lambda f: f.t)
    kept = simplify_fixes(fixes, tolerance)
    assert kept[0] == fixes[0] and kept[-1] == fixes[-1]
    assert set(kept) <= set(fixes) and len(kept) <= len(fixes)
    if len(kept) < 2:
        return
    # measure in the same local metric plane, independently of the algorithm
    lon0 = sum(f.lon for f in fixes) / len(fixes)
    lat0 = sum(f.lat for f in fixes) / len(fixes)
    tr = local_transformer(lon0, lat0)
    line = LineString([tr.transform(f.lon, f.lat) for f in kept])
    if line.length == 0:
        return
    for f in fixes:
        assert line.distance(Point(tr.transform(f.lon, f.lat))) <= tolerance + 1e-6


@settings(max_examples=200, deadline=None)
@given(st.floats(73.6, 134.7), st.floats(18.2, 53.5))
def test_gcj02_round_trip_within_a_metre_inside_china(lon, lat):
    glon, glat = wgs84_to_gcj02(lon, lat)
    back = gcj02_to_wgs84(glon, glat)
    assert geodesic_distance_m(lon, lat, *back) < 1.0
    # the offset is real (hundreds of metres) — not an identity function
    assert 1.0 < geodesic_distance_m(lon, lat, glon, glat) < 1500.0


def test_gcj02_outside_china_is_identity_and_a_known_point():
    assert wgs84_to_gcj02(-0.1276, 51.5072) == (-0.1276, 51.5072)
    assert not in_china(-0.1276, 51.5072)
    # Tiananmen: the widely quoted WGS-84 → GCJ-02 shift is about +0.0062° lon, +0.0013° lat
    glon, glat = wgs84_to_gcj02(116.3913, 39.9075)
    assert math.isclose(glon - 116.3913, 0.0062, abs_tol=0.0006)
    assert math.isclose(glat - 39.9075, 0.0013, abs_tol=0.0006)


def test_gaps_and_stops():
    fixes = [Fix(T0 + 5 * i, 121.6 + 0.0001 * i, 29.97, 5.0) for i in range(10)]
    # 3 minutes without a fix, then 4 minutes standing still, then walking on
    t = fixes[-1].t + 180
    dwell = [Fix(t + 5 * i, 121.6015, 29.97 + (0.00002 if i % 2 else 0), 5.0) for i in range(49)]
    t = dwell[-1].t + 5
    tail = [Fix(t + 5 * i, 121.6016 + 0.0001 * i, 29.97, 5.0) for i in range(10)]
    track = fixes + dwell + tail
    gaps = find_gaps(track, 60)
    assert len(gaps) == 1 and gaps[0].duration_s == 180
    stops = find_stops(track, radius_m=25, min_duration_s=120)
    assert len(stops) == 1 and stops[0].duration_s >= 240 and stops[0].fix_count >= 49
    summary = summarize_track(track)
    assert summary.moving_s == summary.duration_s - 180 - stops[0].duration_s


def test_grid_visits_credit_time_to_the_grids_crossed():
    west, east = box(121.60, 29.96, 121.61, 29.98), box(121.61, 29.96, 121.62, 29.98)
    index = GridIndex({"W": west, "E": east})
    track = [Fix(T0 + 10 * i, 121.605 + 0.001 * i, 29.97, 5.0) for i in range(11)]  # crosses at i = 5
    visits = {v.key: v for v in grid_visits(track, index)}
    assert set(visits) == {"W", "E"}
    assert visits["W"].seconds + visits["E"].seconds == 100
    assert visits["W"].first_t == T0 and visits["E"].first_t >= T0 + 40
    assert index.locate(121.615, 29.97) == "E" and index.locate(121.7, 29.97) is None
    points = [(121.615, 29.97), (121.7, 29.97), (121.61, 29.97), (121.605, 29.96)]  # inside, outside, the shared edge, a corner
    assert index.locate_many(points) == [index.locate(lon, lat) for lon, lat in points] == ["E", None, "W", "W"]
    # a gap is credited to no grid
    gappy = track[:3] + [f._replace(t=f.t + 600) for f in track[3:]]
    assert sum(v.seconds for v in grid_visits(gappy, index)) == 100 - 10


def test_realistic_walk_distance_within_two_percent_despite_noise_tunnel_and_teleport():
    corners = [(121.6100, 29.9600), (121.6200, 29.9600), (121.6200, 29.9700), (121.6300, 29.9700), (121.6300, 29.9800)]
    walk = synthetic_walk(corners, noise_m=4.0, dwell_s={2: 300}, tunnel=(600, 780), teleports=(40, 200), seed=3)
    raw_length = track_length_m(walk.fixes)
    summary = summarize_track(walk.fixes)
    assert raw_length > walk.true_length_m * 1.5  # summing noisy fixes would be badly wrong
    assert abs(summary.distance_m - walk.true_length_m) / walk.true_length_m < 0.02
    assert summary.clean.reasons().get("teleport") == 2
    assert len(summary.gaps) == 1 and 170 <= summary.gaps[0].duration_s <= 200
    assert len(summary.stops) >= 1


def _walk():
    return synthetic_walk([(121.61, 29.96), (121.62, 29.96), (121.62, 29.97)], tunnel=(300, 420), seed=5).fixes


def test_gpx_parses_with_gpxpy_and_keeps_times_and_segments():
    fixes = _walk()
    gpx = gpxpy.parse(to_gpx(fixes, name="巡查 2026-11-22").decode())
    assert gpx.version == "1.1"
    segs = gpx.tracks[0].segments
    assert len(segs) == 2  # split at the tunnel
    points = [p for s in segs for p in s.points]
    assert len(points) == len(fixes)
    assert math.isclose(points[0].latitude, fixes[0].lat, abs_tol=1e-7)
    assert points[0].time.timestamp() == fixes[0].t
    assert gpx.tracks[0].name == "巡查 2026-11-22"


def test_kml_parses_with_lxml_as_kml_2_2():
    fixes = _walk()
    doc = etree.fromstring(to_kml(fixes, name="巡查"))
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    ns["gx"] = "http://www.google.com/kml/ext/2.2"
    tracks = doc.findall(".//gx:MultiTrack/gx:Track", ns)
    assert len(tracks) == 2  # split at the gap
    # every fix keeps its place and its time (a GIS replays the patrol)
    coords = [c.text.split() for t in tracks for c in t.findall("gx:coord", ns)]
    whens = [w.text for t in tracks for w in t.findall("k:when", ns)]
    assert len(coords) == len(whens) == len(fixes)
    assert [round(datetime.fromisoformat(w.replace("Z", "+00:00")).timestamp(), 3) for w in whens] == [round(f.t, 3) for f in fixes]
    assert math.isclose(float(coords[0][0]), fixes[0].lon, abs_tol=1e-7) and math.isclose(float(coords[0][1]), fixes[0].lat, abs_tol=1e-7)
    assert doc.find(".//k:TimeSpan/k:begin", ns).text.endswith("Z")


def test_geojson_is_valid_json_with_times_per_vertex():
    fixes = _walk()
    feature = json.loads(json.dumps(to_geojson(fixes, {"patrol": "x"})))
    assert feature["geometry"]["type"] == "MultiLineString"
    assert [len(c) for c in feature["geometry"]["coordinates"]] == [len(t) for t in feature["properties"]["times"]]
    assert feature["properties"]["patrol"] == "x"


@settings(max_examples=100, deadline=None)
@given(tracks(min_size=0), st.floats(10.0, 300.0))
def test_gaps_are_exactly_the_long_silences(fixes, threshold):
    fixes = sorted(fixes, key=lambda f: f.t)
    gaps = find_gaps(fixes, threshold)
    long_intervals = [(a.t, b.t) for a, b in zip(fixes, fixes[1:]) if b.t - a.t > threshold]
    assert [(g.start_t, g.end_t) for g in gaps] == long_intervals
    assert all(g.duration_s > threshold and g.distance_m >= 0 for g in gaps)


@settings(max_examples=100, deadline=None)
@given(tracks(min_size=0))
def test_stops_do_not_overlap_and_lie_inside_the_track(fixes):
    fixes = sorted({f.t: f for f in fixes}.values(), key=lambda f: f.t)
    stops = find_stops(fixes, radius_m=25, min_duration_s=60)
    for a, b in zip(stops, stops[1:]):
        assert a.end_t < b.start_t
    for s in stops:
        assert s.duration_s >= 60 and s.fix_count >= 2
        assert fixes[0].t <= s.start_t <= s.end_t <= fixes[-1].t


@settings(max_examples=100, deadline=None)
@given(tracks(min_size=0))
def test_grid_time_never_exceeds_the_gap_free_duration(fixes):
    fixes = sorted({f.t: f for f in fixes}.values(), key=lambda f: f.t)
    if not fixes:
        return
    lon0, lat0 = fixes[0].lon, fixes[0].lat
    index = GridIndex({"A": box(lon0 - 0.02, lat0 - 0.02, lon0, lat0 + 0.02), "B": box(lon0, lat0 - 0.02, lon0 + 0.02, lat0 + 0.02)})
    visits = grid_visits(fixes, index, gap_s=60)
    gap_free = sum(b.t - a.t for a, b in zip(fixes, fixes[1:]) if b.t - a.t <= 60)
    assert sum(v.seconds for v in visits) <= gap_free + 1e-6
    assert sum(v.fix_count for v in visits) <= len(fixes)


@settings(max_examples=50, deadline=None)
@given(tracks(min_size=1), st.floats(10.0, 300.0))
def test_exports_keep_every_fix(fixes, gap):
    fixes = sorted({f.t: f for f in fixes}.values(), key=lambda f: f.t)
    parsed = gpxpy.parse(to_gpx(fixes, gap_s=gap).decode())
    assert sum(len(s.points) for s in parsed.tracks[0].segments) == len(fixes)
    feature = to_geojson(fixes, gap_s=gap)
    in_lines = sum(len(seg) for seg in split_at_gaps(fixes, gap) if len(seg) >= 2)  # RFC 7946: a line has 2+ positions
    assert sum(len(c) for c in feature["geometry"]["coordinates"]) == in_lines
    kml = etree.fromstring(to_kml(fixes, gap_s=gap))
    coords = list(kml.iter("{http://www.google.com/kml/ext/2.2}coord"))
    assert len(coords) == len(list(kml.iter("{http://www.opengis.net/kml/2.2}when"))) == len(fixes)


@settings(max_examples=100, deadline=None)
@given(tracks(min_size=2))
def test_track_length_is_the_sum_of_its_segments_and_simplifying_never_lengthens(fixes):
    fixes = sorted({f.t: f for f in fixes}.values(), key=lambda f: f.t)
    total = track_length_m(fixes)
    assert total >= 0
    assert track_length_m(simplify_fixes(fixes, 10.0)) <= total + 1e-6


def test_geojson_leaves_out_lone_fixes_between_gaps():
    from geo import Fix
    from geo.export import to_geojson

    fixes = [Fix(t=t, lat=30.0, lon=lon, accuracy=5) for t, lon in ((0, 120.0), (10, 120.0001), (1000, 120.001), (3000, 120.002),
                                                                   (3010, 120.0021))]
    geometry = to_geojson(fixes)["geometry"]
    assert [len(line) for line in geometry["coordinates"]] == [2, 2]  # the fix alone at t=1000 is no line


def _reference_douglas_peucker(xy: list[tuple[float, float]], tol: float) -> list[int]:
    """Textbook recursive Douglas–Peucker with distance to the segment."""
    def dist(p, a, b):
        (px, py), (ax, ay), (bx, by) = p, a, b
        dx, dy = bx - ax, by - ay
        if dx == dy == 0:
            return math.hypot(px - ax, py - ay)
        u = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
        return math.hypot(px - ax - u * dx, py - ay - u * dy)

    def rec(i: int, j: int) -> list[int]:
        if j <= i + 1:
            return [i]
        k, d = max(((k, dist(xy[k], xy[i], xy[j])) for k in range(i + 1, j)), key=lambda kd: kd[1])
        return rec(i, k) + rec(k, j) if d > tol else [i]

    return rec(0, len(xy) - 1) + [len(xy) - 1]


def test_simplification_keeps_the_same_fixes_as_textbook_douglas_peucker():
    import random

    from geo.simplify import _kept_indices

    rng = random.Random(7)
    for trial in range(60):
        x = y = 0.0
        xy = []
        for _ in range(rng.randrange(3, 400)):
            x, y = x + rng.gauss(0, 5), y + rng.gauss(0, 5)
            xy.append((x, y))
        if trial % 5 == 0:  # standing still: repeated positions
            xy[2:12] = [xy[2]] * 10
        arr = np.array(xy)
        assert _kept_indices(arr, 5.0) == _reference_douglas_peucker(xy, 5.0)
