"""双随机、一公开: a supervisor's plan, the draw (random subjects, random certified pairs, a task
each), its verification, results from the pairs' inspections, and the public results page."""
from __future__ import annotations

import uuid
from datetime import date, datetime, timezone

import pytest

from tests.conftest import assert_error

USCC = "91330206MA2AAAAA07"
# names of the demo street's officers: a public page carries none of them
OFFICER_NAMES = ("张伟", "李娜", "王磊", "陈静", "刘洋", "赵敏", "孙浩", "周强", "钱建国")
CERTIFIED = {f"zf00{n}" for n in range(1, 8)}  # zf008's certificate lapsed; auxiliaries and the supervisor are not drawn


@pytest.fixture
def street(demo, auth, clock_control):
    clock_control.set("2026-11-02T10:30:00+08:00")  # a Monday
    return auth


def plan_body(**over):
    body = {"name": "2026年11月市容环卫双随机抽查", "domain": "市容环卫", "count": 3, "starts_on": "2026-11-02", "ends_on": "2026-11-30"}
    body.update(over)
    return body


def make_subjects(app, specs, jurisdiction_id=1):
    """Subjects of the register: each spec a dict of name (and address, credit_code, kind, risk_class, lat, lon)."""
    from backend.extensions import db
    from backend.subjects import service as subjects
    from backend.subjects.models import Subject

    ids = []
    with app.app_context():
        for spec in specs:
            sid = subjects.resolve(jurisdiction_id, subject_id=None, name=spec["name"], address=spec.get("address", "某路 1 号"),
                                   credit_code=spec.get("credit_code"), lat=spec.get("lat"), lon=spec.get("lon"))
            s = db.session.get(Subject, sid)
            s.kind = spec.get("kind", s.kind)
            s.risk_class = spec.get("risk_class", "medium")
            ids.append(sid)
        db.session.commit()
    return ids


def shops(app, n, jurisdiction_id=1, **over):
    return make_subjects(app, [{"name": f"某某商店{uuid.uuid4().hex[:6]}", "address": f"蛟川街道某路 {i} 号", **over} for i in range(n)],
                         jurisdiction_id)


def officer_ids(app) -> dict[str, int]:
    from backend.auth.models import Officer
    from backend.extensions import db

    with app.app_context():
        return {o.username: o.id for o in db.session.query(Officer)}


def inspect(app, username, subject_id, result="compliant", at=datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc), **over):
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import service as patrols

    iid = str(uuid.uuid4())
    extra = {"rectify_deadline": date(2026, 11, 9)} if result == "rectify" else {"follow_up": "case"} if result == "violation" else {}
    with app.app_context():
        officer = db.session.query(Officer).filter_by(username=username).one()
        patrols.record_inspection(inspection_id=iid, officer=officer, device_id="dev-spot", captured_at=at, inspected_at=at,
                                  lat=29.97, lon=121.62, accuracy_m=5, subject_name="x", subject_id=subject_id, result=result,
                                  **{**extra, **over})
    return iid


def create(client, session, expect=201, **over):
    resp = client.post("/api/v1/spot-checks", json=plan_body(**over), headers=session.headers)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def draw(client, session, plan_id, expect=200):
    resp = client.post(f"/api/v1/spot-checks/{plan_id}/draw", headers=session.headers)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()


