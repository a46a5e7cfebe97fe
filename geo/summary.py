"""One call that turns raw fixes into what a supervisor reads about a patrol."""
from __future__ import annotations

from typing import Any, NamedTuple, Sequence

from .export import split_at_gaps
from .grids import GridIndex, GridVisit, grid_visits
from .segments import DEFAULT_GAP_S, Gap, Stop, find_gaps, find_stops
from .simplify import simplify_fixes
from .track import DEFAULT_MAX_ACCURACY_M, DEFAULT_MAX_SPEED_MPS, CleanResult, Fix, clean_track, segment_distances_m, track_length_m

__all__ = ["TrackSummary", "summarize_track", "DISTANCE_TOLERANCE_M", "STORAGE_TOLERANCE_M"]

# GPS jitter (σ ≈ 5 m) summed fix by fix inflates a walk's length by tens of percent.
# Distance is measured on the line simplified at about twice the typical reported
# accuracy (at least 15 m), with each stop collapsed to one point: that removes the
# jitter and keeps the street corners (a walk's corners are tens of metres or more).
DISTANCE_TOLERANCE_M = 15.0
STORAGE_TOLERANCE_M = 2.0  # the stored line drops only redundant vertices


class TrackSummary(NamedTuple):
    clean: CleanResult
    distance_m: float
    gap_distance_m: float  # part of distance_m bridged in a straight line across gaps
    duration_s: float
    moving_s: float
    gaps: list[Gap]
    stops: list[Stop]
    visits: list[GridVisit]
    line: list[Fix]  # cleaned and lightly simplified, for the stored LineString
    anomalies: list[dict[str, Any]]


def _collapse_stops(fixes: Sequence[Fix], stops: Sequence[Stop]) -> list[Fix]:
    """Replace the fixes of each stop by one fix at the stop's mean position."""
    if not stops:
        return list(fixes)
    out: list[Fix] = []
    k = 0
    for fix in fixes:
        while k < len(stops) and fix.t > stops[k].end_t:
            k += 1
        if k < len(stops) and stops[k].start_t <= fix.t <= stops[k].end_t:
            stop = stops[k]
            if fix.t == stop.start_t:
                out.append(fix._replace(lon=stop.lon, lat=stop.lat))
            continue
        out.append(fix)
    return out


def summarize_track(
    fixes: Sequence[Fix],
    grid_index: GridIndex | None = None,
    *,
    max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M,
    max_speed_mps: float = DEFAULT_MAX_SPEED_MPS,
    gap_s: float = DEFAULT_GAP_S,
    distance_tolerance_m: float = DISTANCE_TOLERANCE_M,
) -> TrackSummary:
    clean = clean_track(fixes, max_accuracy_m=max_accuracy_m, max_speed_mps=max_speed_mps)
    kept = clean.kept
    gaps = find_gaps(kept, gap_s)
    stops = find_stops(kept, gap_s=gap_s)
    segments = split_at_gaps(kept, gap_s)
    tolerance = distance_tolerance_m
    if kept:
        accuracies = sorted(f.accuracy for f in kept)
        tolerance = max(distance_tolerance_m, 2.0 * accuracies[len(accuracies) // 2])
    moving_distance = sum(
        track_length_m(simplify_fixes(_collapse_stops(seg, stops), tolerance)) for seg in segments
    )
    gap_distance = sum(g.distance_m for g in gaps)
    duration = kept[-1].t - kept[0].t if kept else 0.0
    moving = max(0.0, duration - sum(g.duration_s for g in gaps) - sum(s.duration_s for s in stops))
    visits = grid_visits(kept, grid_index, gap_s) if grid_index is not None else []

    anomalies: list[dict[str, Any]] = []
    for reason, count in sorted(clean.reasons().items()):
        anomalies.append({"kind": f"dropped_{reason}", "count": count})
    dists = segment_distances_m(kept)
    for i, dist in enumerate(dists):
        dt = kept[i + 1].t - kept[i].t
        if dt > 0 and dist / dt > max_speed_mps:
            # a jump the next fixes confirmed: kept, but a supervisor should see it
            anomalies.append({"kind": "jump", "t": kept[i].t, "distance_m": round(float(dist), 1), "seconds": dt})

    return TrackSummary(
        clean=clean,
        distance_m=moving_distance + gap_distance,
        gap_distance_m=gap_distance,
        duration_s=duration,
        moving_s=moving,
        gaps=gaps,
        stops=stops,
        visits=visits,
        line=simplify_fixes(kept, STORAGE_TOLERANCE_M),
        anomalies=anomalies,
    )
