"""The offline base map (#20): an administrator loads an MBTiles or PMTiles file of raster or
vector tiles (made here with sqlite3, Pillow, the pmtiles writer and a small MVT encoder —
tests/basemap_files.py —, never fetched); tiles are served in the XYZ scheme whatever the
container; a bad file is refused with a reason and leaves the loaded map as it was."""
from __future__ import annotations

import gzip
import io
import sqlite3

import pytest
from PIL import Image
from pmtiles.tile import Compression, TileType

from backend.basemap import service
from tests.basemap_files import (
    BOUNDS,
    VECTOR_LAYERS,
    mbtiles,
    pmtiles,
    png,
    raster_pmtiles,
    street_tile,
    tile_xy,
    tiles_in,
    vector_pmtiles,
)
from tests.conftest import assert_error

__all__ = ["mbtiles"]  # other tests make their MBTiles through here

MVT = "application/vnd.mapbox-vector-tile"


@pytest.fixture(autouse=True)
def no_basemap(app):
    """The media folder outlives a test: each starts, and leaves, with no base map."""
    service.remove(app.config["MEDIA_ROOT"])
    yield
    service.remove(app.config["MEDIA_ROOT"])


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
    for body, code in ((b"<html>not a map</html>", "basemap.unknown_file"), (mbtiles(tmp_path / "v.mbtiles", fmt="pbf"), "basemap.tile_mismatch"),
                       (mbtiles(tmp_path / "e.mbtiles", tiles=()), "basemap.empty"), (b"", "basemap.empty")):
        assert_error(client.put("/api/v1/basemap", data=body, headers=admin.headers), 422, code)
    assert client.get("/api/v1/basemap").get_json()["sha256"] == good["sha256"]
    assert client.get(good["tile_url"].format(z=15, x=27445, y=13456)).status_code == 200


def _centre_tile(z: int) -> tuple[int, int, int]:
    x, y = tile_xy(29.97, 121.62, z)
    return z, int(x), int(y)


def test_a_vector_pmtiles_map_is_served_as_gzipped_vector_tiles_with_its_layers(client, demo, auth, tmp_path):
    admin = auth.login("admin")
    resp = client.put("/api/v1/basemap", data=vector_pmtiles(tmp_path / "v.pmtiles"), headers=admin.headers)
    assert resp.status_code == 200, resp.get_json()
    info = resp.get_json()
    assert (info["container"], info["kind"], info["format"], info["compression"]) == ("pmtiles", "vector", "pbf", "gzip")
    assert (info["name"], info["minzoom"], info["maxzoom"], info["tiles"]) == ("蛟川街道矢量底图", 12, 14, len(tiles_in()))
    assert info["vector_layers"] == VECTOR_LAYERS and info["bounds"] == pytest.approx(list(BOUNDS))
    assert client.get("/api/v1/basemap").get_json()["kind"] == "vector"
    assert client.get("/app-config.json").get_json()["basemap"]["vector_layers"] == VECTOR_LAYERS  # the phone picks its renderer
    url = info["tile_url"].format(z=14, x=_centre_tile(14)[1], y=_centre_tile(14)[2])
    # a browser (Accept-Encoding: gzip) gets the stored bytes and inflates them itself
    browser = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert browser.status_code == 200 and browser.mimetype == MVT and browser.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in browser.headers["Vary"] and "immutable" in browser.headers["Cache-Control"]
    assert gzip.decompress(browser.data) == street_tile(*_centre_tile(14))
    # a client that does not take gzip gets the tile inflated, under the same URL
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and plain.mimetype == MVT and "Content-Encoding" not in plain.headers
    assert plain.data == street_tile(*_centre_tile(14))
    assert client.get(info["tile_url"].format(z=15, x=_centre_tile(15)[1], y=_centre_tile(15)[2])).status_code == 404  # beyond the file


def test_uncompressed_vector_tiles_and_raster_pmtiles_are_served_as_stored(client, demo, auth, tmp_path):
    admin = auth.login("admin")
    info = client.put("/api/v1/basemap", data=vector_pmtiles(tmp_path / "v.pmtiles", gzipped=False), headers=admin.headers).get_json()
    assert (info["kind"], info["compression"]) == ("vector", "none")
    tile = client.get(info["tile_url"].format(z=13, x=_centre_tile(13)[1], y=_centre_tile(13)[2]), headers={"Accept-Encoding": "gzip"})
    assert tile.mimetype == MVT and "Content-Encoding" not in tile.headers and tile.data == street_tile(*_centre_tile(13))
    info = client.put("/api/v1/basemap", data=raster_pmtiles(tmp_path / "r.pmtiles"), headers=admin.headers).get_json()
    assert (info["container"], info["kind"], info["format"], info["minzoom"], info["maxzoom"]) == ("pmtiles", "raster", "png", 14, 15)
    assert info["vector_layers"] == [] and info["tiles"] == len(tiles_in(zooms=(14, 15)))
    tile = client.get(info["tile_url"].format(z=15, x=_centre_tile(15)[1], y=_centre_tile(15)[2]))
    assert tile.status_code == 200 and tile.mimetype == "image/png" and "Content-Encoding" not in tile.headers
    assert Image.open(io.BytesIO(tile.data)).getpixel((5, 5)) == (30, 120, 200)
    assert len(list(service.folder(client.application.config["MEDIA_ROOT"]).glob("*.pmtiles"))) == 1  # the replaced file is gone


