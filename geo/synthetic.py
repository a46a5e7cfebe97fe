"""Synthetic patrol walks for tests and benchmarks: deterministic from a seed.

A walk follows waypoints (street corners) at a steady pace, one fix every few seconds,
with Gaussian GPS noise, optional dwells, a tunnel (no fixes) and glitches (teleports).
"""
from __future__ import annotations

import random
from typing import NamedTuple, Sequence

from .measure import WGS84
from .track import Fix

__all__ = ["Walk", "synthetic_walk"]


class Walk(NamedTuple):
    fixes: list[Fix]
    true_length_m: float
    true_positions: list[tuple[float, float, float]]  # (t, lon, lat) without noise


def synthetic_walk(
    waypoints: Sequence[tuple[float, float]],
    *,
    start_t: float = 1_790_000_000.0,
    speed_mps: float = 1.3,
    interval_s: float = 5.0,
    noise_m: float = 4.0,
    accuracy_m: float = 8.0,
    dwell_s: dict[int, float] | None = None,
    tunnel: tuple[float, float] | None = None,
    teleports: Sequence[int] = (),
    seed: int = 1,
) -> Walk:
    """Walk `waypoints` in order. `dwell_s` maps a waypoint index to a pause there;
    `tunnel` is a (from, to) window in seconds after start with no fixes; `teleports`
    are indexes of emitted fixes replaced by a good-looking fix ~2 km away."""
    rng = random.Random(seed)
    dwell_s = dwell_s or {}
    # sample true positions every interval along the polyline
    true: list[tuple[float, float, float]] = []
    t = start_t
    true_length = 0.0
    lon, lat = waypoints[0]
    true.append((t, lon, lat))
    carry = 0.0  # metres walked since the last sample
    for i in range(len(waypoints) - 1):
        (lon1, lat1), (lon2, lat2) = waypoints[i], waypoints[i + 1]
        if dwell_s.get(i):
            end = t + dwell_s[i]
            while t + interval_s <= end:
                t += interval_s
                true.append((t, lon1, lat1))
            carry = 0.0
        az, _, seg = WGS84.inv(lon1, lat1, lon2, lat2)
        true_length += seg
        step = speed_mps * interval_s
        pos = step - carry
        while pos <= seg:
            plon, plat, _ = WGS84.fwd(lon1, lat1, az, pos)
            t += interval_s
            true.append((t, plon, plat))
            pos += step
        carry = seg - (pos - step)
    if carry > 0:
        t += interval_s * carry / (speed_mps * interval_s)
        true.append((t, *waypoints[-1]))

    fixes: list[Fix] = []
    for t, plon, plat in true:
        if tunnel and tunnel[0] <= t - start_t <= tunnel[1]:
            continue
        dx, dy = rng.gauss(0, noise_m), rng.gauss(0, noise_m)
        nlon, nlat, _ = WGS84.fwd(plon, plat, 90.0, dx)
        nlon, nlat, _ = WGS84.fwd(nlon, nlat, 0.0, dy)
        acc = max(3.0, rng.gauss(accuracy_m, accuracy_m / 4))
        fixes.append(Fix(t, nlon, nlat, round(acc, 1), round(speed_mps + rng.gauss(0, 0.2), 2), None))
    for k in teleports:
        f = fixes[k]
        glon, glat, _ = WGS84.fwd(f.lon, f.lat, rng.uniform(0, 360), 2000.0)
        fixes[k] = f._replace(lon=glon, lat=glat, accuracy=6.0)
    return Walk(fixes, true_length, true)