def test_a_plan_is_drawn_once_into_a_task_per_subject_for_a_certified_pair(app, client, street):
    sids = shops(app, 6)
    boss = street.login("zd001")
    plan = create(client, boss)
    assert plan["status"] == "planned" and plan["items"] == [] and plan["seed"] is None
    assert plan["publication_working_days"] == 20 and plan["publication_overdue"] is False
    assert date.fromisoformat(plan["publication_deadline"]) > date(2026, 11, 30)

    drawn = draw(client, boss, plan["id"])
    assert drawn["status"] == "drawn" and drawn["seed_source"] == "server" and len(drawn["seed"]) == 32
    assert len(drawn["inputs_digest"]) == 64 and len(drawn["items"]) == 3 and drawn["tally"]["pending"] == 3
    assert {i["subject"]["id"] for i in drawn["items"]} <= set(sids) and len({i["subject"]["id"] for i in drawn["items"]}) == 3
    for item in drawn["items"]:
        first, second = item["officers"]
        assert first["username"] != second["username"] and {first["username"], second["username"]} <= CERTIFIED
        task = client.get(f"/api/v1/tasks/{item['task_id']}", headers=boss.headers).get_json()
        assert task["assignee_id"] == first["id"] and task["title"] == f"双随机抽查：{item['subject']['name']}"
        assert second["name"] in task["description"] and item["subject"]["address"] in task["description"]
        assert plan["name"] in task["description"] and task["due_at"].startswith("2026-11-30T15:59:59")
        mine = client.get("/api/v1/tasks", headers=street.login(first["username"]).headers).get_json()["items"]
        assert item["task_id"] in {t["id"] for t in mine}  # the first officer has it on the phone

    assert_error(client.post(f"/api/v1/spot-checks/{plan['id']}/draw", headers=boss.headers), 409, "spotcheck.already_drawn")
    again = client.get(f"/api/v1/spot-checks/{plan['id']}", headers=boss.headers).get_json()
    assert [i["subject"]["id"] for i in again["items"]] == [i["subject"]["id"] for i in drawn["items"]]

    v = client.get(f"/api/v1/spot-checks/{plan['id']}/verify", headers=boss.headers).get_json()
    assert v["matches"] is True and v["inputs_digest_matches"] and v["audit_matches"] and v["recomputed"] == v["recorded"]
    assert v["seed"] == drawn["seed"] and len(v["recorded"]) == 3

    from backend.audit import service as audit
    from backend.extensions import db

    with app.app_context():
        trail = [e for e in audit.entries_for("spot_check", str(plan["id"])) if e.action == "spotcheck.drawn"]
        assert len(trail) == 1 and trail[0].details["seed"] == drawn["seed"]
        assert trail[0].details["inputs_digest"] == drawn["inputs_digest"] and len(trail[0].details["items"]) == 3
        db.session.remove()


def test_the_draw_can_be_re_run_by_anyone_from_the_recorded_inputs_and_seed(app, client, street):
    from backend.extensions import db
    from backend.subjects import draw as drawing
    from backend.subjects.spot_models import SpotCheckPlan

    shops(app, 8, risk_class="high")
    shops(app, 8, risk_class="low")
    boss = street.login("zd001")
    plan = create(client, boss, seed="lottery-2026-11-02", weighted=True, count=5)
    assert plan["seed"] == "lottery-2026-11-02" and plan["seed_source"] == "given"
    drawn = draw(client, boss, plan["id"])
    assert drawn["seed"] == "lottery-2026-11-02" and drawn["seed_source"] == "given"
    certified = {officer_ids(app)[u] for u in CERTIFIED}
    with app.app_context():
        stored = db.session.get(SpotCheckPlan, plan["id"])
        inputs = drawing.inputs_from_json(stored.inputs)
        assert drawing.inputs_digest(inputs) == drawn["inputs_digest"] and inputs.weighted and inputs.count == 5
        assert len(inputs.subjects) == 16 and set(inputs.officers) == certified
        again = drawing.draw(inputs, "lottery-2026-11-02")
        db.session.remove()
    assert [(i.subject_id, list(i.officer_ids)) for i in again] == [
        (i["subject"]["id"], [o["id"] for o in i["officers"]]) for i in drawn["items"]]


@pytest.mark.parametrize("tamper", ["seed", "item", "inputs"])
def test_verify_says_false_when_the_stored_draw_was_tampered_with(app, client, street, tamper):
    from backend.extensions import db
    from backend.subjects.spot_models import SpotCheckPlan

    shops(app, 6)
    boss = street.login("zd001")
    plan = draw(client, boss, create(client, boss)["id"])
    ids = officer_ids(app)
    with app.app_context():
        stored = db.session.get(SpotCheckPlan, plan["id"])
        if tamper == "seed":
            stored.seed = "0" * 32
        elif tamper == "item":
            item = stored.items[0]
            item.second_officer_id = next(ids[u] for u in sorted(CERTIFIED) if ids[u] not in (item.first_officer_id, item.second_officer_id))
        else:
            stored.inputs = {**stored.inputs, "officers": stored.inputs["officers"][:-1]}
        db.session.commit()
    v = client.get(f"/api/v1/spot-checks/{plan['id']}/verify", headers=boss.headers).get_json()
    assert v["matches"] is False and v["audit_matches"] is False
    if tamper == "inputs":
        assert v["inputs_digest_matches"] is False
    if tamper == "item":
        assert v["recomputed"] != v["recorded"]


