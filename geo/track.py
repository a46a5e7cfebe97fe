"""Track fixes and track cleaning.

A fix is one GPS reading from the phone. Cleaning never adds or moves a fix: it only
drops fixes, and says for each dropped fix why (poor accuracy, duplicate, teleport).
"""
from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence

import numpy as np

from .errors import EmptyTrackError
from .measure import WGS84

__all__ = [
    "Fix",
    "Dropped",
    "CleanResult",
    "DEFAULT_MAX_ACCURACY_M",
    "DEFAULT_MAX_SPEED_MPS",
    "clean_track",
    "segment_distances_m",
    "track_length_m",
]

DEFAULT_MAX_ACCURACY_M = 50.0  # a phone fix worse than this is noise for a street patrol
DEFAULT_MAX_SPEED_MPS = 40.0  # 144 km/h: faster than any patrol vehicle in town


class Fix(NamedTuple):
    """One GPS fix. `t` is Unix time in seconds (UTC); lon/lat WGS-84 degrees."""

    t: float
    lon: float
    lat: float
    accuracy: float
    speed: float | None = None
    heading: float | None = None


class Dropped(NamedTuple):
    fix: Fix
    reason: str  # "poor_accuracy" | "duplicate" | "teleport"


class CleanResult(NamedTuple):
    kept: list[Fix]
    dropped: list[Dropped]

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.dropped:
            counts[d.reason] = counts.get(d.reason, 0) + 1
        return counts


def segment_distances_m(fixes: Sequence[Fix]) -> np.ndarray:
    """Geodesic length of each segment between consecutive fixes (n-1 values)."""
    if len(fixes) < 2:
        return np.zeros(0)
    lon = np.fromiter((f.lon for f in fixes), float, len(fixes))
    lat = np.fromiter((f.lat for f in fixes), float, len(fixes))
    _, _, dist = WGS84.inv(lon[:-1], lat[:-1], lon[1:], lat[1:])
    return np.asarray(dist, dtype=float)


def track_length_m(fixes: Sequence[Fix]) -> float:
    """Geodesic length of the polyline through the fixes, in metres."""
    return float(segment_distances_m(fixes).sum())


def _speed(a: Fix, b: Fix) -> float:
    """The slowest speed consistent with both fixes: each may be off by its accuracy,
    so two noisy fixes a fraction of a second apart are not a "teleport"."""
    _, _, dist = WGS84.inv(a.lon, a.lat, b.lon, b.lat)
    dist = max(0.0, dist - a.accuracy - b.accuracy)
    dt = b.t - a.t
    if dt <= 0:
        return float("inf") if dist > 0 else 0.0
    return dist / dt


def clean_track(
    fixes: Iterable[Fix],
    max_accuracy_m: float = DEFAULT_MAX_ACCURACY_M,
    max_speed_mps: float = DEFAULT_MAX_SPEED_MPS,
) -> CleanResult:
    """Drop fixes a patrol log must not draw, keeping a record of each.

    * ``poor_accuracy``: reported accuracy worse than `max_accuracy_m` (or missing);
    * ``duplicate``: a second fix with the same timestamp as a kept one;
    * ``teleport``: a spike — reaching the fix from the last kept one *and* leaving it
      for the next fix both need more than `max_speed_mps`, even granting each fix its
      reported accuracy. A jump that the following
      fixes confirm (the phone really is somewhere else, e.g. after a gap) is kept.

    Fixes are taken in time order; the output is a sub-sequence of the sorted input.
    """
    ordered = sorted(fixes, key=lambda f: f.t)
    dropped: list[Dropped] = []
    candidates: list[Fix] = []
    last_t: float | None = None
    for fix in ordered:
        if fix.accuracy is None or not (fix.accuracy <= max_accuracy_m):
            dropped.append(Dropped(fix, "poor_accuracy"))
            continue
        if last_t is not None and fix.t == last_t:
            dropped.append(Dropped(fix, "duplicate"))
            continue
        candidates.append(fix)
        last_t = fix.t

    kept: list[Fix] = []
    for i, fix in enumerate(candidates):
        if kept:
            if _speed(kept[-1], fix) > max_speed_mps:
                nxt = candidates[i + 1] if i + 1 < len(candidates) else None
                if nxt is None or _speed(fix, nxt) > max_speed_mps:
                    dropped.append(Dropped(fix, "teleport"))
                    continue
        kept.append(fix)
    return CleanResult(kept, dropped)


def require_fixes(fixes: Sequence[Fix], n: int = 1) -> None:
    if len(fixes) < n:
        raise EmptyTrackError(f"need at least {n} fixes, got {len(fixes)}")
