"""The resident's report page (/public/report) places the report by the browser's location,
by a pin tapped on a small map of the configured base map, or by the address and street.
The map's script is this site's own file (the CSP allows no other), Leaflet included; with no
tiles configured the page says so and the address stays the way; the pin's point lands on the
complaint as WGS-84, converted back from a GCJ-02 map."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from backend.basemap import service as basemap
from backend.complaints import pages
from geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from tests.api.test_basemap import mbtiles

PIN = {"lat": "29.970412", "lon": "121.620873"}  # a point tapped inside 蛟川街道's grids


@pytest.fixture(autouse=True)
def no_basemap(app):
    basemap.remove(app.config["MEDIA_ROOT"])
    yield
    basemap.remove(app.config["MEDIA_ROOT"])


def test_the_page_has_the_map_beside_the_location_and_the_address(client, demo):
    page = client.get("/public/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="pinmap"' in html and 'id="pinbox" hidden' in html  # shown by the script once it knows the tiles
    assert 'id="nomap" class="hint" hidden' in html and "请填写地点并选择所在街道" in html
    assert 'id="lat" name="lat"' in html and 'id="lon" name="lon"' in html and 'id="address"' in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/public/report.js">']  # no inline script
    # each street carries its extent, so the map starts on the streets and follows the choice
    bounds = re.findall(r'data-bounds="([^"]*)"', html)
    assert bounds and all(len(b.split(",")) == 4 for b in bounds)
    w, s, e, n = map(float, bounds[0].split(","))
    assert w < e and s < n
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_the_script_brings_leaflet_and_the_pin_from_this_site(client):
    js = client.get("/public/report.js")
    assert js.status_code == 200 and js.mimetype == "text/javascript"
    body = js.get_data(as_text=True)
    if (pages.LEAFLET_DIST / "leaflet.js").is_file():
        assert "Leaflet" in body and ".leaflet-pane" in body  # the library and its stylesheet
    assert "pinmap" in body and "/app-config.json" in body and "getCurrentPosition" in body
    assert "http://" not in pages.PIN_SCRIPT and "https://" not in pages.PIN_SCRIPT  # nothing from elsewhere
    node = shutil.which("node")
    if node:  # the file as served parses (Leaflet, its stylesheet and the page's script together)
        checked = subprocess.run([node, "--check"], input=body, capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stderr


def test_without_leaflet_on_the_server_the_script_still_offers_the_location(monkeypatch, tmp_path):
    monkeypatch.setattr(pages, "LEAFLET_DIST", tmp_path)
    pages.script.cache_clear()
    try:
        assert pages.SCRIPT == pages.PIN_SCRIPT
    finally:
        pages.script.cache_clear()


def test_the_map_uses_the_loaded_base_map_or_says_there_is_none(client, demo, auth, tmp_path):
    """What the page's script reads (no login): no tiles → the plain message; a loaded map → its tiles."""
    cfg = client.get("/app-config.json").get_json()
    assert cfg["basemap"] is None and not cfg["map_tile_url"]
    loaded = client.put("/api/v1/basemap", data=mbtiles(tmp_path / "a.mbtiles"), headers=auth.login("admin").headers).get_json()
    cfg = client.get("/app-config.json").get_json()
    assert cfg["basemap"]["tile_url"] == loaded["tile_url"] and cfg["basemap"]["tile_url"].startswith("/api/v1/basemap/tiles/")
    assert client.get(cfg["basemap"]["tile_url"].format(z=15, x=27445, y=13456)).status_code == 200  # public, like the page


def test_the_pinned_point_lands_on_the_complaint(client, demo, auth):
    sent = client.post("/public/report", data={"description": "俞范东路路口流动摊贩占道经营，影响通行", "phone": "13800001234",
                                               "address": "", "street": "", **PIN}, headers={"Accept": "application/json"})
    assert sent.status_code == 201, sent.get_json()
    boss = auth.login("zd001")
    mine = next(c for c in client.get("/api/v1/complaints", headers=boss.headers).get_json()["items"] if c["code"] == sent.get_json()["code"])
    assert (mine["lat"], mine["lon"]) == (float(PIN["lat"]), float(PIN["lon"])) and mine["grid_id"]  # the street found from the point