def test_no_officer_inspects_the_same_subject_in_two_spot_checks_running(app, client, street):
    shops(app, 5)
    boss = street.login("zd001")
    first = draw(client, boss, create(client, boss, count=5)["id"])
    second = draw(client, boss, create(client, boss, count=5, name="第二轮")["id"])
    before = {i["subject"]["id"]: {o["id"] for o in i["officers"]} for i in first["items"]}
    for item in second["items"]:
        assert not before[item["subject"]["id"]] & {o["id"] for o in item["officers"]}


def test_only_subjects_matching_the_filters_are_drawn(app, client, street):
    from backend.catalog import service as catalog

    with app.app_context():
        grid = catalog.grid_at(121.62, 29.97, 1)
        code = grid.code
    inside = make_subjects(app, [{"name": f"网格内店{n}", "lat": 29.97, "lon": 121.62, "risk_class": "high"} for n in range(3)])
    make_subjects(app, [{"name": "网格外高风险店", "risk_class": "high"}, {"name": "网格内低风险店", "lat": 29.97, "lon": 121.62,
                                                                        "risk_class": "low"}])
    company = make_subjects(app, [{"name": "宁波某某餐饮有限公司", "credit_code": USCC, "risk_class": "low"}])
    boss = street.login("zd001")
    drawn = draw(client, boss, create(client, boss, grids=[code], risk_classes=["high"], count=3)["id"])
    assert {i["subject"]["id"] for i in drawn["items"]} == set(inside)
    drawn = draw(client, boss, create(client, boss, kinds=["company"], count=1)["id"])
    assert [i["subject"]["id"] for i in drawn["items"]] == company
    too_many = create(client, boss, kinds=["company"], count=2)
    err = assert_error(client.post(f"/api/v1/spot-checks/{too_many['id']}/draw", headers=boss.headers), 422,
                       "spotcheck.not_enough_subjects")
    assert err["details"] == {"field": "count", "eligible": 1, "wanted": 2}


def test_a_merged_duplicate_is_never_drawn_and_its_last_pair_counts_for_the_survivor(app, client, street):
    from backend.auth import service as auth_service
    from backend.extensions import db
    from backend.subjects import service as subjects

    dup, survivor = make_subjects(app, [{"name": "某某水果店（重复）"}, {"name": "某某水果店"}])
    boss = street.login("zd001")
    first = draw(client, boss, create(client, boss, count=2)["id"])
    both_pairs = {o["id"] for i in first["items"] for o in i["officers"]}  # the duplicate's and the survivor's
    with app.app_context():
        identity = auth_service.identity_from_access_token(boss.access_token)
        subjects.merge(identity, dup, survivor)
        db.session.commit()
    second = draw(client, boss, create(client, boss, count=1, name="合并后")["id"])
    assert [i["subject"]["id"] for i in second["items"]] == [survivor]
    assert not both_pairs & {o["id"] for o in second["items"][0]["officers"]}


