"""Bulk validation and compact packing of track fixes.

Fixes arrive as `{t, lat, lon, accuracy, speed?, heading?}` objects, `t` in Unix epoch
milliseconds. Validating field by field with marshmallow costs ~17 µs a point; here one
pass builds columns and numpy checks them all at once. A batch is stored as one zlib
blob of fixed-width columns: t as int64 ms, lat/lon int32 in 1e-7 degrees (~1 cm),
accuracy in decimetres (uint16), speed in cm/s and heading in 0.01° (int32, -1 = none).
"""
from __future__ import annotations

import hashlib
import math
import zlib
from datetime import datetime
from itertools import chain
from typing import Any, Sequence

import numpy as np

from geo import Fix

from .. import clock

FORMAT_VERSION = 1
MAX_POINTS_PER_BATCH = 5000
KEYS = frozenset({"t", "lat", "lon", "accuracy", "speed", "heading"})
EARLIEST_MS = 1_577_836_800_000  # 2020-01-01: older timestamps are a broken phone clock
FUTURE_SLACK_MS = 24 * 3600 * 1000

_JSON_NUMBERS = {int, float, type(None)}
_DTYPE = np.dtype([("t", "<i8"), ("lat", "<i4"), ("lon", "<i4"), ("acc", "<u2"), ("speed", "<i4"), ("heading", "<i4")])


class PointsError(ValueError):
    """A batch of points is invalid; `index` and `field` say where."""

    def __init__(self, message: str, index: int | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.field = field


def _explain(points: Sequence[Any]) -> PointsError:
    """Slow path, only for a bad batch: find the first bad point and say why."""
    now_ms = clock.now_ms()
    for i, p in enumerate(points):
        if not isinstance(p, dict):
            return PointsError("a point must be an object", i)
        extra = set(p) - KEYS
        if extra:
            return PointsError(f"unknown field {sorted(extra)[0]!r}", i, sorted(extra)[0])
        for key, lo, hi, required in (
            ("t", EARLIEST_MS, now_ms + FUTURE_SLACK_MS, True),
            ("lat", -90.0, 90.0, True),
            ("lon", -180.0, 180.0, True),
            ("accuracy", 0.0, 1e6, True),
            ("speed", 0.0, 1000.0, False),
            ("heading", 0.0, 360.0, False),
        ):
            v = p.get(key)
            if key == "t" and isinstance(v, str):
                v = _iso_ms(v, i)
            if v is None:
                if required:
                    return PointsError(f"{key} is required", i, key)
                continue
            if type(v) is bool or not isinstance(v, (int, float)) or not math.isfinite(v):
                return PointsError(f"{key} must be a number", i, key)
            if not lo <= v <= hi:
                return PointsError(f"{key} out of range [{lo}, {hi}]", i, key)
    return PointsError("invalid points")


def _iso_ms(value: str, index: int) -> float:
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise PointsError("t must be Unix milliseconds or an ISO 8601 time with offset", index, "t") from None
    if at.tzinfo is None:
        raise PointsError("t needs an offset (an ISO 8601 time without one is ambiguous)", index, "t")
    return at.timestamp() * 1000


def _iso_times(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """The contract's ISO 8601 times with offset in `t`, as Unix milliseconds (what phones
    send, and the fast path); any other non-number is left for `_explain` to name."""
    return [(_iso_ms(r[0], i), *r[1:]) if isinstance(r[0], str) else r for i, r in enumerate(rows)]


def parse_points(points: Any) -> np.ndarray:
    """Validate a batch in bulk; return a structured array sorted by time. `t` is Unix
    milliseconds or an ISO 8601 time with offset."""
    if not isinstance(points, list) or not points:
        raise PointsError("points must be a non-empty list")
    if len(points) > MAX_POINTS_PER_BATCH:
        raise PointsError(f"at most {MAX_POINTS_PER_BATCH} points per batch")
    try:
        for p in points:
            if p.keys() - KEYS:
                raise KeyError
        rows = [(p["t"], p["lat"], p["lon"], p["accuracy"], p.get("speed"), p.get("heading")) for p in points]
        # numpy would turn "29.97" and true into numbers: only int, float and null pass
        if not set(map(type, chain.from_iterable(rows))) <= _JSON_NUMBERS:
            rows = _iso_times(rows)  # the slow path: ISO times (the contract), or garbage
            if not set(map(type, chain.from_iterable(rows))) <= _JSON_NUMBERS:
                raise TypeError
        cols = np.array(rows, dtype=float)  # None → nan
    except PointsError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError):
        raise _explain(points) from None
    if cols.shape != (len(points), 6):
        raise _explain(points)
    t, lat, lon, acc, speed, heading = cols.T
    now_ms = clock.now_ms()
    bad = (
        ~np.isfinite(cols[:, :4]).all(axis=1)
        | (t < EARLIEST_MS) | (t > now_ms + FUTURE_SLACK_MS)
        | (np.abs(lat) > 90) | (np.abs(lon) > 180) | (acc < 0) | (acc > 1e6)
        | (speed < 0) | (speed > 1000) | (heading < 0) | (heading > 360)
        | np.isinf(speed) | np.isinf(heading)
    )
    if bad.any():
        raise _explain(points)
    out = np.empty(len(points), dtype=_DTYPE)
    out["t"] = np.rint(t).astype(np.int64)
    out["lat"] = np.rint(lat * 1e7).astype(np.int32)
    out["lon"] = np.rint(lon * 1e7).astype(np.int32)
    out["acc"] = np.clip(np.rint(acc * 10), 0, 65535).astype(np.uint16)
    out["speed"] = np.where(np.isnan(speed), -1, np.rint(np.nan_to_num(speed) * 100)).astype(np.int32)
    out["heading"] = np.where(np.isnan(heading), -1, np.rint(np.nan_to_num(heading) * 100)).astype(np.int32)
    out.sort(order="t", kind="stable")
    return out


def pack(arr: np.ndarray) -> bytes:
    return bytes([FORMAT_VERSION]) + zlib.compress(arr.tobytes(), 1)


def unpack(blob: bytes) -> np.ndarray:
    if not blob or blob[0] != FORMAT_VERSION:
        raise ValueError("unknown fix batch format")
    return np.frombuffer(zlib.decompress(blob[1:]), dtype=_DTYPE)


def digest(blob: bytes) -> str:
    return hashlib.sha256(blob).hexdigest()


def to_fixes(arr: np.ndarray) -> list[Fix]:
    t = (arr["t"] / 1000.0).tolist()
    lat = (arr["lat"] / 1e7).tolist()
    lon = (arr["lon"] / 1e7).tolist()
    acc = (arr["acc"] / 10.0).tolist()
    speed = [None if s < 0 else s / 100.0 for s in arr["speed"].tolist()]
    heading = [None if h < 0 else h / 100.0 for h in arr["heading"].tolist()]
    return [Fix(*row) for row in zip(t, lon, lat, acc, speed, heading)]
