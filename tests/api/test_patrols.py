"""Patrols: ingest of fix batches, the derived summary on both engines, and the read API."""
from __future__ import annotations

import re
import json

import uuid
from datetime import datetime, timedelta, timezone

import gpxpy
import pytest
from lxml import etree
from shapely.geometry import Point, shape

from backend import clock
from backend.auth.models import Officer
from backend.errors import ApiError
from backend.extensions import db
from backend.patrols import service
from geo.synthetic import synthetic_walk
from tests.conftest import assert_error

START = datetime(2026, 11, 20, 0, 30, tzinfo=timezone.utc)  # 08:30 in Ningbo


def officer(username: str) -> Officer:
    return db.session.query(Officer).filter_by(username=username).one()


def points_of(fixes) -> list[dict]:
    return [{"t": int(round(f.t * 1000)), "lat": f.lat, "lon": f.lon, "accuracy": f.accuracy, "speed": f.speed} for f in fixes]


def grid_centroids(client, headers) -> dict[str, tuple[float, float]]:
    fc = client.get("/api/v1/grids", headers=headers).get_json()
    return {f["properties"]["code"]: shape(f["geometry"]).representative_point().coords[0] for f in fc["features"]}, fc


def record_walk(app, walk, *, usernames=("zf001", "zf002"), batch=60, end=True) -> str:
    patrol_id = str(uuid.uuid4())
    with app.app_context():
        lead = officer(usernames[0])
        service.start_patrol(patrol_id=patrol_id, officer=lead, device_id="dev-walk-0001",
                             started_at=datetime.fromtimestamp(walk.fixes[0].t, tz=timezone.utc),
                             captured_at=datetime.fromtimestamp(walk.fixes[0].t, tz=timezone.utc),
                             officer_ids=[officer(u).id for u in usernames[1:]])
        pts = points_of(walk.fixes)
        for i in range(0, len(pts), batch):
            service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=patrol_id, points=pts[i:i + batch],
                                     officer=lead, device_id="dev-walk-0001")
        if end:
            service.end_patrol(patrol_id=patrol_id, officer=lead,
                               ended_at=datetime.fromtimestamp(walk.fixes[-1].t + 5, tz=timezone.utc))
    return patrol_id


@pytest.fixture
def walk_setup(app, client, demo, auth):
    s = auth.login("zf001")
    centroids, fc = grid_centroids(client, s.headers)
    route = [centroids[c] for c in ("JC-007", "JC-008", "JC-013", "JC-012")]
    walk = synthetic_walk(route, start_t=START.timestamp(), noise_m=4.0, dwell_s={1: 300},
                          tunnel=(1300, 1480), teleports=(30, 250), seed=11)
    polygons = {f["properties"]["code"]: shape(f["geometry"]) for f in fc["features"]}
    return s, walk, polygons


def test_a_realistic_walk_gets_the_right_distance_grids_and_gaps(app, client, walk_setup):
    s, walk, polygons = walk_setup
    patrol_id = record_walk(app, walk)
    body = client.get(f"/api/v1/patrols/{patrol_id}", headers=s.headers).get_json()
    assert body["status"] == "ended"
    assert abs(body["distance_m"] - walk.true_length_m) / walk.true_length_m < 0.02
    assert body["fix_count"] == len(walk.fixes)
    assert body["dropped"] == {"teleport": 2}
    assert len(body["gaps"]) == 1 and 170 <= body["gaps"][0]["duration_s"] <= 200
    assert any(st["duration_s"] >= 290 for st in body["stops"])
    # the grids: those the true path passes through outside the tunnel
    t0 = walk.true_positions[0][0]
    expected = {code for t, lon, lat in walk.true_positions if not 1300 <= t - t0 <= 1480
                for code, poly in polygons.items() if poly.contains(Point(lon, lat))}
    got = {g["code"] for g in body["grids"]}
    assert {"JC-007", "JC-008", "JC-013", "JC-012"} <= got
    assert got <= expected | {g for g in got if next(x for x in body["grids"] if x["code"] == g)["seconds"] < 30}
    in_grids = sum(g["seconds"] for g in body["grids"])
    assert abs(in_grids - (body["duration_s"] - body["gaps"][0]["duration_s"])) < 60
    assert body["moving_s"] < body["duration_s"] - 290 - 170
    assert [o["username"] for o in body["officers"]] == ["zf001", "zf002"]


