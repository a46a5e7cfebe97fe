"""The register of regulated subjects (监管对象库, 一户一档) and the rectification loop (责令整改 →
复查): subjects made and matched by the inspections that name them, search, history, merging,
the phone's offline copy, and re-inspections due."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from tests.api.test_sync import inspection, push, rec
from tests.conftest import assert_error

AT = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)  # Monday 10:00 in Shanghai
USCC = "91330206MA2AAAAA07"


@pytest.fixture
def street(demo, auth, clock_control):
    clock_control.set("2026-11-02T10:30:00+08:00")
    return auth


def visit(client, phone, *, name="某某水果店", address="蛟川街道俞范东路8号", code=None, result="compliant", at=AT, rid=None,
          subject_id=None, **over):
    subject = {"name": name, "address": address, **({"credit_code": code} if code else {}), **({"id": subject_id} if subject_id else {})}
    body = inspection(subject=subject, result=result, inspected_at=at.isoformat(), **over)
    out = push(client, phone, [rec("inspection", body, rid=rid or str(uuid.uuid4()), at=at)])[0]
    assert out["status"] == "created", out
    return out["ref"]


def subject_of(app, inspection_id):
    from backend.extensions import db
    from backend.patrols.models import Inspection

    with app.app_context():
        return db.session.get(Inspection, inspection_id).subject_id


def test_an_inspection_names_its_subject_once_by_credit_code_else_by_name_and_address(app, client, street):
    phone = street.login("zf001")
    a = visit(client, phone, name="宁波某某餐饮有限公司", code=USCC)
    b = visit(client, phone, name="某某餐饮（俞范店）", address="别处", code=USCC)  # another name, the same code: the same subject
    c = visit(client, phone)
    d = visit(client, phone, name=" 某某水果店 ")  # retyped with spaces: the same name and address
    e = visit(client, phone, address="蛟川街道俞范东路10号")  # another address: another subject
    ids = [subject_of(app, i) for i in (a, b, c, d, e)]
    assert ids[0] == ids[1] and ids[2] == ids[3] and len({ids[0], ids[2], ids[4]}) == 3
    boss = street.login("zd001")
    company = client.get(f"/api/v1/subjects/{ids[0]}", headers=boss.headers).get_json()
    assert company["credit_code"] == USCC and company["kind"] == "company" and len(company["history"]["inspections"]) == 2
    assert company["grid_id"] is not None  # placed on the street's grids from the first visit


def test_search_by_name_initials_code_and_address_nearest_first(app, client, street):
    phone = street.login("zf001")
    visit(client, phone, name="老王水果店", address="新碶街道明州路1号", lat=29.9700, lon=121.6200)
    visit(client, phone, name="小王水果店", address="新碶街道明州路9号", lat=29.9750, lon=121.6300)
    visit(client, phone, name="宁波某某餐饮有限公司", address="俞范东路8号", code=USCC, lat=29.9600, lon=121.6600)

    def names(query):
        return [s["name"] for s in client.get(f"/api/v1/subjects?{query}", headers=phone.headers).get_json()["items"]]

    assert names("q=水果") == ["小王水果店", "老王水果店"]
    assert names("q=lwsgd") == ["老王水果店"]  # pinyin initials, as typed on a phone keyboard
    assert names(f"q={USCC[:8]}") == ["宁波某某餐饮有限公司"]
    assert names("q=明州路9") == ["小王水果店"]
    assert names("q=水果&near=29.9751,121.6301") == ["小王水果店", "老王水果店"]
    assert names("q=100%25") == []  # a % is text, not a wildcard
    assert names("near=29.9701,121.6201") == ["老王水果店"]  # nothing typed: what is around here
    other = street.login("zf101")
    assert client.get("/api/v1/subjects?q=水果", headers=other.headers).get_json()["items"] == []  # another street's register


def test_the_search_answers_exactly_what_the_subject_schema_dumps(app, client, street):
    """The search reads its page as plain columns and sends it without a marshmallow pass:
    every item must still be what SubjectSchema makes of the stored subject (typed and near)."""
    from backend.extensions import db
    from backend.subjects import service
    from backend.subjects.models import Subject
    from backend.subjects.schemas import SubjectSchema

    phone = street.login("zf001")
    visit(client, phone, name="老王水果店", address="新碶街道明州路1号", code=USCC, lat=29.9700, lon=121.6200)
    visit(client, phone, name="小王水果店", address="新碶街道明州路9号", lat=29.9702, lon=121.6201)
    for query in ("q=水果", "near=29.9701,121.6201", "q=水果&near=29.9701,121.6201"):
        resp = client.get(f"/api/v1/subjects?{query}", headers=phone.headers)
        assert resp.status_code == 200 and resp.mimetype == "application/json"
        items = resp.get_json()["items"]
        assert len(items) == 2, query
        with app.app_context():
            expected = [SubjectSchema().dump(service.to_dict(db.session.get(Subject, i["id"]))) for i in items]
        assert items == expected, query
        assert {type(v) for i in items for v in (i["lat"], i["lon"])} == {float}
        assert all(i["licences"] == [] and "+" in i["created_at"] for i in items)


def test_a_picked_subject_is_used_and_another_streets_is_refused(app, client, street):
    phone = street.login("zf001")
    sid = subject_of(app, visit(client, phone))
    again = visit(client, phone, name="水果店（简称）", address="", subject_id=sid)
    assert subject_of(app, again) == sid
    other = street.login("zf101")
    body = inspection(subject={"name": "x", "id": sid}, lat=29.9600, lon=121.6800, inspected_at=AT.isoformat())
    out = push(client, other, [rec("inspection", body, at=AT)])[0]
    assert out["status"] == "rejected" and out["code"] == "subject.not_found"


def test_a_supervisor_merges_a_duplicate_and_its_history_follows(app, client, street):
    phone = street.login("zf001")
    keep = subject_of(app, visit(client, phone, name="宁波某某餐饮有限公司", code=USCC))
    dup = subject_of(app, visit(client, phone, name="某某饭店", address="俞范东路8号"))
    assert_error(client.post(f"/api/v1/subjects/{dup}/merge", headers=phone.headers, json={"into": keep}), 403)
    boss = street.login("zd001")
    merged = client.post(f"/api/v1/subjects/{dup}/merge", headers=boss.headers, json={"into": keep})
    assert merged.status_code == 200 and merged.get_json()["id"] == keep
    detail = client.get(f"/api/v1/subjects/{keep}", headers=boss.headers).get_json()
    assert len(detail["history"]["inspections"]) == 2
    assert_error(client.post(f"/api/v1/subjects/{dup}/merge", headers=boss.headers, json={"into": keep}), 409, "subject.bad_merge")
    # a record naming the merged one lands on the survivor
    assert subject_of(app, visit(client, phone, name="某某饭店", address="", subject_id=dup)) == keep
    assert [s["id"] for s in client.get("/api/v1/subjects?q=饭店", headers=boss.headers).get_json()["items"]] == []


def test_the_supervisor_keeps_the_register_and_a_code_in_use_asks_for_a_merge(app, client, street):
    phone = street.login("zf001")
    a = subject_of(app, visit(client, phone, name="甲公司", code=USCC))
    b = subject_of(app, visit(client, phone, name="乙店"))
    boss = street.login("zd001")
    assert_error(client.patch(f"/api/v1/subjects/{b}", headers=phone.headers, json={"risk_class": "high"}), 403)
    changed = client.patch(f"/api/v1/subjects/{b}", headers=boss.headers, json={
        "risk_class": "high", "kind": "site", "licences": [{"name": "食品经营许可证", "number": "JY13302060000001", "valid_until": "2027-05-01"}]})
    assert changed.status_code == 200 and changed.get_json()["risk_class"] == "high"
    err = assert_error(client.patch(f"/api/v1/subjects/{b}", headers=boss.headers, json={"credit_code": USCC}), 409, "subject.code_taken")
    assert err["details"]["subject_id"] == a
    assert_error(client.patch(f"/api/v1/subjects/{b}", headers=boss.headers, json={"credit_code": "91330206MA2AAAAA01"}), 422)


def test_the_phone_keeps_the_register_with_an_etag(app, client, street):
    phone = street.login("zf001")
    visit(client, phone, name="宁波某某餐饮有限公司", code=USCC)
    first = client.get("/api/v1/subjects/register", headers=phone.headers)
    body = first.get_json()
    assert body["columns"][:2] == ["id", "name"] and len(body["rows"]) == 1 and body["rows"][0][4] == USCC
    same = client.get("/api/v1/subjects/register", headers={**phone.headers, "If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304
    visit(client, phone, name="新店")
    assert client.get("/api/v1/subjects/register", headers={**phone.headers, "If-None-Match": first.headers["ETag"]}).status_code == 200


def test_a_rectification_order_comes_due_for_re_inspection_and_its_follow_up_closes_the_loop(app, client, street, clock_control):
    phone = street.login("zf001")
    first = visit(client, phone, result="rectify", rectify_by="2026-11-05")
    assert client.get("/api/v1/reinspections?due_before=2026-11-05", headers=phone.headers).get_json()["items"] == []
    due = client.get("/api/v1/reinspections?due_before=2026-11-06", headers=phone.headers).get_json()["items"]
    assert [d["id"] for d in due] == [first] and due[0]["subject"]["name"] == "某某水果店" and due[0]["reinspect_due"] == "2026-11-06"
    colleague = street.login("zf003")  # neither ordered it nor holds its grid
    assert client.get("/api/v1/reinspections?due_before=2026-11-30", headers=colleague.headers).get_json()["items"] == []
    clock_control.set("2026-11-09T09:00:00+08:00")
    phone = street.login("zf001")
    boss = street.login("zd001")
    overdue = client.get("/api/v1/reinspections", headers=boss.headers).get_json()["items"]
    assert overdue[0]["id"] == first and overdue[0]["overdue"] is True  # the console's overdue list
    later = datetime(2026, 11, 9, 1, 0, tzinfo=timezone.utc)
    follow = visit(client, phone, result="compliant", at=later, follow_up_of=first)
    assert client.get("/api/v1/reinspections?due_before=2026-11-30", headers=phone.headers).get_json()["items"] == []
    history = client.get(f"/api/v1/subjects/{subject_of(app, first)}", headers=boss.headers).get_json()["history"]
    order = history["rectification_orders"][0]
    assert order["id"] == first and order["reinspection"]["id"] == follow and order["reinspection"]["result"] == "compliant"
    bad = push(client, phone, [rec("inspection", inspection(follow_up_of=follow, inspected_at=later.isoformat()), at=later)])[0]
    assert bad["status"] == "rejected" and bad["code"] == "inspection.bad_follow_up_of"  # only a rectification order is followed up


def test_an_inspection_stored_before_the_register_still_matches_its_resend(app, client, street):
    """The digest counts the new fields only when sent: an old phone's resend is not a conflict."""
    phone = street.login("zf001")
    rid = str(uuid.uuid4())
    visit(client, phone, rid=rid)
    again = push(client, phone, [rec("inspection", inspection(subject={"name": "某某水果店", "address": "蛟川街道俞范东路8号"},
                                                              inspected_at=AT.isoformat()), rid=rid, at=AT)])[0]
    assert again["status"] in ("created", "duplicate") and again.get("code") is None, again