def test_a_vector_mbtiles_map_names_its_layers_from_its_metadata(client, demo, auth, tmp_path):
    admin = auth.login("admin")
    body = mbtiles(tmp_path / "v.mbtiles", fmt="pbf", tiles=tiles_in(zooms=(13,)), data=lambda *zxy: gzip.compress(street_tile(*zxy)),
                   metadata={"json": '{"vector_layers": [{"id": "water"}, {"id": "transportation"}]}'})
    info = client.put("/api/v1/basemap", data=body, headers=admin.headers).get_json()
    assert (info["container"], info["kind"], info["format"], info["compression"]) == ("mbtiles", "vector", "pbf", "gzip")
    assert info["vector_layers"] == ["water", "transportation"]
    tile = client.get(info["tile_url"].format(z=13, x=_centre_tile(13)[1], y=_centre_tile(13)[2]), headers={"Accept-Encoding": "gzip"})
    assert tile.mimetype == MVT and tile.headers["Content-Encoding"] == "gzip" and gzip.decompress(tile.data) == street_tile(*_centre_tile(13))
    # without a layer list, the names come from the tiles themselves
    info = client.put("/api/v1/basemap", data=mbtiles(tmp_path / "w.mbtiles", fmt="pbf", tiles=tiles_in(zooms=(13,)), data=street_tile),
                      headers=admin.headers).get_json()
    assert (info["compression"], info["vector_layers"]) == ("none", sorted(VECTOR_LAYERS))


def _refusals(tmp_path) -> list[tuple[bytes, str]]:
    street = {zxy: gzip.compress(street_tile(*zxy)) for zxy in tiles_in(zooms=(13,))}
    good = vector_pmtiles(tmp_path / "good.pmtiles")
    v2 = bytearray(good)
    v2[7] = 2
    not_mbtiles = tmp_path / "other.sqlite"
    con = sqlite3.connect(not_mbtiles)
    con.execute("CREATE TABLE photos (id INTEGER)")
    con.commit()
    con.close()
    return [
        (b"<html>not a map</html>", "basemap.unknown_file"),
        (b"PK\x03\x04" + b"\x00" * 200, "basemap.unknown_file"),  # a zip of tiles, say
        (not_mbtiles.read_bytes(), "basemap.not_mbtiles"),
        (good[: len(good) // 2], "basemap.not_pmtiles"),  # cut off in transfer
        (bytes(v2), "basemap.pmtiles_version"),
        (pmtiles(tmp_path / "avif.pmtiles", street, TileType.AVIF), "basemap.bad_format"),
        (pmtiles(tmp_path / "br.pmtiles", street, TileType.MVT, Compression.BROTLI), "basemap.bad_compression"),
        (pmtiles(tmp_path / "png-as-mvt.pmtiles", {(13, 6860, 3364): png()}, TileType.MVT), "basemap.tile_mismatch"),
        (pmtiles(tmp_path / "mvt-as-png.pmtiles", street, TileType.PNG), "basemap.tile_mismatch"),
        (pmtiles(tmp_path / "west-east.pmtiles", street, TileType.MVT, Compression.GZIP, bounds=(121.66, 29.94, 121.58, 30.0)), "basemap.bad_bounds"),
        (pmtiles(tmp_path / "pole.pmtiles", street, TileType.MVT, Compression.GZIP, bounds=(121.58, 29.94, 121.66, 91.0)), "basemap.bad_bounds"),
        (mbtiles(tmp_path / "deep.mbtiles", tiles=((25, 0, 0),)), "basemap.bad_zoom"),
        (mbtiles(tmp_path / "bounds.mbtiles", metadata={"bounds": "121.58,29.94"}), "basemap.bad_bounds"),
        (mbtiles(tmp_path / "svg.mbtiles", fmt="svg"), "basemap.bad_format"),
    ]


def test_files_that_are_not_a_usable_map_are_refused_naming_the_file(client, demo, auth, tmp_path):
    admin = auth.login("admin")
    good = client.put("/api/v1/basemap", data=vector_pmtiles(tmp_path / "v.pmtiles"), headers=admin.headers).get_json()
    for body, code in _refusals(tmp_path):
        err = assert_error(client.put("/api/v1/basemap", data=body, headers=admin.headers), 422, code)
        assert err["details"]["field"] == "file", (code, err)
    assert client.get("/api/v1/basemap").get_json()["sha256"] == good["sha256"]  # the loaded map stays
    assert client.get(good["tile_url"].format(z=14, x=_centre_tile(14)[1], y=_centre_tile(14)[2])).status_code == 200
    assert not list(service.folder(client.application.config["MEDIA_ROOT"]).glob("*.part"))  # nothing left of the refused uploads


def test_a_file_over_the_limit_is_refused_with_413(client, demo, auth, tmp_path, app):
    admin = auth.login("admin")
    app.config["BASEMAP_MAX_BYTES"], limit = 1 << 20, app.config["BASEMAP_MAX_BYTES"]
    try:
        body = vector_pmtiles(tmp_path / "v.pmtiles") + b"\x00" * (1 << 20)
        err = assert_error(client.put("/api/v1/basemap", data=body, headers=admin.headers), 413, "basemap.too_large")
        assert err["details"] == {"field": "file", "max_mb": 1} and "1 MB" in err["message"]["zh-CN"]
    finally:
        app.config["BASEMAP_MAX_BYTES"] = limit
