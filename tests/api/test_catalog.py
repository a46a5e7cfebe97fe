"""Reference endpoints the PWA caches: /me, /matters, /grids (ETag), point → grid."""
from __future__ import annotations

import random

from shapely.geometry import Point, shape

from tests.conftest import assert_error


def test_me_has_profile_certificate_grids_and_device(client, demo, auth):
    s = auth.login("zf001")
    me = client.get("/api/v1/me", headers=s.headers).get_json()
    assert me["officer"]["name"] == "张伟"
    assert me["jurisdiction"]["name"] == "蛟川街道"
    assert me["certificate"]["number"].startswith("浙综执")
    assert me["can_decide_penalties"] is True
    assert len(me["grids"]) >= 5 and all(g["code"].startswith("JC-") for g in me["grids"])
    assert me["device"]["device_id"] == s.device_id


def test_me_for_auxiliary_and_lapsed_certificate_cannot_decide_penalties(client, demo, auth):
    aux = client.get("/api/v1/me", headers=auth.login("fz001").headers).get_json()
    assert aux["officer"]["role"] == "auxiliary"
    assert aux["certificate"] is None and aux["can_decide_penalties"] is False
    lapsed = client.get("/api/v1/me", headers=auth.login("zf008").headers).get_json()
    assert lapsed["certificate"] is None and lapsed["can_decide_penalties"] is False


def test_matters_is_the_whole_catalog_in_one_answer(client, demo, auth):
    s = auth.login("zf001")
    resp = client.get("/api/v1/matters", headers=s.headers)
    body = resp.get_json()
    assert body["next"] is None
    items = body["items"]
    assert len(items) >= 30
    first = items[0]
    for key in ("code", "name", "domain", "legal_basis", "penalty_basis", "simple_procedure", "ranges", "tiers"):
        assert key in first
    by_code = {m["code"]: m for m in items}
    occupy = by_code["SR-001"]  # 占道经营: 100–1000 yuan
    assert occupy["ranges"]["citizen"] == {"min_fen": 10000, "max_fen": 100000}
    assert occupy["simple_procedure"] is True
    assert by_code["HJ-003"]["simple_procedure"] is False  # 餐饮油烟: closed to simple procedure
    assert by_code["HJ-005"]["ranges"]["citizen"] is None
    # the whole catalog, with empowerment flagged for the caller's street
    assert by_code["GH-002"]["empowered"] is False and by_code["SR-001"]["empowered"] is True


def test_matters_differ_in_empowerment_between_streets(client, demo, auth):
    jc = {m["code"]: m["empowered"] for m in client.get("/api/v1/matters", headers=auth.login("zf001").headers).get_json()["items"]}
    zbs = {m["code"]: m["empowered"] for m in client.get("/api/v1/matters", headers=auth.login("zf101").headers).get_json()["items"]}
    assert jc.keys() == zbs.keys()
    assert jc["SZ-001"] is True and zbs["SZ-001"] is False


def test_matter_detail_and_unknown_code(client, demo, auth):
    s = auth.login("zf001")
    m = client.get("/api/v1/matters/SR-013", headers=s.headers).get_json()
    assert m["ranges"]["citizen"] == {"min_fen": 10000, "max_fen": 50000}
    assert [t["level"] for t in m["tiers"]] == [1, 2, 3]
    assert_error(client.get("/api/v1/matters/NOPE-1", headers=s.headers), 404, "matter.not_found")


def test_matters_and_grids_answer_304_to_a_matching_etag(client, demo, auth):
    s = auth.login("zf001")
    for path in ("/api/v1/me", "/api/v1/matters", "/api/v1/grids"):
        first = client.get(path, headers=s.headers)
        etag = first.headers["ETag"]
        assert etag
        again = client.get(path, headers={**s.headers, "If-None-Match": etag})
        assert again.status_code == 304 and again.get_data() == b""
        stale = client.get(path, headers={**s.headers, "If-None-Match": '"not-the-etag"'})
        assert stale.status_code == 200 and stale.headers["ETag"] == etag