def test_a_form_sent_back_keeps_the_pin(client, demo):
    again = client.post("/public/report", data={"description": "短", "phone": "13800001234", **PIN})
    html = again.get_data(as_text=True)
    assert again.status_code == 422 and f'value="{PIN["lat"]}"' in html and f'value="{PIN["lon"]}"' in html


# --- the script itself, run in Node with a stand-in for the DOM and Leaflet -------------------

HARNESS = """
const els = {}; const listeners = {};
function el(id, extra) { return els[id] = Object.assign({ id, value: '', hidden: true, textContent: '',
  addEventListener(ev, fn) { listeners[id + ':' + ev] = fn; }, getAttribute() { return null; } }, extra || {}); }
['lat', 'lon', 'pinned', 'located', 'locate', 'pinbox', 'nomap', 'pinmap'].forEach((id) => el(id));
el('street', { options: [{ getAttribute: () => '121.58,29.94,121.66,30.00' }], selectedIndex: 0 });
global.document = { getElementById: (id) => els[id] || null };
global.navigator = {};
let onClick = null; let fitted = null;
const ll = (lat, lng) => ({ lat, lng });
global.window = global;
global.L = {
  latLng: ll,
  latLngBounds: (a, b) => ({ a, b, extend(o) { return this; } }),
  map: () => ({ attributionControl: { setPrefix() {} }, on(ev, fn) { if (ev === 'click') onClick = fn; },
                fitBounds(b) { fitted = b; }, setView() {}, getZoom: () => 15 }),
  tileLayer: (url, opts) => ({ url, addTo() {} }),
  circleMarker: () => ({ addTo() { return this; }, setLatLng() {} }),
};
global.fetch = () => Promise.resolve({ ok: true, json: () => Promise.resolve(CONFIG) });
"""


def _run(config: dict, tap: tuple[float, float] | None) -> dict:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    program = (f"const CONFIG = {json.dumps(config)}; const TAP = {json.dumps(list(tap) if tap else None)};\n" + HARNESS + pages.PIN_SCRIPT +
               "\nsetTimeout(() => { if (onClick && TAP) onClick({ latlng: ll(TAP[0], TAP[1]) });"
               " console.log(JSON.stringify({ lat: els.lat.value, lon: els.lon.value, pinbox: els.pinbox.hidden,"
               " nomap: els.nomap.hidden, fitted: !!fitted, said: els.pinned.textContent })); }, 20);\n")
    done = subprocess.run([node, "-e", program], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_a_tap_on_the_loaded_base_map_fills_the_place():
    cfg = {"basemap": {"tile_url": "/api/v1/basemap/tiles/{z}/{x}/{y}?v=abc", "minzoom": 12, "maxzoom": 17, "bounds": None},
           "map_tile_url": "", "map_tile_crs": "wgs84"}
    out = _run(cfg, (29.9704123, 121.6208734))
    assert (out["lat"], out["lon"]) == ("29.970412", "121.620873")
    assert out["pinbox"] is False and out["nomap"] is True and out["fitted"] and "已在地图上选定地点" in out["said"]


def test_a_tap_on_a_gcj02_map_is_stored_as_wgs84():
    tapped_lon, tapped_lat = wgs84_to_gcj02(121.62, 29.97)
    out = _run({"basemap": None, "map_tile_url": "/tiles/{z}/{x}/{y}.png", "map_tile_crs": "gcj02"}, (tapped_lat, tapped_lon))
    lon, lat = gcj02_to_wgs84(tapped_lon, tapped_lat)
    assert (out["lat"], out["lon"]) == (f"{lat:.6f}", f"{lon:.6f}") and abs(lat - 29.97) < 1e-6 and abs(lon - 121.62) < 1e-6


def test_with_no_tiles_the_page_says_so_and_keeps_the_address():
    out = _run({"basemap": None, "map_tile_url": "", "map_tile_crs": "wgs84"}, None)
    assert out["nomap"] is False and out["pinbox"] is True and out["lat"] == ""