def test_results_are_the_pairs_inspections_in_the_period_and_the_public_page_shows_them_without_personal_data(app, client, street):
    company, person, shop = make_subjects(app, [
        {"name": "宁波某某餐饮有限公司", "credit_code": USCC, "address": "蛟川街道俞范东路 8 号"},
        {"name": "张三", "kind": "individual", "address": "蛟川街道某小区 3 幢 502 室"},
        {"name": "老王水果店", "address": "蛟川街道明州路 1 号"},
    ])
    boss = street.login("zd001")
    plan = draw(client, boss, create(client, boss, count=3)["id"])
    ids = officer_ids(app)
    names = {v: k for k, v in ids.items()}
    pair = {i["subject"]["id"]: [names[o["id"]] for o in i["officers"]] for i in plan["items"]}
    outsider = next(u for u in sorted(CERTIFIED) if u not in pair[shop])

    inspect(app, pair[company][0], company, "compliant")
    inspect(app, pair[person][1], person, "rectify")  # the second officer of the pair counts too
    inspect(app, outsider, shop, "violation")  # not one of the pair: not the spot check's result
    inspect(app, pair[shop][0], shop, "violation", at=datetime(2026, 10, 30, 2, 0, tzinfo=timezone.utc))  # before the period
    body = client.get(f"/api/v1/spot-checks/{plan['id']}", headers=boss.headers).get_json()
    results = {i["subject"]["id"]: i["result"] for i in body["items"]}
    assert results[company]["result"] == "compliant" and results[company]["inspected_on"] == "2026-11-02"
    assert results[person]["result"] == "rectify" and results[person]["result_zh"] == "发现问题，已责令整改"
    assert results[shop] is None and body["tally"] == {"pending": 1, "compliant": 1, "rectify": 1, "violation": 0}

    err = assert_error(client.post(f"/api/v1/spot-checks/{plan['id']}/publish", headers=boss.headers), 409, "spotcheck.not_finished")
    assert err["details"]["pending"] == [shop]
    inspect(app, pair[shop][1], shop, "violation", at=datetime(2026, 11, 2, 2, 15, tzinfo=timezone.utc))
    published = client.post(f"/api/v1/spot-checks/{plan['id']}/publish", headers=boss.headers)
    assert published.status_code == 200, published.get_json()
    assert published.get_json()["status"] == "published" and published.get_json()["publication_overdue"] is False
    assert_error(client.post(f"/api/v1/spot-checks/{plan['id']}/publish", headers=boss.headers), 409, "spotcheck.already_published")

    # what was published stays: an earlier inspection recorded afterwards does not rewrite it
    inspect(app, pair[company][1], company, "violation", at=datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc))
    after = client.get(f"/api/v1/spot-checks/{plan['id']}", headers=boss.headers).get_json()
    assert {i["subject"]["id"]: i["result"]["result"] for i in after["items"]}[company] == "compliant"

    page = client.get("/public/spot-checks")
    assert page.status_code == 200 and page.content_type.startswith("text/html")
    html = page.get_data(as_text=True)
    assert "宁波某某餐饮有限公司" in html and "老王水果店" in html and "张*" in html and "2026年11月市容环卫双随机抽查" in html
    assert "未发现问题" in html and "发现违法行为" in html and 'name="viewport"' in html
    for secret in ("张三", USCC, "俞范东路", "502 室", "明州路", *OFFICER_NAMES, "zf00"):
        assert secret not in html, secret

    data = client.get("/public/spot-checks", headers={"Accept": "application/json"})
    assert data.status_code == 200 and data.is_json
    (entry,) = data.get_json()["items"]
    assert entry["agency_name"] == "宁波市镇海区蛟川街道综合行政执法队" and entry["subjects_drawn"] == 3
    assert entry["seed"] == plan["seed"] and entry["inputs_digest"] == plan["inputs_digest"]
    by_name = {r["subject"]: r for r in entry["results"]}
    assert set(by_name) == {"宁波某某餐饮有限公司", "张*", "老王水果店"}
    assert by_name["张*"] == {"subject": "张*", "kind": "individual", "kind_zh": "个人", "result": "rectify",
                              "result_zh": "发现问题，已责令整改", "reinspection_zh": None, "inspected_on": "2026-11-02"}
    raw = data.get_data(as_text=True)
    for secret in ("张三", USCC, "俞范东路", *OFFICER_NAMES, "officer", "address", "phone", "credit_code"):
        assert secret not in raw, secret


def test_a_plan_not_drawn_is_not_on_the_public_page(app, client, street):
    shops(app, 3)
    boss = street.login("zd001")
    create(client, boss)
    assert client.get("/public/spot-checks", headers={"Accept": "application/json"}).get_json()["items"] == []
    assert "暂无公示的抽查结果" in client.get("/public/spot-checks").get_data(as_text=True)


def test_results_not_published_within_the_working_days_after_the_period_are_flagged(app, client, street, clock_control):
    shops(app, 2)
    boss = street.login("zd001")
    plan = draw(client, boss, create(client, boss, count=2, ends_on="2026-11-06", publication_working_days=5)["id"])
    assert plan["publication_deadline"] == "2026-11-13" and plan["publication_overdue"] is False
    clock_control.set("2026-11-13T18:00:00+08:00")
    boss = street.login("zd001")
    assert client.get(f"/api/v1/spot-checks/{plan['id']}", headers=boss.headers).get_json()["publication_overdue"] is False
    clock_control.set("2026-11-16T09:00:00+08:00")
    boss = street.login("zd001")
    listed = client.get("/api/v1/spot-checks", headers=boss.headers).get_json()["items"]
    assert [(p["id"], p["publication_overdue"]) for p in listed] == [(plan["id"], True)]
    # the period is over: the subjects never inspected are published as such
    published = client.post(f"/api/v1/spot-checks/{plan['id']}/publish", headers=boss.headers).get_json()
    assert published["publication_overdue"] is False and published["tally"]["pending"] == 2
    entry = client.get("/public/spot-checks", headers={"Accept": "application/json"}).get_json()["items"][0]
    assert {r["result_zh"] for r in entry["results"]} == {"未检查"}