def test_grids_etag_changes_when_a_grid_changes(app, client, demo, auth):
    from backend.catalog.models import Grid
    from backend.extensions import db

    s = auth.login("zf001")
    etag = client.get("/api/v1/grids", headers=s.headers).headers["ETag"]
    with app.app_context():
        db.session.query(Grid).filter_by(code="JC-001").update({"name": "改名网格"})
        db.session.commit()
    resp = client.get("/api/v1/grids", headers={**s.headers, "If-None-Match": etag})
    assert resp.status_code == 200 and resp.headers["ETag"] != etag


def test_grids_are_a_geojson_feature_collection_of_own_street_only(client, demo, auth):
    fc = client.get("/api/v1/grids", headers=auth.login("zf001").headers).get_json()
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) >= 20
    for f in fc["features"]:
        assert f["type"] == "Feature" and f["geometry"]["type"] == "Polygon"
        assert f["properties"]["code"].startswith("JC-")
        assert shape(f["geometry"]).is_valid
    other = client.get("/api/v1/grids", headers=auth.login("zf101").headers).get_json()
    assert {f["properties"]["code"][:3] for f in other["features"]} == {"ZBS"}


def test_grids_of_another_street_are_forbidden_except_for_a_district_admin(client, demo, auth):
    s = auth.login("zf001")
    assert_error(client.get("/api/v1/grids?jurisdiction_id=2", headers=s.headers), 403, "auth.other_jurisdiction")
    admin = auth.login("admin")
    fc = client.get("/api/v1/grids?jurisdiction_id=2", headers=admin.headers).get_json()
    assert {f["properties"]["jurisdiction_id"] for f in fc["features"]} == {2}
    everything = client.get("/api/v1/grids", headers=admin.headers).get_json()
    assert {f["properties"]["jurisdiction_id"] for f in everything["features"]} == {1, 2}


def test_point_to_grid_over_http(client, demo, auth):
    s = auth.login("zf001")
    fc = client.get("/api/v1/grids", headers=s.headers).get_json()
    target = fc["features"][4]
    inside = shape(target["geometry"]).representative_point()
    resp = client.get(f"/api/v1/grids/at?lat={inside.y}&lon={inside.x}", headers=s.headers)
    assert resp.status_code == 200
    assert resp.get_json()["code"] == target["properties"]["code"]
    # in the sea east of the district: no grid
    assert_error(client.get("/api/v1/grids/at?lat=29.97&lon=121.9", headers=s.headers), 404, "grid.not_found")
    # inside the other street: not one of ours
    assert_error(client.get("/api/v1/grids/at?lat=29.97&lon=121.68", headers=s.headers), 404, "grid.not_found")


def test_point_to_grid_agrees_with_shapely_on_random_points(app, client, demo, auth):
    """The spatial query (R-tree on SpatiaLite, GiST on PostGIS) vs plain shapely."""
    from backend.catalog import service

    s = auth.login("admin")
    fc = client.get("/api/v1/grids", headers=s.headers).get_json()
    polygons = [(f["properties"]["code"], shape(f["geometry"])) for f in fc["features"]]
    rng = random.Random(7)
    checked_inside = 0
    with app.app_context():
        for _ in range(300):
            lon, lat = rng.uniform(121.59, 121.70), rng.uniform(29.945, 29.998)
            found = service.grid_at(lon, lat)
            expected = [code for code, poly in polygons if poly.intersects(Point(lon, lat))]
            if expected:
                checked_inside += 1
                assert found is not None and found.code in expected, (lon, lat, expected)
            else:
                assert found is None, (lon, lat, found.code)
    assert checked_inside > 150


def test_jurisdictions_list_is_scoped(client, demo, auth):
    mine = client.get("/api/v1/jurisdictions", headers=auth.login("zd001").headers).get_json()
    assert [j["name"] for j in mine["items"]] == ["蛟川街道"]
    assert mine["items"][0]["boundary"]["type"] == "MultiPolygon"
    assert mine["items"][0]["grid_count"] >= 20
    everything = client.get("/api/v1/jurisdictions", headers=auth.login("admin").headers).get_json()
    assert len(everything["items"]) == 2


def test_matters_carry_pinyin_initials_for_search(client, demo, auth):
    session = auth.login("zf001")
    items = client.get("/api/v1/matters", headers=session.headers).get_json()["items"]
    by_name = {m["name"]: m["initials"] for m in items}
    some = next(name for name in by_name if name.startswith("擅自占用人行道"))
    assert by_name[some].startswith("szzyrxd")