def test_a_rectification_order_prints_its_numbered_correction_notice(app, client, street):
    import subprocess

    phone = street.login("zf001")
    first = visit(client, phone, result="rectify", rectify_by="2026-11-05", matter_code="SR-001", notes="店外摆放商品占用人行道")
    pdf = client.get(f"/api/v1/inspections/{first}/correction-order.pdf", headers=phone.headers)
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout.decode()
    assert "责令（限期）改正通知书" in text and "某某水果店" in text and "2026年11月5日前" in text and "综执改字〔2026〕第0001号" in text
    again = client.get(f"/api/v1/inspections/{first}/correction-order.pdf", headers=phone.headers)
    assert "第0001号" in subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=again.data, capture_output=True,
                                        check=True).stdout.decode()  # the same number ever after
    plain = visit(client, phone)
    assert_error(client.get(f"/api/v1/inspections/{plain}/correction-order.pdf", headers=phone.headers), 409, "inspection.not_rectify")
    assert_error(client.get(f"/api/v1/inspections/{first}/correction-order.pdf", headers=street.login("fz001").headers), 403)


def test_an_order_and_its_re_inspection_recorded_offline_sync_in_one_batch(app, client, street, clock_control):
    clock_control.set("2026-11-09T09:00:00+08:00")
    phone = street.login("zf001")
    first, later = str(uuid.uuid4()), datetime(2026, 11, 9, 0, 30, tzinfo=timezone.utc)
    results = push(client, phone, [
        rec("inspection", inspection(result="rectify", rectify_by="2026-11-05", inspected_at=AT.isoformat()), rid=first, at=AT),
        rec("inspection", inspection(result="compliant", follow_up_of=first, inspected_at=later.isoformat()), at=later),
    ])
    assert [r["status"] for r in results] == ["created", "created"], results
    assert client.get("/api/v1/reinspections?due_before=2026-11-30", headers=phone.headers).get_json()["items"] == []