def test_stored_line_has_a_spatial_index_and_is_queryable(app, walk_setup):
    from geoalchemy2.shape import to_shape
    from sqlalchemy import func, select

    from backend.patrols.models import Patrol

    _, walk, polygons = walk_setup
    patrol_id = record_walk(app, walk)
    with app.app_context():
        line = to_shape(db.session.get(Patrol, patrol_id).geom)
        assert line.geom_type == "LineString" and len(line.coords) < len(walk.fixes)
        box = polygons["JC-008"]
        hits = db.session.scalars(select(Patrol.id).where(func.ST_Intersects(Patrol.geom, func.ST_GeomFromText(box.wkt, 4326)))).all()
        assert hits == [patrol_id]


def test_track_exports_parse(app, client, walk_setup):
    s, walk, _ = walk_setup
    patrol_id = record_walk(app, walk)
    gj = client.get(f"/api/v1/patrols/{patrol_id}/track", headers=s.headers)
    assert gj.headers["Content-Type"].startswith("application/geo+json")
    feature = gj.get_json()
    assert feature["geometry"]["type"] == "MultiLineString" and len(feature["geometry"]["coordinates"]) == 2
    gpx = gpxpy.parse(client.get(f"/api/v1/patrols/{patrol_id}/track?format=gpx", headers=s.headers).get_data(as_text=True))
    assert len(gpx.tracks[0].segments) == 2
    assert sum(len(seg.points) for seg in gpx.tracks[0].segments) == len(walk.fixes) - 2  # teleports gone
    resp = client.get(f"/api/v1/patrols/{patrol_id}/track?format=kml", headers=s.headers)
    kml = etree.fromstring(resp.get_data())
    gx = "{http://www.google.com/kml/ext/2.2}"
    tracks = kml.findall(f".//{gx}Track")
    assert len(tracks) == 2 and all(len(t.findall(f"{gx}coord")) == len(t.findall("{http://www.opengis.net/kml/2.2}when")) for t in tracks)
    assert re.search(r'filename="patrol-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.kml"', resp.headers["Content-Disposition"])
    simple = client.get(f"/api/v1/patrols/{patrol_id}/track?simplify=20", headers=s.headers).get_json()
    assert sum(map(len, simple["geometry"]["coordinates"])) < sum(map(len, feature["geometry"]["coordinates"])) / 5
    assert_error(client.get(f"/api/v1/patrols/{patrol_id}/track?format=shp", headers=s.headers), 422, "validation_error")


def test_who_may_read_a_patrol(app, client, demo, auth, walk_setup):
    _, walk, _ = walk_setup
    patrol_id = record_walk(app, walk, usernames=("zf001",))
    assert client.get(f"/api/v1/patrols/{patrol_id}", headers=auth.login("zf001").headers).status_code == 200
    assert_error(client.get(f"/api/v1/patrols/{patrol_id}", headers=auth.login("zf002").headers), 403, "patrol.not_participant")
    assert client.get(f"/api/v1/patrols/{patrol_id}", headers=auth.login("zd001").headers).status_code == 200
    assert_error(client.get(f"/api/v1/patrols/{patrol_id}", headers=auth.login("zd101").headers), 403, "auth.other_jurisdiction")
    assert client.get(f"/api/v1/patrols/{patrol_id}", headers=auth.login("admin").headers).status_code == 200
    assert_error(client.get("/api/v1/patrols/nope", headers=auth.login("zd001").headers), 404, "patrol.not_found")


