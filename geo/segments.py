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
) -> list[Stop]:
    """Maximal runs of fixes that stay within `radius_m` of the run's first fix for at
    least `min_duration_s` (an officer inspecting a shop, a break). A gap ends a run:
    with no fixes we cannot claim the officer stayed."""
    stops: list[Stop] = []
    i, n = 0, len(fixes)
    while i < n:
        anchor = fixes[i]
        j = i
        while (
            j + 1 < n
            and fixes[j + 1].t - fixes[j].t <= gap_s
            and geodesic_distance_m(anchor.lon, anchor.lat, fixes[j + 1].lon, fixes[j + 1].lat) <= radius_m
        ):
            j += 1
        duration = fixes[j].t - anchor.t
        if duration >= min_duration_s:
            run = fixes[i : j + 1]
            stops.append(
                Stop(
                    anchor.t,
                    fixes[j].t,
                    duration,
                    sum(f.lon for f in run) / len(run),
                    sum(f.lat for f in run) / len(run),
                    len(run),
                )
            )
            i = j + 1
        else:
            i += 1
    return stops
