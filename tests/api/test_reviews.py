"""督查意见: a supervisor asks for a correction on an officer's inspection; the officer's
phone learns it through the change feed, and the officer marks it done."""
from __future__ import annotations

from tests.api.test_evidence import TAKEN_UTC, cite_in_inspection
from tests.conftest import assert_error


def test_a_correction_reaches_the_officer_and_is_resolved(app, client, demo, auth):
    iid = cite_in_inspection(app, "ab" * 32)
    boss, phone = auth.login("zd001"), auth.login("zf001")
    assert_error(client.post("/api/v1/reviews", json={"object_type": "inspection", "object_id": iid, "verdict": "needs_correction"},
                             headers=boss.headers), 422, "review.comment_required")
    resp = client.post("/api/v1/reviews", json={"object_type": "inspection", "object_id": iid, "verdict": "needs_correction",
                                                "comment": "现场照片看不清门牌，请补拍"}, headers=boss.headers)
    assert resp.status_code == 201, resp.get_json()
    review = resp.get_json()
    mine = client.get("/api/v1/reviews?open=true", headers=phone.headers).get_json()["items"]
    assert [r["id"] for r in mine] == [review["id"]]
    assert client.get("/api/v1/reviews", headers=auth.login("zf002").headers).get_json()["items"] == []  # not theirs
    feed = client.get("/api/v1/sync/changes", headers=phone.headers).get_json()
    (item,) = [i for i in feed["items"] if i["kind"] == "review"]
    assert item["data"]["comment"] == "现场照片看不清门牌，请补拍" and item["data"]["resolved"] is False
    # the officer is told which record, as they know it: the subject and when (not "检查 1e6de586")
    assert item["data"]["label"] == "检查：某某烧烤店" and iid not in item["data"]["label"]
    assert item["data"]["record_at"].startswith(TAKEN_UTC.isoformat()[:16])
    assert client.post(f"/api/v1/reviews/{review['id']}/resolve", json={"note": "已补拍"}, headers=phone.headers).status_code == 200
    assert client.get("/api/v1/reviews?open=true", headers=phone.headers).get_json()["items"] == []
    later = client.get(f"/api/v1/sync/changes?since={feed['cursor']}", headers=phone.headers).get_json()
    assert [i["data"]["resolved"] for i in later["items"] if i["kind"] == "review"] == [True]


def test_reviews_of_unknown_records_and_other_streets_are_refused(app, client, demo, auth):
    boss = auth.login("zd001")
    assert_error(client.post("/api/v1/reviews", json={"object_type": "case", "object_id": "999999", "verdict": "ok"}, headers=boss.headers),
                 404, "review.object_not_found")
    iid = cite_in_inspection(app, "cd" * 32, username="zf101", lon=121.68)
    assert_error(client.post("/api/v1/reviews", json={"object_type": "inspection", "object_id": iid, "verdict": "ok"}, headers=boss.headers),
                 403, "auth.other_jurisdiction")


def test_a_ticket_and_a_case_are_reviewed_and_their_officer_sees_it(app, client, demo, auth):
    """The console reviews a simple-procedure decision (by its number: the lead deciding
    officer is asked) and a case (its opener is asked)."""
    from tests.api.test_supervision import _ticket
    from tests.api.test_tickets import lease

    phone = auth.login("zf001")
    number = lease(client, phone, 1)[0]
    with app.app_context():
        case = _ticket(phone, number, "2026-11-02T02:00:00", ("zf001", "zf002"))
        case_id = case.id
    boss = auth.login("zd001")
    for object_type, object_id in (("ticket", number), ("case", str(case_id))):
        resp = client.post("/api/v1/reviews", json={"object_type": object_type, "object_id": object_id, "verdict": "needs_correction",
                                                    "comment": f"{object_type}: 违法事实表述不完整"}, headers=boss.headers)
        assert resp.status_code == 201, resp.get_json()
    mine = client.get("/api/v1/reviews?open=true", headers=phone.headers).get_json()["items"]
    assert sorted((r["object_type"], r["object_id"]) for r in mine) == sorted([("ticket", number), ("case", str(case_id))])
    assert client.get("/api/v1/reviews?open=true", headers=auth.login("zf002").headers).get_json()["items"] == []


def test_the_officer_answers_a_review_by_adding_the_missing_photo_through_sync(app, client, demo, auth):
    """督查意见 → 补充: the officer's phone sends `inspection_amend` with the photo; the
    inspection as first recorded is unchanged, the amendment is its own dated record, the
    review is resolved with the note, and only the inspection's officer may amend it."""
    from tests.api.test_sync import push, rec

    iid = cite_in_inspection(app, "ab" * 32)
    boss, phone = auth.login("zd001"), auth.login("zf001")
    review = client.post("/api/v1/reviews", json={"object_type": "inspection", "object_id": iid, "verdict": "needs_correction",
                                                  "comment": "门牌照片不清，请补拍"}, headers=boss.headers).get_json()
    other = auth.login("zf002")
    (refused,) = push(client, other, [rec("inspection_amend", {"inspection_id": iid, "photos": ["cd" * 32], "note": "x"})])
    assert refused["status"] == "rejected" and refused["code"] == "inspection.not_yours"
    (wrong,) = push(client, phone, [rec("inspection_amend", {"inspection_id": iid, "photos": [], "review_id": review["id"] + 999})])
    assert wrong["status"] == "rejected" and wrong["code"] == "review.not_found"
    (done,) = push(client, phone, [rec("inspection_amend", {"inspection_id": iid, "photos": ["cd" * 32], "note": "已补拍门牌",
                                                             "review_id": review["id"]})])
    assert done["status"] == "incomplete" and done["missing_photos"] == ["cd" * 32]  # waits for its photo like any record
    seen = client.get(f"/api/v1/inspections/{iid}", headers=boss.headers).get_json()
    assert seen["photos"] == ["ab" * 32]  # the inspection as first recorded
    (amendment,) = seen["amendments"]
    assert amendment["photos"] == ["cd" * 32] and amendment["note"] == "已补拍门牌" and amendment["officer"] == "张伟"
    assert client.get("/api/v1/reviews?open=true", headers=phone.headers).get_json()["items"] == []  # answered
    with app.app_context():
        from backend.audit.models import AuditEntry
        from backend.extensions import db

        actions = {a for (a,) in db.session.query(AuditEntry.action).filter_by(object_type="inspection", object_id=iid)}
    assert "inspection.amended" in actions  # on the trail, like every record