def test_patrol_list_filters(app, client, demo, auth, walk_setup):
    _, walk, _ = walk_setup
    mine = record_walk(app, walk, usernames=("zf001",))
    later = synthetic_walk([(121.615, 29.97), (121.62, 29.97)], start_t=START.timestamp() + 86400, seed=2)
    other = record_walk(app, later, usernames=("zf003",))
    boss = auth.login("zd001").headers
    ids = lambda q, h=boss: [p["id"] for p in client.get(f"/api/v1/patrols{q}", headers=h).get_json()["items"]]
    assert ids("") == [other, mine]  # newest first
    assert ids("?date=2026-11-20") == [mine]
    assert ids("?date=2026-11-21") == [other]
    zf001 = client.get("/api/v1/me", headers=auth.login("zf001").headers).get_json()["officer"]["id"]
    assert ids(f"?officer={zf001}") == [mine]
    assert ids("?grid=JC-008") == [mine]
    assert ids("?limit=1") == [other]
    page = client.get("/api/v1/patrols?limit=1", headers=boss).get_json()
    assert ids(f"?limit=1&cursor={page['next']}") == [mine]
    # an officer lists only patrols they were on, and may not ask for someone else's
    officer_headers = auth.login("zf001").headers
    assert ids("", officer_headers) == [mine]
    assert_error(client.get("/api/v1/patrols?officer=999", headers=officer_headers), 403, "patrol.not_participant")
    assert_error(client.get("/api/v1/patrols?grid=XX-1", headers=boss), 404, "grid.not_found")
    assert ids("", auth.login("zd101").headers) == []


def test_batches_are_idempotent_and_conflicts_change_nothing(app, demo):
    walk = synthetic_walk([(121.615, 29.97), (121.62, 29.97)], start_t=START.timestamp(), seed=4)
    pts = points_of(walk.fixes)
    with app.app_context():
        lead = officer("zf001")
        pid = str(uuid.uuid4())
        kwargs = dict(patrol_id=pid, officer=lead, device_id="dev-walk-0001", started_at=START, captured_at=START)
        assert service.start_patrol(**kwargs)[1] is True
        assert service.start_patrol(**kwargs)[1] is False
        with pytest.raises(ApiError) as exc:
            service.start_patrol(**{**kwargs, "started_at": START + timedelta(minutes=1)})
        assert exc.value.code == "patrol.conflict"
        bid = str(uuid.uuid4())
        assert service.add_track_points(batch_id=bid, patrol_id=pid, points=pts[:50], officer=lead, device_id="d")[1] is True
        assert service.add_track_points(batch_id=bid, patrol_id=pid, points=pts[:50], officer=lead, device_id="d")[1] is False
        with pytest.raises(ApiError) as exc:
            service.add_track_points(batch_id=bid, patrol_id=pid, points=pts[:49], officer=lead, device_id="d")
        assert exc.value.code == "track.conflict"
        patrol = service.get_patrol(pid)
        assert patrol.fix_count == 50
        assert len(service.patrol_fixes(patrol)) == 50
        # the packed fixes come back as sent (1e-7 degree, 0.1 m, 1 ms)
        back = service.patrol_fixes(patrol)[10]
        sent = walk.fixes[10]
        assert abs(back.lat - sent.lat) < 1e-7 and abs(back.lon - sent.lon) < 1e-7 and back.t == round(sent.t, 3)


@pytest.mark.parametrize(
    "bad,index,field",
    [
        ({"lat": 29.97, "lon": 121.6, "accuracy": 5}, 1, "t"),
        ({"t": 1790000005000, "lat": "29.97", "lon": 121.6, "accuracy": 5}, 1, "lat"),
        ({"t": 1790000005000, "lat": True, "lon": 121.6, "accuracy": 5}, 1, "lat"),
        ({"t": 1790000005000, "lat": 95.0, "lon": 121.6, "accuracy": 5}, 1, "lat"),
        ({"t": 1790000005000, "lat": 29.97, "lon": 121.6, "accuracy": -1}, 1, "accuracy"),
        ({"t": 1790000005000, "lat": 29.97, "lon": 121.6, "accuracy": 5, "heading": 400}, 1, "heading"),
        ({"t": 1790000005000, "lat": 29.97, "lon": 121.6, "accuracy": 5, "alt": 3}, 1, "alt"),
        ({"t": 1000, "lat": 29.97, "lon": 121.6, "accuracy": 5}, 1, "t"),
        ("not a point", 1, None),
    ],
)
def test_bad_points_are_refused_with_the_point_and_field_named(app, demo, bad, index, field):
    good = {"t": 1790000000000, "lat": 29.97, "lon": 121.6, "accuracy": 5, "speed": 0}
    with app.app_context():
        lead = officer("zf001")
        pid = str(uuid.uuid4())
        service.start_patrol(patrol_id=pid, officer=lead, device_id="d", started_at=START, captured_at=START)
        with pytest.raises(ApiError) as exc:
            service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=pid, points=[good, bad], officer=lead, device_id="d")
        assert exc.value.status == 422 and exc.value.code == "track.bad_points"
        assert exc.value.details["index"] == index and exc.value.details["field"] == field
        assert service.get_patrol(pid).fix_count == 0


