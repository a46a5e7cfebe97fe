"""The resident's pages: Chinese, on a phone, no login, no third-party scripts (the CSP allows
only this site's); templates escape everything they print.

The place of a report: the browser's own location, a pin tapped on a small map, or an
address with the street. The map draws the product's configured base map (the loaded
offline MBTiles, else MAP_TILE_URL; what /app-config.json tells the PWA too) with Leaflet
served from this site inside /public/report.js; with no tiles configured, or no Leaflet on
the server, the page says so and the address is the way. A pin on a GCJ-02 map (AMap) is
converted back: stored coordinates are WGS-84 always."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select

# Leaflet as the PWA ships it (pwa/package.json); the image must carry this folder (or the
# map quietly stays off and the page offers the address, as without tiles)
LEAFLET_DIST = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "leaflet" / "dist"


def _bounds(boundary: Any) -> str:
    """A street's extent as "west,south,east,north" (the map starts on the streets), or ""."""
    if boundary is None:
        return ""
    from geoalchemy2.shape import to_shape

    return ",".join(f"{v:.6f}" for v in to_shape(boundary).bounds)


def streets() -> list[dict[str, Any]]:
    from ..catalog.models import Jurisdiction
    from ..extensions import db

    return [{"code": j.code, "name": j.name, "bounds": _bounds(j.boundary)}
            for j in db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.code))]