def test_the_search_ranks_every_match_so_the_exact_code_is_never_lost(app, client, street):
    from backend.extensions import commit
    from backend.subjects import service as subjects

    with app.app_context():
        for n in range(150):  # more matches than any page: "店" is in every name
            subjects.resolve(1, subject_id=None, name=f"{n:03d}号店", address="某路")
        subjects.resolve(1, subject_id=None, name="最后一家店", address="某路", credit_code=USCC)
        commit()
    phone = street.login("zf001")
    found = client.get(f"/api/v1/subjects?q={USCC}", headers=phone.headers).get_json()["items"]
    assert found[0]["credit_code"] == USCC
    assert client.get("/api/v1/subjects?q=店&limit=5", headers=phone.headers).get_json()["items"][0]["name"] == "000号店"


def test_a_supervisor_registers_a_subject_by_hand_and_a_code_in_use_is_refused(app, client, street):
    boss, officer = street.login("zd001"), street.login("zf001")
    body = {"name": " 新开 水果店 ", "address": "蛟川街道俞范东路 20 号", "credit_code": "92330211ma2h00001p", "risk_class": "high",
            "lat": 29.9701, "lon": 121.6201, "licences": [{"name": "食品经营许可证", "number": "JY13302110001", "valid_until": "2028-06-30"}]}
    assert_error(client.post("/api/v1/subjects", json=body, headers=officer.headers), 403)
    made = client.post("/api/v1/subjects", json=body, headers=boss.headers)
    assert made.status_code == 201, made.get_json()
    s = made.get_json()
    assert (s["name"], s["credit_code"], s["kind"], s["risk_class"], s["initials"]) == ("新开 水果店", "92330211MA2H00001P", "individual_business",
                                                                                        "high", "xksgd")
    assert s["grid_id"] is not None and s["licences"][0]["valid_until"] == "2028-06-30"
    # the phone finds it offline; an inspection naming the code lands on it
    rows = client.get("/api/v1/subjects/register", headers=officer.headers).get_json()["rows"]
    assert [r[0] for r in rows] == [s["id"]]
    assert subject_of(app, visit(client, officer, name="新开水果店", code="92330211MA2H00001P")) == s["id"]
    again = client.post("/api/v1/subjects", json={"name": "另一家", "credit_code": "92330211MA2H00001P"}, headers=boss.headers)
    assert_error(again, 409, "subject.code_taken")
    assert again.get_json()["details"]["subject_id"] == s["id"]
    assert_error(client.post("/api/v1/subjects", json={"address": "无名"}, headers=boss.headers), 422)
