"""The vector base map on the phone: an administrator uploads a vector PMTiles file on the
console's 离线底图 tab (a bad file refused there first; the file made here
with the pmtiles writer and a small MVT encoder, never fetched); the officer's map draws it on
canvas tiles under the grids (protomaps-leaflet, loaded only for a vector map), 设置 → 下载离线底图
keeps its tiles, and with no signal it is still drawn."""
from __future__ import annotations

from tests.basemap_files import tiles_in, vector_pmtiles
from tests.browser.conftest import DESK, expect, go_offline, login, new_phone, wait_until

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


def _upload_on_the_console(browser, port: int, path, tmp_path) -> None:
    """The administrator's desk: a file that is no map is refused with its reason, then the map loads."""
    ctx = new_phone(browser, f"http://127.0.0.1:{port}", **DESK)
    try:
        desk = ctx.new_page()
        desk.goto("/")
        login(desk, "admin")
        desk.goto("/supervise")
        desk.locator(".van-tab", has_text="离线底图").click()
        expect(desk.locator("[data-test=basemap-none]")).to_be_visible()
        junk = tmp_path / "notamap.pmtiles"
        junk.write_bytes(b"<html>not a map</html>" * 100)
        desk.locator("[data-test=basemap-file]").set_input_files(str(junk))
        expect(desk.locator("[data-test=basemap-error]")).to_contain_text("MBTiles")
        desk.locator("[data-test=basemap-file]").set_input_files(str(path))
        expect(desk.locator("[data-test=basemap-kind]")).to_have_text("矢量瓦片（MVT，PMTiles）")
        expect(desk.locator("[data-test=basemap-error]")).to_have_count(0)
    finally:
        ctx.close()


def test_the_vector_base_map_is_drawn_downloaded_and_kept_offline(page, context, server, browser, tmp_path):
    file = tmp_path / "jc.pmtiles"
    file.write_bytes(vector_pmtiles(tmp_path / "made.pmtiles"))
    _upload_on_the_console(browser, server.port, file, tmp_path)
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
