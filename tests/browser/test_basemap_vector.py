"""The vector base map on the phone: an administrator uploads a vector PMTiles file (made here
with the pmtiles writer and a small MVT encoder, never fetched); the officer's map draws it on
canvas tiles under the grids (protomaps-leaflet, loaded only for a vector map), 设置 → 下载离线底图
keeps its tiles, and with no signal it is still drawn."""
from __future__ import annotations

import http.client
import json

from tests.basemap_files import tiles_in, vector_pmtiles
from tests.browser.conftest import expect, go_offline, login, wait_until

# what the vector tiles' canvases hold: pixels of water (blue) and of roads and labels (dark)
DRAWN = """(() => {
  const seen = { tiles: 0, water: 0, dark: 0 }
  for (const c of document.querySelectorAll('.zs-basemap-vector canvas.leaflet-tile')) {
    if (!c.width) continue
    seen.tiles++
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 3] < 200) continue
      if (d[i + 2] > 200 && d[i] < 150) seen.water++
      else if (d[i] < 110 && d[i + 1] < 110 && d[i + 2] < 110) seen.dark++
    }
  }
  return seen
})()"""


def _drawn(page) -> dict:
    wait_until(page, f"(({DRAWN}).water > 200 && ({DRAWN}).dark > 50)")
    return page.evaluate(DRAWN)


def _upload_as_admin(port: int, body: bytes) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/auth/login", body=json.dumps({"username": "admin", "password": "demo1234", "device_id": "desk-admin"}),
                     headers={"Content-Type": "application/json"})
        token = json.loads(conn.getresponse().read())["access_token"]
        conn.request("PUT", "/api/v1/basemap", body=body, headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})
        resp = conn.getresponse()
        info = json.loads(resp.read())
    finally:
        conn.close()
    assert resp.status == 200, info
    return info


def test_the_vector_base_map_is_drawn_downloaded_and_kept_offline(page, context, server, tmp_path):
    info = _upload_as_admin(server.port, vector_pmtiles(tmp_path / "jc.pmtiles"))
    assert (info["kind"], info["container"]) == ("vector", "pmtiles")
    page.goto("/")
    login(page)
    page.goto("/patrol")
    online = _drawn(page)  # water and roads drawn on the canvas tiles, under the grids
    expect(page.locator(".zs-grid-label").first).to_be_attached()
    expect(page.locator("[data-test=locate-me]")).to_be_visible()
    assert page.locator("img.leaflet-tile").count() == 0  # no tile was taken for an image
    page.goto("/settings")
    expect(page.locator("[data-test=basemap-name]")).to_contain_text("蛟川街道矢量底图")
    page.locator("[data-test=basemap-download]").click()
    expect(page.locator("[data-test=basemap-note]")).to_contain_text("离线可用")
    saved = int(page.locator("[data-test=basemap-note]").inner_text().split("已保存 ")[1].split(" ")[0])
    kept = page.evaluate("caches.open('zs-basemap').then((c) => c.keys()).then((k) => k.length)")
    assert kept >= saved == len(tiles_in()), (kept, saved)  # every tile of the file, in the service worker's cache
    go_offline(context, page)
    page.goto("/patrol")
    offline = _drawn(page)  # the renderer's chunk and the tiles, both from the service worker's cache
    assert offline["tiles"] >= 1, (online, offline)
    page.locator("[data-test=locate-me]").click()
    expect(page.locator(".zs-here")).to_be_attached()
