"""The offline base map (#20): an administrator loads a raster MBTiles file (made here with
sqlite3 and Pillow, never fetched); tiles are served in the XYZ scheme from the file's TMS
rows; a bad file is refused with a reason and leaves the loaded map as it was."""
from __future__ import annotations

import io
import sqlite3

import pytest
from PIL import Image

from backend.basemap import service
from tests.conftest import assert_error


@pytest.fixture(autouse=True)
def no_basemap(app):
    """The media folder outlives a test: each starts, and leaves, with no base map."""
    service.remove(app.config["MEDIA_ROOT"])
    yield
    service.remove(app.config["MEDIA_ROOT"])


def mbtiles(path, fmt="png", tiles=((15, 27445, 13456),), colour=(200, 30, 30)) -> bytes:
    """A tiny MBTiles: `tiles` are (z, x, y) in the XYZ scheme Leaflet asks for."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    con.execute("CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)")
    con.executemany("INSERT INTO metadata VALUES (?, ?)", [("name", "蛟川街道底图"), ("format", fmt), ("bounds", "121.58,29.94,121.66,30.00"),
                                                        ("attribution", "镇海区自然资源局")])
    for z, x, y in tiles:
        buf = io.BytesIO()
        Image.new("RGB", (256, 256), colour).save(buf, "PNG")
        con.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, buf.getvalue()))
    con.commit()
    con.close()
    return path.read_bytes()


def test_an_administrator_loads_the_base_map_and_every_phone_gets_its_tiles(client, demo, auth, tmp_path):
    admin, officer = auth.login("admin"), auth.login("zf001")
    assert_error(client.get("/api/v1/basemap"), 404, "basemap.none")
    body = mbtiles(tmp_path / "a.mbtiles")
    assert_error(client.put("/api/v1/basemap", data=body, headers=officer.headers), 403, "auth.role_forbidden")
    resp = client.put("/api/v1/basemap", data=body, headers={**admin.headers, "Content-Type": "application/x-sqlite3"})
    assert resp.status_code == 200, resp.get_json()
    info = resp.get_json()
    assert (info["name"], info["format"], info["minzoom"], info["maxzoom"], info["tiles"]) == ("蛟川街道底图", "png", 15, 15, 1)
    assert info["bounds"] == [121.58, 29.94, 121.66, 30.0] and info["tile_url"].endswith(f"?v={info['sha256'][:12]}")
    # the phone's map asks in the XYZ scheme; the file keeps TMS rows
    tile = client.get(info["tile_url"].format(z=15, x=27445, y=13456))
    assert tile.status_code == 200 and tile.mimetype == "image/png" and "immutable" in tile.headers["Cache-Control"]
    assert Image.open(io.BytesIO(tile.data)).getpixel((5, 5)) == (200, 30, 30)
    assert client.get("/api/v1/basemap/tiles/15/27445/13457").status_code == 404  # nothing there
    assert client.get("/app-config.json").get_json()["basemap"]["sha256"] == info["sha256"]  # the phones learn of it


def test_a_bad_file_is_refused_and_the_loaded_map_stays(client, demo, auth, tmp_path):
    admin = auth.login("admin")
    good = client.put("/api/v1/basemap", data=mbtiles(tmp_path / "a.mbtiles"), headers=admin.headers).get_json()
    for body, code in ((b"<html>not a map</html>", "basemap.not_mbtiles"), (mbtiles(tmp_path / "v.mbtiles", fmt="pbf"), "basemap.vector_not_supported"),
                       (mbtiles(tmp_path / "e.mbtiles", tiles=()), "basemap.empty"), (b"", "basemap.empty")):
        assert_error(client.put("/api/v1/basemap", data=body, headers=admin.headers), 422, code)
    assert client.get("/api/v1/basemap").get_json()["sha256"] == good["sha256"]
    assert client.get(good["tile_url"].format(z=15, x=27445, y=13456)).status_code == 200
