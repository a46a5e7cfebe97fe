"""The PWA draws on a GCJ-02 base map (AMap) with its port of geo/gcj02.py: both must give
the same coordinates, or the phone's map and the server's exports disagree by metres."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from geo import gcj02_to_wgs84, wgs84_to_gcj02
from geo.measure import geodesic_distance_m
from tests.conftest import ROOT

POINTS = [(121.62, 29.97), (116.397, 39.908), (113.264, 23.129), (87.617, 43.826), (126.64, 45.76),
          (2.35, 48.85)]  # Ningbo, Beijing, Guangzhou, Urumqi, Harbin; Paris (outside China: unchanged)


@pytest.mark.skipif(shutil.which("node") is None and os.environ.get("CI") != "true",
                    reason="node comes with the PWA toolchain (make test installs it; CI requires it)")
def test_the_pwa_converts_to_and_from_gcj02_as_the_server_does():
    run = subprocess.run(["node", str(ROOT / "pwa" / "tests" / "gcj02_points.mjs"), json.dumps(POINTS)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    for (lon, lat), got in zip(POINTS, json.loads(run.stdout)):
        assert got["fwd"] == pytest.approx(wgs84_to_gcj02(lon, lat), abs=1e-12)
        assert got["back"] == pytest.approx([lon, lat], abs=1e-8)
        assert tuple(got["back"]) == pytest.approx(gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat)), abs=1e-12)
    shift = geodesic_distance_m(*POINTS[0], *wgs84_to_gcj02(*POINTS[0]))
    assert 300 < shift < 700  # the offset the conversion exists for (Ningbo: ~500 m)
    assert json.loads(run.stdout)[-1]["fwd"] == list(POINTS[-1])