def float_or_none(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


_STYLE = """<style>body{font:18px/1.6 system-ui,sans-serif;max-width:34em;margin:0 auto;padding:12px;color:#111}
h1{font-size:1.5em;margin:.4em 0}label{display:block;font-weight:bold;margin-top:14px}
input,textarea,select{font:inherit;width:100%;box-sizing:border-box;padding:10px;border:2px solid #333;border-radius:8px}
button{font:inherit;font-weight:bold;min-height:48px;padding:10px 20px;border:0;border-radius:8px;background:#0b57d0;color:#fff;margin-top:16px}
button.secondary{background:#e8eefa;color:#0b3d91;border:2px solid #0b3d91}.err{color:#b00020;font-weight:bold;border:2px solid #b00020;padding:10px;border-radius:8px}
.code{font-size:1.6em;font-weight:bold;letter-spacing:.1em}.hint{color:#333;font-size:.9em}.ok{color:#0a6b2d;font-weight:bold}
#pinmap{height:240px;margin-top:8px;border:2px solid #333;border-radius:8px}</style>"""

FORM = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>群众举报</title>""" + _STYLE + """</head><body><main>
<h1>群众举报</h1><p class="hint">向街道（乡镇）综合行政执法队反映占道经营、乱倒垃圾、噪声扰民等问题。提交后会得到查询码，可随时查看处理结果。</p>
{% if error %}<p class="err" role="alert">{{ error }}</p>{% endif %}
<form method="post" action="/public/report" enctype="multipart/form-data">
<label for="description">反映的问题（必填）</label>
<textarea id="description" name="description" rows="5" required minlength="5" maxlength="2000">{{ values.get('description', '') }}</textarea>
<label for="address">地点</label><input id="address" name="address" maxlength="255" value="{{ values.get('address', '') }}" placeholder="路名、门牌或附近的店名">
<input type="hidden" id="lat" name="lat" value="{{ values.get('lat', '') }}"><input type="hidden" id="lon" name="lon" value="{{ values.get('lon', '') }}">
<button type="button" class="secondary" id="locate">使用我现在的位置</button> <span id="located" class="hint" aria-live="polite"></span>
<div id="pinbox" hidden><p class="hint">或在地图上点按问题所在的位置：</p>
<div id="pinmap" data-test="report-map" role="application" aria-label="地图：点按放置举报地点"></div>
<span id="pinned" class="hint" aria-live="polite"></span></div>
<p id="nomap" class="hint" hidden>暂无可用的地图，请填写地点并选择所在街道（乡镇）。</p>
<label for="street">所在街道（乡镇）（没有定位时必选）</label>
<select id="street" name="street"><option value="">请选择</option>{% for s in streets %}<option value="{{ s.code }}" data-bounds="{{ s.bounds }}" {% if values.get('street') == s.code %}selected{% endif %}>{{ s.name }}</option>{% endfor %}</select>
<label for="photos">照片（最多 3 张）</label><input id="photos" name="photos" type="file" accept="image/*" multiple>
<label for="phone">联系电话（必填，仅用于回访，不会公开）</label><input id="phone" name="phone" type="tel" required maxlength="20" value="{{ values.get('phone', '') }}">
<label for="name">称呼（可不填）</label><input id="name" name="name" maxlength="64" value="{{ values.get('name', '') }}">
<button type="submit">提交举报</button></form>
<p class="hint">已有查询码？打开 /public/report/查询码 查看处理结果。</p></main><script src="/public/report.js"></script></body></html>"""

STATUS = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>举报处理结果</title>""" + _STYLE + """</head><body><main>
{% if not view %}<h1>查询码不存在</h1><p>请核对查询码。</p>{% else %}
{% if new %}<p class="ok" role="status">举报已提交。请记下查询码：</p>{% endif %}
<h1>举报处理结果</h1><p>查询码：<span class="code" data-test="report-code">{{ view.code }}</span></p>
<p>受理日期：{{ view.received_on }}</p><p>反映的问题：{{ view.description }}</p>{% if view.address %}<p>地点：{{ view.address }}</p>{% endif %}
<p><b>处理情况：</b><span data-test="report-status">{{ view.text }}</span></p>
{% if view.rating %}<p>您的评价：{{ '★' * view.rating }}</p>{% elif view.can_rate %}
<form method="post" action="/public/report/{{ view.code }}/rating"><fieldset><legend>请对处理结果评价</legend>
{% for n in range(5, 0, -1) %}<label><input type="radio" name="rating" value="{{ n }}" required> {{ '★' * n }}</label>{% endfor %}</fieldset>
<label for="comment">意见（可不填）</label><textarea id="comment" name="comment" rows="3" maxlength="500"></textarea>
<button type="submit">提交评价</button></form>{% endif %}{% endif %}</main></body></html>"""

# The place: the browser's own geolocation, or a pin tapped on the map. ES5, no framework: it
# runs on old phones; Leaflet (when the server has it) comes first in the same file.
PIN_SCRIPT = """(function () {
  var $ = function (id) { return document.getElementById(id); };
  var latIn = $('lat'), lonIn = $('lon'), pinned = $('pinned');
  var map = null, pin = null, proj = null;

  // WGS-84 <-> GCJ-02, as pwa/src/lib/gcj02.js (AMap's tiles are shifted; stored points never are)
  var A = 6378245.0, EE = 0.00669342162296594323, PI = Math.PI;
  function inChina(lon, lat) { return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271; }
  function tLat(x, y) {
    var r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(y * PI) + 40.0 * Math.sin(y / 3.0 * PI)) * 2.0 / 3.0;
    return r + (160.0 * Math.sin(y / 12.0 * PI) + 320 * Math.sin(y * PI / 30.0)) * 2.0 / 3.0;
  }
  function tLon(x, y) {
    var r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
    r += (20.0 * Math.sin(6.0 * x * PI) + 20.0 * Math.sin(2.0 * x * PI)) * 2.0 / 3.0;
    r += (20.0 * Math.sin(x * PI) + 40.0 * Math.sin(x / 3.0 * PI)) * 2.0 / 3.0;
    return r + (150.0 * Math.sin(x / 12.0 * PI) + 300.0 * Math.sin(x / 30.0 * PI)) * 2.0 / 3.0;
  }
  function toGcj(lon, lat) {
    if (!inChina(lon, lat)) return [lon, lat];
    var dlat = tLat(lon - 105.0, lat - 35.0), dlon = tLon(lon - 105.0, lat - 35.0);
    var rad = lat / 180.0 * PI, magic = 1 - EE * Math.sin(rad) * Math.sin(rad), sq = Math.sqrt(magic);
    dlat = dlat * 180.0 / ((A * (1 - EE)) / (magic * sq) * PI);
    dlon = dlon * 180.0 / (A / sq * Math.cos(rad) * PI);
    return [lon + dlon, lat + dlat];
  }
  function fromGcj(lon, lat) {
    if (!inChina(lon, lat)) return [lon, lat];
    var wlon = lon, wlat = lat;
    for (var i = 0; i < 30; i++) {
      var g = toGcj(wlon, wlat), dx = g[0] - lon, dy = g[1] - lat;
      wlon -= dx; wlat -= dy;
      if (Math.abs(dx) < 1e-9 && Math.abs(dy) < 1e-9) break;
    }
    return [wlon, wlat];
  }

  function setPlace(lat, lon) {
    latIn.value = lat.toFixed(6);
    lonIn.value = lon.toFixed(6);
  }
  function showPin(lat, lon) {
    if (!map) return;
    var at = proj.toMap(lat, lon);
    if (!pin) pin = L.circleMarker(at, { radius: 10, weight: 3, color: '#fff', fillColor: '#d93025', fillOpacity: 1 }).addTo(map);
    pin.setLatLng(at);
    map.setView(at, Math.max(map.getZoom(), 16));
  }

  $('locate').addEventListener('click', function () {
    var out = $('located');
    if (!navigator.geolocation) { out.textContent = '本机不支持定位，请在地图上点选，或填写地点并选择街道'; return; }
    out.textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(function (p) {
      setPlace(p.coords.latitude, p.coords.longitude);
      showPin(p.coords.latitude, p.coords.longitude);
      out.textContent = '已定位（精度约 ' + Math.round(p.coords.accuracy) + ' 米）';
    }, function () { out.textContent = '未能定位，请在地图上点选，或填写地点并选择街道'; }, { enableHighAccuracy: true, timeout: 15000 });
  });

  function noMap() { $('nomap').hidden = false; }
  function box(text) {
    var b = (text || '').split(',').map(Number);
    return b.length === 4 && b.every(isFinite) ? L.latLngBounds(proj.toMap(b[1], b[0]), proj.toMap(b[3], b[2])) : null;
  }

  // the base map the product is configured with: the loaded offline map, else the tile server
  // (a vector base map needs the PWA's renderer: this light page draws raster tiles only)
  function raster(cfg) { return !!(cfg.basemap && cfg.basemap.tile_url && cfg.basemap.kind !== 'vector'); }
  function text(s) { return String(s || '').replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }
  function tiles(cfg) {
    if (raster(cfg)) {
      return L.tileLayer(cfg.basemap.tile_url, { attribution: text(cfg.basemap.attribution || cfg.basemap.name), minZoom: 3, maxZoom: 19,
        minNativeZoom: cfg.basemap.minzoom, maxNativeZoom: cfg.basemap.maxzoom });
    }
    if (cfg.map_tile_url) {
      return L.tileLayer(cfg.map_tile_url, { attribution: cfg.map_tile_attribution || '', maxZoom: 19, subdomains: cfg.map_tile_subdomains || 'abc' });
    }
    return null;
  }

  function start(cfg) {
    var layer = tiles(cfg || {});
    if (!layer) { noMap(); return; }
    var gcj = !raster(cfg) && cfg.map_tile_crs === 'gcj02';
    proj = gcj
      ? { toMap: function (lat, lon) { var g = toGcj(lon, lat); return L.latLng(g[1], g[0]); },
          fromMap: function (ll) { var w = fromGcj(ll.lng, ll.lat); return { lat: w[1], lon: w[0] }; } }
      : { toMap: function (lat, lon) { return L.latLng(lat, lon); }, fromMap: function (ll) { return { lat: ll.lat, lon: ll.lng }; } };
    $('pinbox').hidden = false;
    map = L.map('pinmap', { zoomControl: true });
    map.attributionControl.setPrefix('Leaflet');
    layer.addTo(map);
    var select = $('street'), all = null;
    for (var i = 0; i < select.options.length; i++) {
      var b = box(select.options[i].getAttribute('data-bounds'));
      if (b) all = all ? all.extend(b) : b;
    }
    all = all || box(cfg.basemap && cfg.basemap.bounds && cfg.basemap.bounds.join(','));
    if (all) map.fitBounds(all); else map.setView([35, 105], 4);
    select.addEventListener('change', function () {
      var b = box(select.options[select.selectedIndex].getAttribute('data-bounds'));
      if (b && !pin) map.fitBounds(b);
    });
    map.on('click', function (e) {
      var p = proj.fromMap(e.latlng);
      setPlace(p.lat, p.lon);
      showPin(p.lat, p.lon);
      pinned.textContent = '已在地图上选定地点（' + p.lat.toFixed(5) + '，' + p.lon.toFixed(5) + '）';
    });
    // a form sent back with an error keeps the place it had
    if (latIn.value && lonIn.value) showPin(Number(latIn.value), Number(lonIn.value));
  }

  if (!window.L || !window.fetch || !$('pinmap')) { noMap(); return; }
  fetch('/app-config.json', { cache: 'no-store', credentials: 'omit' })
    .then(function (r) { return r.ok ? r.json() : {}; })
    .then(start)['catch'](noMap);
})();
"""


@lru_cache(maxsize=1)
def script() -> str:
    """/public/report.js: Leaflet and its stylesheet (from LEAFLET_DIST, when there), then the
    page's own script. Read once per process."""
    try:
        leaflet = (LEAFLET_DIST / "leaflet.js").read_text(encoding="utf-8")
        css = (LEAFLET_DIST / "leaflet.css").read_text(encoding="utf-8")
    except OSError:
        return PIN_SCRIPT  # no Leaflet here: the page offers its location button and the address
    # the stylesheet as a <style> the script adds (the CSP allows inline styles, never inline scripts)
    style = ("(function () { var s = document.createElement('style'); s.textContent = " + json.dumps(css) +
             "; document.head.appendChild(s); })();\n")
    return leaflet + "\n;" + style + PIN_SCRIPT


def __getattr__(name: str) -> Any:
    # views.py serves `pages.SCRIPT`: built on first use, not at import
    if name == "SCRIPT":
        return script()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
