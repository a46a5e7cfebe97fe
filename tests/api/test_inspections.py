"""Inspections: validation rules, grid from location, re-inspection dates, the list filters."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from marshmallow import ValidationError
from shapely.geometry import shape

from backend import clock
from backend.auth.models import Officer
from backend.errors import ApiError
from backend.extensions import db
from backend.patrols import service
from tests.conftest import assert_error

T = datetime(2026, 11, 20, 2, 0, tzinfo=timezone.utc)  # 10:00 in Ningbo
USCC = "91350100M000100Y43"
PHOTO = "a" * 64


def officer(username: str) -> Officer:
    return db.session.query(Officer).filter_by(username=username).one()


def inspect(username="zf001", **overrides):
    kwargs = dict(
        inspection_id=str(uuid.uuid4()), officer=officer(username), device_id="dev-insp-0001", captured_at=T,
        inspected_at=T, lat=29.97, lon=121.62, accuracy_m=6.0, subject_name="老王早餐店",
        subject_address="蛟川街道某路 1 号", subject_uscc=USCC, matter_code="SR-001", result="compliant", photos=[PHOTO],
    )
    kwargs.update(overrides)
    return service.record_inspection(**kwargs)


@pytest.fixture
def centroids(client, demo, auth):
    fc = client.get("/api/v1/grids", headers=auth.login("zd001").headers).get_json()
    return {f["properties"]["code"]: shape(f["geometry"]).representative_point() for f in fc["features"]}


def test_grid_is_computed_from_the_location(app, centroids):
    p = centroids["JC-010"]
    with app.app_context():
        inspection, created = inspect(lat=p.y, lon=p.x)
        assert created and inspection.grid.code == "JC-010"
        outside, _ = inspect(lat=29.90, lon=121.50)
        assert outside.grid_id is None


def test_rectification_sets_the_reinspection_due_date(app, demo):
    with app.app_context():
        inspection, _ = inspect(result="rectify", rectify_deadline=date(2026, 11, 27))
        assert inspection.reinspect_due == date(2026, 11, 28)
        for deadline, code in ((None, "inspection.deadline_required"), (date(2026, 11, 19), "inspection.bad_deadline"),
                               (date(2027, 11, 19), "inspection.bad_deadline")):
            with pytest.raises(ApiError) as exc:
                inspect(result="rectify", rectify_deadline=deadline)
            assert exc.value.code == code
        with pytest.raises(ApiError) as exc:
            inspect(result="compliant", rectify_deadline=date(2026, 11, 27))
        assert exc.value.code == "inspection.unexpected_deadline"


def test_a_violation_may_name_its_follow_up(app, demo):
    with app.app_context():
        undecided, _ = inspect(result="violation")
        assert undecided.follow_up is None
        inspection, _ = inspect(result="violation", follow_up="ticket")
        assert inspection.follow_up == "ticket"
        with pytest.raises(ApiError) as exc:
            inspect(result="compliant", follow_up="case")
        assert exc.value.code == "inspection.unexpected_follow_up"


@pytest.mark.parametrize(
    "overrides,code",
    [
        ({"subject_uscc": "91350100M000100Y44"}, "inspection.bad_uscc"),
        ({"matter_code": "NOPE-1"}, "inspection.unknown_matter"),
        ({"result": "fine"}, "inspection.bad_result"),
        ({"photos": ["XYZ"]}, "inspection.bad_photos"),
        ({"photos": [PHOTO, PHOTO]}, "inspection.bad_photos"),
        ({"patrol_id": str(uuid.uuid4())}, "inspection.unknown_patrol"),
        ({"inspected_at": clock.now() + timedelta(days=2)}, "time.in_future"),
    ],
)
def test_invalid_inspections_are_refused_with_a_code(app, demo, overrides, code):
    with app.app_context():
        with pytest.raises(ApiError) as exc:
            inspect(**overrides)
        assert exc.value.code == code and exc.value.status == 422


def test_same_id_is_idempotent_and_other_content_conflicts(app, demo):
    with app.app_context():
        iid = str(uuid.uuid4())
        assert inspect(inspection_id=iid)[1] is True
        assert inspect(inspection_id=iid)[1] is False
        with pytest.raises(ApiError) as exc:
            inspect(inspection_id=iid, notes="changed")
        assert exc.value.code == "inspection.conflict" and exc.value.status == 409


def test_the_inspection_records_schema_refuses_naive_times_bad_references_and_unknown_fields():
    from backend.records import kinds

    schema = kinds()["inspection"].schema  # the one payload contract of an inspection
    base = {"inspected_at": "2026-11-20T10:00:00+08:00", "lat": 29.97, "lon": 121.62, "subject": {"name": "店"}, "result": "compliant"}
    loaded = schema.load(base)
    assert loaded["inspected_at"].utcoffset() == timedelta(hours=8)
    for bad, field in (({"inspected_at": "2026-11-20T10:00:00"}, "inspected_at"), ({"photos": ["abc"]}, "photos"),
                       ({"extra": 1}, "extra"), ({"patrol_id": "../x"}, "patrol_id"), ({"result": "maybe"}, "result")):
        with pytest.raises(ValidationError) as exc:
            schema.load({**base, **bad})
        assert field in exc.value.messages


def test_list_filters_by_bbox_time_grid_and_result(app, client, auth, centroids):
    a, b = centroids["JC-003"], centroids["JC-020"]
    with app.app_context():
        in_a, _ = inspect(lat=a.y, lon=a.x, result="compliant")
        in_b, _ = inspect(lat=b.y, lon=b.x, result="rectify", rectify_deadline=date(2026, 11, 30), inspected_at=T + timedelta(hours=3))
        other, _ = inspect(username="zf101", lat=29.97, lon=121.68)
        ids_a, ids_b, ids_other = in_a.id, in_b.id, other.id
    h = auth.login("zd001").headers
    ids = lambda q: [i["id"] for i in client.get(f"/api/v1/inspections{q}", headers=h).get_json()["items"]]
    assert ids("") == [ids_b, ids_a]  # newest first, own street only
    d = 0.0005
    assert ids(f"?bbox={a.x - d},{a.y - d},{a.x + d},{a.y + d}") == [ids_a]
    assert ids("?result=rectify") == [ids_b]
    assert ids("?grid=JC-020") == [ids_b]
    assert ids("?from=2026-11-20T11:00:00%2B08:00") == [ids_b]
    assert ids("?to=2026-11-20T11:00:00%2B08:00") == [ids_a]
    body = client.get("/api/v1/inspections?limit=1", headers=h).get_json()
    assert [i["id"] for i in body["items"]] == [ids_b] and body["next"]
    assert ids(f"?limit=1&cursor={body['next']}") == [ids_a]
    detail = client.get(f"/api/v1/inspections/{ids_b}", headers=h).get_json()
    assert detail["grid"]["code"] == "JC-020" and detail["reinspect_due"] == "2026-12-01"
    assert detail["officer"]["username"] == "zf001" and detail["photos"] == [PHOTO]
    assert_error(client.get(f"/api/v1/inspections/{ids_other}", headers=h), 403, "auth.other_jurisdiction")
    for bad in ("?bbox=1,2,3", "?bbox=a,b,c,d", "?bbox=122,30,121,29", "?from=yesterday", "?result=maybe"):
        assert_error(client.get(f"/api/v1/inspections{bad}", headers=h), 422, "validation_error")


def test_list_items_are_exactly_what_the_schema_dumps(app, client, auth, centroids):
    """The list is sent without a marshmallow pass (a page of 200 at district scale): each
    item must be what `InspectionSchema` would send — the same keys, types and formats —
    and the same as the inspection's own page. One with a grid and a matter, one with
    neither (outside every grid, no matter code)."""
    from backend.patrols.schemas import InspectionSchema

    a = centroids["JC-003"]
    with app.app_context():
        inspect(lat=a.y, lon=a.x, result="rectify", rectify_deadline=date(2026, 11, 30))
        inspect(lat=29.5, lon=121.0, matter_code=None, subject_uscc=None, accuracy_m=None, photos=[])
    h = auth.login("zd001").headers
    items = client.get("/api/v1/inspections", headers=h).get_json()["items"]
    assert len(items) == 2 and {i["grid"] is None for i in items} == {True, False}
    schema = InspectionSchema()
    for item in items:
        assert schema.dump(schema.load(item)) == item  # every field present, typed and formatted as the schema does
        one = client.get(f"/api/v1/inspections/{item['id']}", headers=h).get_json()
        assert one.pop("amendments") == [] and one == item  # the single one adds its amendments
    with_grid = next(i for i in items if i["grid"])
    assert with_grid["grid"]["code"] == "JC-003" and with_grid["matter_code"] == "SR-001"
    assert with_grid["rectify_deadline"] == "2026-11-30" and with_grid["inspected_at"] == "2026-11-20T02:00:00+00:00"