def test_writers_must_be_on_the_patrol_and_in_its_street(app, demo):
    with app.app_context():
        pid = str(uuid.uuid4())
        service.start_patrol(patrol_id=pid, officer=officer("zf001"), device_id="d", started_at=START, captured_at=START)
        pts = [{"t": 1790000000000, "lat": 29.97, "lon": 121.6, "accuracy": 5}]
        for username, code in (("zf002", "patrol.not_participant"), ("zf101", "auth.other_jurisdiction")):
            with pytest.raises(ApiError) as exc:
                service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=pid, points=pts, officer=officer(username), device_id="d")
            assert exc.value.code == code
        with pytest.raises(ApiError) as exc:
            service.start_patrol(patrol_id=str(uuid.uuid4()), officer=officer("zf001"), device_id="d",
                                 started_at=START, captured_at=START, officer_ids=[officer("zf101").id])
        assert exc.value.code == "patrol.bad_officers"
        with pytest.raises(ApiError) as exc:
            service.start_patrol(patrol_id=str(uuid.uuid4()), officer=officer("zf001"), device_id="d",
                                 started_at=clock.now() + timedelta(days=3), captured_at=START)
        assert exc.value.code == "time.in_future"


def test_summary_is_recomputed_when_late_fixes_arrive(app, client, demo, auth):
    walk = synthetic_walk([(121.615, 29.97), (121.625, 29.97)], start_t=START.timestamp(), seed=6, noise_m=0.0)
    first, late = walk.fixes[: len(walk.fixes) // 2], walk.fixes[len(walk.fixes) // 2:]
    with app.app_context():
        lead = officer("zf001")
        pid = str(uuid.uuid4())
        service.start_patrol(patrol_id=pid, officer=lead, device_id="d", started_at=START, captured_at=START)
        service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=pid, points=points_of(first), officer=lead, device_id="d")
        service.end_patrol(patrol_id=pid, officer=lead, ended_at=START + timedelta(hours=1))
    headers = auth.login("zf001").headers
    half = client.get(f"/api/v1/patrols/{pid}", headers=headers).get_json()["distance_m"]
    with app.app_context():
        service.add_track_points(batch_id=str(uuid.uuid4()), patrol_id=pid, points=points_of(late), officer=officer("zf001"), device_id="d")
    full = client.get(f"/api/v1/patrols/{pid}", headers=headers).get_json()["distance_m"]
    assert abs(full - walk.true_length_m) / walk.true_length_m < 0.02 and full > 1.8 * half


def test_simplified_track_keeps_each_stretch_between_gaps_as_a_line(app, client, demo, auth):
    """Douglas–Peucker runs per gap-free stretch: simplifying across a 10-minute gap must
    not leave the stretches on either side as lone points."""
    import uuid as _uuid
    from datetime import datetime as _dt, timezone as _tz

    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import service

    phone = auth.login("zf001")
    pid = str(_uuid.uuid4())
    t0 = _dt(2026, 11, 20, 1, 0, tzinfo=_tz.utc)
    with app.app_context():
        me = db.session.query(Officer).filter_by(username="zf001").one()
        service.start_patrol(patrol_id=pid, officer=me, device_id=phone.device_id, started_at=t0, captured_at=t0)
        ms = int(t0.timestamp() * 1000)
        pts = [{"t": ms + 10000 * i + (600000 if i >= 40 else 0), "lat": 29.968 + 0.00002 * i, "lon": 121.612 + 0.0001 * i,
                "accuracy": 5} for i in range(80)]
        service.add_track_points(patrol_id=pid, batch_id=str(_uuid.uuid4()), device_id=phone.device_id, points=pts, officer=me)
        db.session.commit()
    resp = client.get(f"/api/v1/patrols/{pid}/track?format=geojson&simplify=3", headers=phone.headers)
    body = json.loads(resp.data) if resp.status_code == 200 else resp.data
    lines = body["geometry"]["coordinates"]
    assert len(lines) == 2 and all(len(line) >= 2 for line in lines), body
