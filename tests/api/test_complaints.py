"""Complaints and referrals (案源): a resident's report from the public page with no login, its
tracking code and status page, triage on the console into a task, a case, a merge or a
rejection, the outcome and the rating; referrals from 12345 imported; hostile input refused."""
from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from tests import images
from tests.conftest import assert_error
from tests.redis_server import limiter_storage  # noqa: F401  (the flood limit runs on memory and on Redis)

STREET_POINT = {"lat": "29.9700", "lon": "121.6200"}  # inside 蛟川街道's grids


@pytest.fixture
def street(demo, auth, clock_control):
    clock_control.set("2026-11-02T10:30:00+08:00")
    return auth


def report(client, *, photos=(), accept_json=True, environ_base=None, **over):
    form = {"description": "俞范东路8号烧烤店每天晚上油烟很大，熏得楼上无法开窗", "phone": "13800001234", "address": "俞范东路8号",
            **STREET_POINT, **over}
    data = {**form, "photos": [(io.BytesIO(p), f"p{i}.jpg") for i, p in enumerate(photos)]}
    headers = {"Accept": "application/json"} if accept_json else {}
    return client.post("/public/report", data=data, content_type="multipart/form-data", headers=headers, environ_base=environ_base or {})


def test_a_resident_reports_with_a_photo_and_follows_it_by_its_code(app, client, street):
    photo = images.jpeg(lat=29.97, lon=121.62, taken="2026:11:02 09:00:00")
    sent = report(client, photos=[photo])
    assert sent.status_code == 201, sent.get_json()
    code = sent.get_json()["code"]
    assert re.fullmatch(r"JB[A-Z2-9]{10}", code)
    status = client.get(f"/public/report/{code}", headers={"Accept": "application/json"}).get_json()
    assert status["status"] == "received" and status["text"] == "已受理，等待处理" and "13800001234" not in str(status)
    page = client.get(f"/public/report/{code}")
    assert page.status_code == 200 and code in page.get_data(as_text=True)
    boss = street.login("zd001")
    queue = client.get("/api/v1/complaints?status=received", headers=boss.headers).get_json()["items"]
    assert [c["code"] for c in queue] == [code] and queue[0]["reporter_phone"] == "13800001234"
    masked = client.get("/api/v1/complaints", headers=street.login("zf001").headers).get_json()["items"][0]
    assert masked["reporter_phone"] == "138****1234"  # officers see the phone masked
    sha = queue[0]["photos"][0]
    stored = client.get(f"/api/v1/complaints/{queue[0]['id']}/photos/{sha}", headers=boss.headers)
    with Image.open(io.BytesIO(stored.data)) as im:
        assert im.format == "JPEG" and not im.getexif()  # re-encoded: the resident's GPS is not kept


def test_triage_into_a_task_shows_the_resident_the_outcome_and_takes_one_rating(app, client, street):
    code = report(client).get_json()["code"]
    boss = street.login("zd001")
    cid = client.get("/api/v1/complaints", headers=boss.headers).get_json()["items"][0]["id"]
    officer = street.login("zf001")
    assert_error(client.post(f"/api/v1/complaints/{cid}/triage", headers=officer.headers, json={"action": "task", "assignee": "zf001"}), 403)
    triaged = client.post(f"/api/v1/complaints/{cid}/triage", headers=boss.headers, json={"action": "task", "assignee": "zf001"})
    assert triaged.status_code == 200 and triaged.get_json()["status"] == "dispatched"
    task_id = triaged.get_json()["task_id"]
    assert client.get(f"/public/report/{code}", headers={"Accept": "application/json"}).get_json()["text"] == "已交办执法人员处理"
    assert_error(client.post(f"/api/v1/complaints/{cid}/triage", headers=boss.headers, json={"action": "reject", "reason": "重复"}),
                 409, "complaint.already_triaged")
    rated_early = client.post(f"/public/report/{code}/rating", json={"rating": 5}, headers={"Accept": "application/json"})
    assert_error(rated_early, 409, "complaint.not_resolved")
    done = client.post(f"/api/v1/tasks/{task_id}/status", headers=officer.headers, json={"status": "done", "note": "已责令烧烤店安装油烟净化设施"})
    assert done.status_code == 200, done.get_json()
    status = client.get(f"/public/report/{code}", headers={"Accept": "application/json"}).get_json()
    assert status["resolved"] and status["text"] == "已处理：已责令烧烤店安装油烟净化设施" and status["can_rate"]
    rated = client.post(f"/public/report/{code}/rating", json={"rating": 4, "comment": "处理及时"}, headers={"Accept": "application/json"})
    assert rated.status_code == 200 and rated.get_json()["rating"] == 4
    assert_error(client.post(f"/public/report/{code}/rating", json={"rating": 1}, headers={"Accept": "application/json"}),
                 409, "complaint.already_rated")