def test_the_list_is_the_streets_newest_first_and_filters_by_status(app, client, street):
    shops(app, 3)
    boss = street.login("zd001")
    a = create(client, boss)
    b = draw(client, boss, create(client, boss, name="第二个")["id"])
    listed = client.get("/api/v1/spot-checks", headers=boss.headers).get_json()
    assert [p["id"] for p in listed["items"]] == [b["id"], a["id"]] and listed["next"] is None and "items" not in listed["items"][0]
    assert [p["id"] for p in client.get("/api/v1/spot-checks?status=planned", headers=boss.headers).get_json()["items"]] == [a["id"]]
    page = client.get("/api/v1/spot-checks?limit=1", headers=boss.headers).get_json()
    assert len(page["items"]) == 1 and page["next"]
    other = street.login("zd101")
    assert client.get("/api/v1/spot-checks", headers=other.headers).get_json()["items"] == []


def test_who_may_plan_draw_and_publish(app, client, street):
    shops(app, 3)
    boss = street.login("zd001")
    plan = create(client, boss)
    for username in ("zf001", "fz001"):
        phone = street.login(username)
        assert_error(client.post("/api/v1/spot-checks", json=plan_body(), headers=phone.headers), 403, "auth.role_forbidden")
        assert_error(client.post(f"/api/v1/spot-checks/{plan['id']}/draw", headers=phone.headers), 403, "auth.role_forbidden")
        assert_error(client.get(f"/api/v1/spot-checks/{plan['id']}", headers=phone.headers), 403, "auth.role_forbidden")
    other = street.login("zd101")
    for method, path in (("GET", ""), ("POST", "/draw"), ("GET", "/verify"), ("POST", "/publish")):
        assert_error(client.open(f"/api/v1/spot-checks/{plan['id']}{path}", method=method, headers=other.headers), 403,
                     "auth.other_jurisdiction")
    assert_error(client.post("/api/v1/spot-checks", json=plan_body(jurisdiction_id=1), headers=other.headers), 403,
                 "auth.other_jurisdiction")
    admin = street.login("admin")  # a district admin names the street
    assert_error(client.post("/api/v1/spot-checks", json=plan_body(), headers=admin.headers), 422, "spotcheck.jurisdiction_required")
    assert create(client, admin, jurisdiction_id=1)["jurisdiction_id"] == 1
    assert_error(client.post("/api/v1/spot-checks", json=plan_body(jurisdiction_id=99), headers=admin.headers), 422,
                 "spotcheck.unknown_jurisdiction")
    assert_error(client.get("/api/v1/spot-checks/99999", headers=boss.headers), 404, "spotcheck.not_found")
    assert_error(client.get(f"/api/v1/spot-checks/{plan['id']}/verify", headers=boss.headers), 409, "spotcheck.not_drawn")
    assert_error(client.post(f"/api/v1/spot-checks/{plan['id']}/publish", headers=boss.headers), 409, "spotcheck.not_drawn")
    assert client.get("/public/spot-checks").status_code == 200  # the public page needs no login


def test_two_certified_officers_who_did_not_inspect_it_last_time_are_needed(app, client, street):
    """招宝山 has two certified officers (zf101, zf102): one spot check of a subject uses them
    both, so the next one of the same subject has nobody left to send."""
    shops(app, 1, jurisdiction_id=2)
    boss = street.login("zd101")
    plan = draw(client, boss, create(client, boss, count=1)["id"])
    assert {o["username"] for o in plan["items"][0]["officers"]} == {"zf101", "zf102"}
    again = create(client, boss, count=1, name="再次抽查")
    err = assert_error(client.post(f"/api/v1/spot-checks/{again['id']}/draw", headers=boss.headers), 422, "spotcheck.not_enough_officers")
    assert err["details"]["subject_id"] == plan["items"][0]["subject"]["id"] and err["details"]["field"] == "domain"
    assert client.get(f"/api/v1/spot-checks/{again['id']}", headers=boss.headers).get_json()["status"] == "planned"  # nothing kept


