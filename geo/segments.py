"""Gaps (no fix for too long) and stops (dwelling in one place) along a track."""
from __future__ import annotations

from typing import NamedTuple, Sequence

from .measure import geodesic_distance_m
from .track import Fix

__all__ = ["Gap", "Stop", "DEFAULT_GAP_S", "find_gaps", "find_stops"]

DEFAULT_GAP_S = 60.0  # the phone records a fix every ~5 s; a minute of silence is a gap


class Gap(NamedTuple):
    start_t: float
    end_t: float
    duration_s: float
    distance_m: float  # straight-line distance between the fixes either side


class Stop(NamedTuple):
    start_t: float
    end_t: float
    duration_s: float
    lon: float
    lat: float
    fix_count: int


def find_gaps(fixes: Sequence[Fix], threshold_s: float = DEFAULT_GAP_S) -> list[Gap]:
    """Intervals between consecutive (time-ordered) fixes longer than `threshold_s`."""
    gaps = []
    for a, b in zip(fixes, fixes[1:]):
        dt = b.t - a.t
        if dt > threshold_s:
            gaps.append(Gap(a.t, b.t, dt, geodesic_distance_m(a.lon, a.lat, b.lon, b.lat)))
    return gaps


def find_stops(
    fixes: Sequence[Fix],
    radius_m: float = 25.0,
    min_duration_s: float = 120.0,
    gap_s: float = DEFAULT_GAP_S,
    max_outliers: int = 2,
) -> list[Stop]:
    """Maximal runs of fixes that stay within `radius_m` of the run's running centroid
    for at least `min_duration_s` (an officer inspecting a shop, a break).

    Up to `max_outliers` consecutive stray fixes (GPS jitter) do not end a run; a gap
    does: with no fixes we cannot claim the officer stayed.
    """
    stops: list[Stop] = []
    i, n = 0, len(fixes)
    while i < n:
        sum_lon, sum_lat, count = fixes[i].lon, fixes[i].lat, 1
        last = i
        misses = 0
        k = i + 1
        while k < n and fixes[k].t - fixes[last].t <= gap_s:
            clon, clat = sum_lon / count, sum_lat / count
            if geodesic_distance_m(clon, clat, fixes[k].lon, fixes[k].lat) <= radius_m:
                sum_lon, sum_lat, count = sum_lon + fixes[k].lon, sum_lat + fixes[k].lat, count + 1
                last, misses = k, 0
            else:
                misses += 1
                if misses > max_outliers:
                    break
            k += 1
        duration = fixes[last].t - fixes[i].t
        if duration >= min_duration_s:
            stops.append(Stop(fixes[i].t, fixes[last].t, duration, sum_lon / count, sum_lat / count, count))
            i = last + 1
        else:
            i += 1
    return stops
