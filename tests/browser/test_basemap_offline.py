"""The offline base map on the phone (#20): an administrator's MBTiles (made here, never
fetched) is drawn under the grids, downloaded from Settings, and still drawn with no signal;
the map names its grids and has a "locate me" button."""
from __future__ import annotations

import io
import math

from backend.basemap import service as basemap
from tests.basemap_files import mbtiles
from tests.browser.conftest import expect, go_offline, login, wait_until


def _tiles_around(lat: float, lon: float, zooms=(13, 14, 15, 16), r: int = 2) -> list[tuple[int, int, int]]:
    out = []
    for z in zooms:
        x = int((lon + 180) / 360 * 2 ** z)
        y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * 2 ** z)
        out += [(z, x + dx, y + dy) for dx in range(-r, r + 1) for dy in range(-r, r + 1)]
    return out


LOADED_TILES = "[...document.querySelectorAll('img.leaflet-tile')].filter((t) => t.src.includes('/api/v1/basemap/tiles/') && t.complete && t.naturalWidth > 0).length"


def test_the_base_map_is_drawn_downloaded_and_kept_offline(page, context, server, tmp_path):
    body = mbtiles(tmp_path / "jc.mbtiles", tiles=_tiles_around(29.97, 121.62))
    basemap.load(str(tmp_path / "media"), io.BytesIO(body), 1 << 30, "admin", "2026-11-30T08:00:00+08:00")
    page.goto("/")
    login(page)
    page.goto("/patrol")
    wait_until(page, f"{LOADED_TILES} > 0")  # the jurisdiction's own map under the grids
    expect(page.locator("[data-test=locate-me]")).to_be_visible()
    expect(page.locator(".zs-grid-label").first).to_be_attached()  # grid names on the map
    page.goto("/settings")
    expect(page.locator("[data-test=basemap-name]")).to_contain_text("蛟川街道底图")
    page.locator("[data-test=basemap-download]").click()
    expect(page.locator("[data-test=basemap-note]")).to_contain_text("离线可用")
    kept = page.evaluate("caches.open('zs-basemap').then((c) => c.keys()).then((k) => k.length)")
    saved = int(page.locator("[data-test=basemap-note]").inner_text().split("已保存 ")[1].split(" ")[0])
    assert kept >= saved > 50, (kept, saved)  # every tile of the map's bounds (and the ones already seen) in the service worker's cache
    go_offline(context, page)
    page.goto("/patrol")
    wait_until(page, f"{LOADED_TILES} > 0")  # from the service worker's cache
    page.locator("[data-test=locate-me]").click()
    expect(page.locator(".zs-here")).to_be_attached()