def test_triage_into_a_case_a_merge_or_a_rejection(app, client, street):
    boss = street.login("zd001")
    codes = [report(client, description=f"第{i}件：施工工地扬尘严重，未覆盖裸土").get_json()["code"] for i in range(3)]
    ids = [c["id"] for c in client.get("/api/v1/complaints", headers=boss.headers).get_json()["items"]]
    case = client.post(f"/api/v1/complaints/{ids[0]}/triage", headers=boss.headers, json={"action": "case", "matter_code": "HJ-005",
                                                                                          "note": "宁波某某建设工程有限公司"}).get_json()
    assert case["status"] == "case" and case["case_id"]
    opened = client.get(f"/api/v1/cases/{case['case_id']}", headers=boss.headers).get_json()
    assert opened["stage"] == "proposed" and opened["desk"]["source"] == {"kind": "complaint", "ref": codes[0]}
    merged = client.post(f"/api/v1/complaints/{ids[1]}/triage", headers=boss.headers, json={"action": "merge", "into": ids[0]}).get_json()
    assert merged["status"] == "merged"
    assert client.get(f"/public/report/{codes[1]}", headers={"Accept": "application/json"}).get_json()["text"] == "已立案调查，正在依法办理"
    assert_error(client.post(f"/api/v1/complaints/{ids[2]}/triage", headers=boss.headers, json={"action": "reject"}), 422, "complaint.bad_text")
    client.post(f"/api/v1/complaints/{ids[2]}/triage", headers=boss.headers, json={"action": "reject", "reason": "不属于本队职责，已告知向住建部门反映"})
    assert client.get(f"/public/report/{codes[2]}", headers={"Accept": "application/json"}).get_json()["text"].startswith("不予受理：不属于本队职责")


def test_hotline_referrals_are_imported_once(app, client, street):
    boss = street.login("zd001")
    body = ("工单号,来源,部门,内容,地址,联系电话,联系人\n"
            "12345-20261102-001,12345热线,,小区门口流动摊贩占道经营,新碶路12号,13900002222,张女士\n"
            "WJ-2026-18,部门移送,区住建局,工地夜间施工噪声扰民,长江路88号,0574-86001234,\n"
            "12345-20261102-003,12345热线,,太短,新碶路1号,13900002223,\n").encode("gb18030")
    first = client.post("/api/v1/complaints/import", headers=boss.headers, data=body, content_type="text/csv").get_json()
    assert len(first["created"]) == 2 and first["refused"][0]["line"] == 4 and first["refused"][0]["code"] == "complaint.bad_text"
    again = client.post("/api/v1/complaints/import", headers=boss.headers, data=body, content_type="text/csv").get_json()
    assert again["created"] == [] and len(again["duplicates"]) == 2
    assert_error(client.post("/api/v1/complaints/import", headers=boss.headers, data=b"\xff\xfe\x00\x81\xff", content_type="text/csv"),
                 422, "complaint.import_encoding")  # neither UTF-8 nor GBK: said, not guessed
    items = client.get("/api/v1/complaints", headers=boss.headers).get_json()["items"]
    assert {c["channel"] for c in items} == {"hotline", "department"} and {c["department"] for c in items} >= {"区住建局"}


@pytest.mark.parametrize("over, code", [
    ({"description": "短"}, "complaint.bad_text"),
    ({"phone": "abc"}, "complaint.bad_phone"),
    ({"lat": "", "lon": ""}, "complaint.place_unknown"),  # no point and no street
    ({"lat": "10.0", "lon": "10.0"}, "complaint.place_unknown"),  # a point outside the district
    ({"lat": "29.97", "lon": ""}, "complaint.bad_place"),
])
def test_bad_reports_are_refused_naming_the_field(client, street, over, code):
    assert_error(report(client, **over), 422, code)


