"""Serves the built PWA (`pwa/dist`) at `/`, and the offline Swagger UI assets."""
from __future__ import annotations

from pathlib import Path

import mimetypes

from flask import Blueprint, Response, current_app, request, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.exceptions import NotFound

from ..auth.access import public

bp = Blueprint("web", __name__)

_PLACEHOLDER = """<!doctype html><html lang="zh-CN"><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>掌上执法</title>
<body style="font:18px/1.6 system-ui,sans-serif;max-width:40em;margin:2em auto;padding:0 1em">
<h1>掌上执法</h1>
<p>服务器运行正常。手机端应用（PWA）尚未构建：运行 <code>make run</code> 会自动构建。</p>
<p>The API is up. The officer app (PWA) has not been built yet; <code>make run</code> builds it.</p>
<p><a href="/api/v1/docs">API 文档 · API docs</a></p>
</body></html>"""


def _dist() -> Path:
    return Path(current_app.config["PWA_DIST"])


@bp.route("/api/v1/docs/static/<path:filename>")
@public
def swagger_static(filename: str):
    return send_from_directory(str(swagger_ui_path), filename, max_age=86400)


@bp.route("/app-config.json")
@public
def app_config():
    """What the PWA reads at start: the optional base-map tiles (a key stays server-side config)."""
    cfg = current_app.config
    from ..basemap import service as basemap
    from ..basemap.views import describe

    loaded = basemap.current(cfg["MEDIA_ROOT"])
    return {"basemap": describe(loaded) if loaded else None, "map_tile_url": cfg.get("MAP_TILE_URL", ""), "map_tile_attribution": cfg.get("MAP_TILE_ATTRIBUTION", ""),
            "map_tile_crs": cfg.get("MAP_TILE_CRS", "wgs84"), "map_tile_subdomains": cfg.get("MAP_TILE_SUBDOMAINS", "abc")}


@bp.route("/", defaults={"path": ""})
@bp.route("/<path:path>")
def pwa(path: str):
    if path.startswith(("api/", "verify/", "public/")):
        raise NotFound()
    dist = _dist()
    index = dist / "index.html"
    if not index.exists():
        return _PLACEHOLDER, 200, {"Content-Type": "text/html; charset=utf-8"}
    if path and (dist / path).is_file():
        # The service worker must be revalidated every time, or updates never arrive.
        max_age = 0 if path in {"sw.js", "registerSW.js", "manifest.webmanifest"} else 3600
        return _send_static(dist, path, max_age)
    # client-side routes fall back to the app shell
    return _send_static(dist, "index.html", 0)


# the build writes brotli and gzip copies beside each text file (vite.config.js)
_PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def _send_static(dist: Path, path: str, max_age: int) -> Response:
    """Send `path`, or its pre-compressed copy when the browser accepts that encoding.

    What a phone downloads on its first visit is the compressed bytes: the build did the work
    once, nothing is compressed per request."""
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith(".webmanifest"):
        mimetype = "application/manifest+json"
    for encoding, suffix in _PRECOMPRESSED:
        if request.accept_encodings[encoding] and (dist / (path + suffix)).is_file():
            resp = send_from_directory(str(dist), path + suffix, max_age=max_age, mimetype=mimetype)
            resp.headers["Content-Encoding"] = encoding
            break
    else:
        resp = send_from_directory(str(dist), path, max_age=max_age, mimetype=mimetype)
    resp.vary.add("Accept-Encoding")
    return resp