def test_a_lapsed_or_revoked_certificate_leaves_too_few_officers(app, client, street):
    from backend.auth.models import Certificate, Officer
    from backend.extensions import db

    shops(app, 1, jurisdiction_id=2)
    with app.app_context():
        zf102 = db.session.query(Officer).filter_by(username="zf102").one()
        for cert in db.session.query(Certificate).filter_by(officer_id=zf102.id):
            cert.revoked = True
        db.session.commit()
    boss = street.login("zd101")
    plan = create(client, boss, count=1)
    err = assert_error(client.post(f"/api/v1/spot-checks/{plan['id']}/draw", headers=boss.headers), 422, "spotcheck.not_enough_officers")
    assert err["details"]["eligible"] == 1 and err["details"]["subject_id"] is None


def test_a_plan_cannot_be_drawn_after_its_period(app, client, street, clock_control):
    shops(app, 2)
    boss = street.login("zd001")
    plan = create(client, boss, ends_on="2026-11-03")
    clock_control.set("2026-11-04T08:00:00+08:00")
    boss = street.login("zd001")
    assert_error(client.post(f"/api/v1/spot-checks/{plan['id']}/draw", headers=boss.headers), 409, "spotcheck.period_over")


@pytest.mark.parametrize("over,status,code,field", [
    ({"kinds": ["robot"]}, 422, "validation_error", "kinds"),
    ({"risk_classes": ["extreme"]}, 422, "validation_error", "risk_classes"),
    ({"grids": ["NO-SUCH-GRID"]}, 422, "spotcheck.unknown_grid", "grids"),
    ({"grids": ["x" * 33]}, 422, "validation_error", "grids"),
    ({"domain": "不存在的门类"}, 422, "spotcheck.unknown_domain", "domain"),
    ({"domain": None, "matter_codes": ["XX-999"]}, 422, "spotcheck.unknown_matter", "matter_codes"),
    ({"domain": "生态环境", "matter_codes": ["SR-001"]}, 422, "spotcheck.matters_outside_domain", "matter_codes"),
    ({"domain": None}, 422, "spotcheck.domain_required", "domain"),
    ({"starts_on": "2026-11-30", "ends_on": "2026-11-02"}, 422, "spotcheck.bad_period", "ends_on"),
    ({"starts_on": "2026-11-02", "ends_on": "2027-12-31"}, 422, "spotcheck.bad_period", "ends_on"),
    ({"starts_on": "2026-10-01", "ends_on": "2026-10-31"}, 422, "spotcheck.period_past", "ends_on"),
    ({"starts_on": "3026-11-02"}, 422, "validation_error", "starts_on"),
    ({"count": 0}, 422, "validation_error", "count"),
    ({"count": 100000}, 422, "validation_error", "count"),
    ({"count": "3"}, 422, "validation_error", "count"),
    ({"count": True}, 422, "validation_error", "count"),
    ({"name": ""}, 422, "validation_error", "name"),
    ({"name": "   "}, 422, "validation_error", "name"),
    ({"name": "计" * 129}, 422, "validation_error", "name"),
    ({"name": "抽查\x00计划"}, 422, "validation_error", "name"),
    ({"grids": ["G\x00"]}, 422, "validation_error", "grids"),
    ({"seed": "has spaces"}, 422, "validation_error", "seed"),
    ({"seed": "x" * 65}, 422, "validation_error", "seed"),
    ({"publication_working_days": 0}, 422, "validation_error", "publication_working_days"),
    ({"matter_codes": ["SR-001"] * 51}, 422, "validation_error", "matter_codes"),
    ({"jurisdiction_id": "1"}, 422, "validation_error", "jurisdiction_id"),
    ({"weighted": "maybe"}, 422, "validation_error", "weighted"),
    ({"owner": "zd001"}, 422, "validation_error", "owner"),
])
def test_bad_plans_are_refused_naming_the_field(app, client, street, over, status, code, field):
    boss = street.login("zd001")
    err = assert_error(client.post("/api/v1/spot-checks", json=plan_body(**over), headers=boss.headers), status, code)
    if code == "validation_error":
        assert field in err["details"]["fields"], err
    else:
        assert err["details"]["field"] == field, err


def test_a_plan_by_matters_takes_their_domain(app, client, street):
    boss = street.login("zd001")
    plan = create(client, boss, domain=None, matter_codes=["SR-001", "SR-001"])
    assert plan["domain"] == "市容环卫" and plan["matter_codes"] == ["SR-001"]


def test_bad_list_queries_are_refused(app, client, street):
    boss = street.login("zd001")
    for query in ("status=lost", "limit=0", "limit=x", "cursor=%%%"):
        assert 400 <= client.get(f"/api/v1/spot-checks?{query}", headers=boss.headers).status_code < 500, query