def test_hostile_reports_never_reach_the_page_as_markup_and_bad_photos_are_refused(app, client, street):
    sent = report(client, description="<script>alert(1)</script> 门口垃圾堆放很久了", address="<img src=x onerror=alert(1)>")
    code = sent.get_json()["code"]
    page = client.get(f"/public/report/{code}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page and "<img src=x" not in page
    assert_error(report(client, photos=[b"<html><script>alert(1)</script></html>"]), 422, "complaint.bad_photo")
    assert_error(report(client, photos=[images.jpeg(64, 48)] * 4), 422, "complaint.too_many_photos")  # small: the test client spools big bodies to a file it never closes
    app.config["COMPLAINT_PHOTO_MAX_BYTES"] = 10_000
    try:
        assert_error(report(client, photos=[images.jpeg(1200, 900)]), 413, "complaint.photo_too_large")
    finally:
        app.config["COMPLAINT_PHOTO_MAX_BYTES"] = 8 * 1024 * 1024
    form = client.post("/public/report", data={"description": "x", "phone": "1"}, content_type="multipart/form-data")
    assert form.status_code == 422 and "请" in form.get_data(as_text=True)  # the HTML form says why, in Chinese


@pytest.mark.usefixtures("limiter_storage")
def test_a_flood_from_one_address_is_slowed_down(app, client, street):
    app.config["COMPLAINT_RATE_LIMIT"] = "3 per hour"
    try:
        form = {"description": "门口垃圾堆放很久了，一直没人清理", "phone": "13800001234", **STREET_POINT}
        answers = [client.post("/public/report", data=form, headers={"Accept": "application/json"},
                               environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for _ in range(5)]
    finally:
        app.config["COMPLAINT_RATE_LIMIT"] = "5 per hour"
    assert answers[:3] == [201, 201, 201] and answers[3:] == [429, 429]


def test_the_public_form_works_without_script_and_names_the_streets(client, street):
    page = client.get("/public/report")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "群众举报" in text and "蛟川街道" in text and 'name="photos"' in text
    assert client.get("/public/report.js").mimetype == "text/javascript"
    assert client.get("/public/report/JBNOTACODE22").status_code == 404


def test_the_supervisors_instructions_reach_the_officer_on_their_own_line(app, client, street):
    code = report(client).get_json()["code"]
    boss = street.login("zd001")
    cid = client.get("/api/v1/complaints?status=received", headers=boss.headers).get_json()["items"][0]["id"]
    triaged = client.post(f"/api/v1/complaints/{cid}/triage", headers=boss.headers,
                          json={"action": "task", "assignee": "zf001", "note": "  今晚八点后到场核实  "})
    assert triaged.status_code == 200, triaged.get_json()
    task = client.get(f"/api/v1/tasks/{triaged.get_json()['task_id']}", headers=street.login("zf001").headers).get_json()
    assert task["description"].splitlines()[-2:] == [f"（举报查询码 {code}）", "交办说明：今晚八点后到场核实"]
    plain = report(client, description="另一处：夜间施工噪声扰民，持续到凌晨").get_json()["code"]
    other = [c for c in client.get("/api/v1/complaints?status=received", headers=boss.headers).get_json()["items"] if c["code"] == plain][0]
    done = client.post(f"/api/v1/complaints/{other['id']}/triage", headers=boss.headers, json={"action": "task", "assignee": "zf001"}).get_json()
    described = client.get(f"/api/v1/tasks/{done['task_id']}", headers=boss.headers).get_json()["description"]
    assert described.endswith(f"（举报查询码 {plain}）") and "交办说明" not in described  # no note: no empty line


def _subject(client, session, name, address="蛟川街道俞范东路8号"):
    made = client.post("/api/v1/subjects", json={"name": name, "address": address}, headers=session.headers)
    assert made.status_code == 201, made.get_json()
    return made.get_json()["id"]


def test_a_report_names_its_subject_at_triage_and_joins_its_file_with_its_merged_duplicates(app, client, street):
    boss = street.login("zd001")
    shop, duplicate, later = (_subject(client, boss, n) for n in ("俞范烧烤店", "俞范烧烤", "俞范东路烧烤摊"))
    client.post(f"/api/v1/subjects/{duplicate}/merge", json={"into": shop}, headers=boss.headers)
    long_text = "俞范东路8号烧烤店每天晚上油烟很大，熏得楼上无法开窗，" * 4
    first = report(client, description=long_text).get_json()["code"]
    second = report(client, description="同一家烧烤店把桌椅摆到人行道上，晚上十点后还很吵").get_json()["code"]
    items = {c["code"]: c for c in client.get("/api/v1/complaints", headers=boss.headers).get_json()["items"]}
    a, b = items[first]["id"], items[second]["id"]
    # named by a merged duplicate: filed under the subject it was merged into
    triaged = client.post(f"/api/v1/complaints/{a}/triage", headers=boss.headers,
                          json={"action": "task", "assignee": "zf001", "subject_id": duplicate}).get_json()
    assert triaged["subject_id"] == shop and triaged["subject"]["name"] == "俞范烧烤店"
    client.post(f"/api/v1/complaints/{b}/triage", headers=boss.headers, json={"action": "reject", "reason": "已并案处理，不再重复受理",
                                                                              "subject_id": later})
    client.post(f"/api/v1/subjects/{later}/merge", json={"into": shop}, headers=boss.headers)  # merged after triage: still its file
    history = client.get(f"/api/v1/subjects/{shop}", headers=street.login("zf001").headers).get_json()["history"]
    assert [c["id"] for c in history["complaints"]] == [b, a]  # newest first
    filed = history["complaints"][1]
    assert filed["channel"] == "web" and filed["status"] == "dispatched" and filed["outcome"] == "已交办执法人员处理"
    assert filed["description"] == long_text[:60] + "…" and filed["rating"] is None and filed["resolved"] is False
    assert history["complaints"][0]["outcome"].startswith("不予受理：") and history["complaints"][0]["resolved"] is True
    assert first not in str(history) and "13800001234" not in str(history)  # no tracking code, no phone
    aux = client.get(f"/api/v1/subjects/{shop}", headers=street.login("fz001").headers).get_json()["history"]
    assert aux["complaints"] == []  # auxiliaries do not read the street's reports


def test_the_supervisor_names_or_corrects_a_reports_subject_and_another_streets_is_refused(app, client, street):
    boss = street.login("zd001")
    shop, other_shop = _subject(client, boss, "俞范烧烤店"), _subject(client, boss, "俞范水果店")
    elsewhere = _subject(client, street.login("zd101"), "招宝山某某饭店", "招宝山街道某路1号")
    report(client)
    cid = client.get("/api/v1/complaints", headers=boss.headers).get_json()["items"][0]["id"]
    refused = client.post(f"/api/v1/complaints/{cid}/triage", headers=boss.headers,
                          json={"action": "task", "assignee": "zf001", "subject_id": elsewhere})
    assert_error(refused, 422, "subject.not_found")
    assert client.get(f"/api/v1/complaints/{cid}", headers=boss.headers).get_json()["status"] == "received"  # nothing dispatched
    assert client.get("/api/v1/tasks", headers=boss.headers).get_json()["items"] == []
    client.post(f"/api/v1/complaints/{cid}/triage", headers=boss.headers, json={"action": "task", "assignee": "zf001"})
    assert client.get(f"/api/v1/complaints/{cid}", headers=boss.headers).get_json()["subject"] is None
    officer = street.login("zf001")
    assert_error(client.post(f"/api/v1/complaints/{cid}/subject", json={"subject_id": shop}, headers=officer.headers), 403)
    named = client.post(f"/api/v1/complaints/{cid}/subject", json={"subject_id": shop}, headers=boss.headers)
    assert named.status_code == 200 and named.get_json()["subject"]["id"] == shop
    moved = client.post(f"/api/v1/complaints/{cid}/subject", json={"subject_id": other_shop}, headers=boss.headers).get_json()
    assert moved["subject_id"] == other_shop
    assert client.get(f"/api/v1/subjects/{shop}", headers=boss.headers).get_json()["history"]["complaints"] == []
    assert [c["id"] for c in client.get(f"/api/v1/subjects/{other_shop}", headers=boss.headers).get_json()["history"]["complaints"]] == [cid]
    assert_error(client.post(f"/api/v1/complaints/{cid}/subject", json={"subject_id": elsewhere}, headers=boss.headers), 422,
                 "subject.not_found")
    cleared = client.post(f"/api/v1/complaints/{cid}/subject", json={"subject_id": None}, headers=boss.headers).get_json()
    assert cleared["subject_id"] is None
    assert_error(client.post(f"/api/v1/complaints/{cid}/subject", json={"subject_id": shop}, headers=street.login("zd101").headers), 403,
                 "auth.other_jurisdiction")
