"""The register and the spot checks on the supervisor's desk (1366×768, the computer's zone left at
UTC): the supervisor finds a shop by its pinyin initials and a company by its credit code, reads
the company's file (a rectification order awaiting its re-inspection), raises a shop's risk class
and records its licence, merges a shop entered twice; then plans a spot check, draws it (seed and
pairs on screen), verifies the draw, is refused publication while inspections are pending, and
publishes once the pairs have inspected — the public page shows the results and nothing personal."""
from __future__ import annotations

import re
import uuid
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from backend.auth.models import Officer
from backend.catalog.models import Jurisdiction
from backend.complaints import service as complaints
from backend.extensions import db
from backend.patrols import service as patrols
from backend.subjects import service as subjects
from backend.subjects.models import Subject
from backend.subjects.spot_models import SpotCheckItem, SpotCheckPlan
from tests.browser.conftest import ARTIFACTS, expect, login

MONDAY = "2026-11-02T10:30:00+08:00"
USCC = "91330206MA2AAAAA07"
# (name, address, credit code, kind)
REGISTER = [
    ("俞范水果店", "蛟川街道俞范东路8号", None, "shop"),  # initials yfsgd
    ("宁波某某餐饮有限公司", "蛟川街道俞范东路10号", USCC, "company"),
    ("老李五金店", "蛟川街道骆驼桥路2号", None, "shop"),
    ("李记五金店", "蛟川街道骆驼桥路2号", None, "shop"),  # the same shop, entered again
    ("张三", "蛟川街道明州路9号", None, "individual"),
    *[(f"某某便利店{n}", f"蛟川街道临江路{n}号", None, "shop") for n in range(1, 5)],
]
OFFICER_NAMES = ("张伟", "李娜", "王磊", "陈静", "刘洋", "赵敏", "孙浩", "周强", "钱建国")
# what a person must never read: enum values, UTC or ISO instants, UUIDs
RAW = re.compile(r"\b(rectify|compliant|violation|shop|company|individual(_business)?|low|medium|high|planned|drawn|published|server|given|"
                 r"None|undefined|null|NaN)\b|\+00:00|T\d\d:\d\d:\d\d|[0-9a-f]{8}-[0-9a-f]{4}-")


@pytest.fixture
def monday(clock_control):
    """The product's clock (set before the demo street is seeded): a Monday, certificates valid."""
    clock_control.set(MONDAY)
    return clock_control


def _seed(app) -> dict[str, int]:
    """The street's register, and a rectification order for the company (its file's history)."""
    with app.app_context():
        street = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "330211004"))
        ids = {}
        for name, address, code, kind in REGISTER:
            ids[name] = subjects.resolve(street.id, subject_id=None, name=name, address=address, credit_code=code)
            db.session.get(Subject, ids[name]).kind = kind
        zf001 = db.session.scalar(select(Officer).where(Officer.username == "zf001"))
        at = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
        patrols.record_inspection(inspection_id=str(uuid.uuid4()), officer=zf001, device_id="dev-desk-0001", captured_at=at,
                                  inspected_at=at, lat=29.97, lon=121.62, accuracy_m=5, subject_name="宁波某某餐饮有限公司",
                                  subject_id=ids["宁波某某餐饮有限公司"], result="rectify", rectify_deadline=date(2026, 11, 9),
                                  notes="门前堆放杂物")
        # a shop's order due this week (its re-inspection is dispatched below), and a 12345
        # referral about the company (its file lists it)
        order = str(uuid.uuid4())
        patrols.record_inspection(inspection_id=order, officer=zf001, device_id="dev-desk-0001", captured_at=at,
                                  inspected_at=at, lat=29.97, lon=121.62, accuracy_m=5, subject_name="某某便利店1",
                                  subject_id=ids["某某便利店1"], result="rectify", rectify_deadline=date(2026, 11, 5),
                                  notes="店外堆放纸箱")
        referral = complaints.submit(description="俞范东路10号餐饮公司后厨油烟直排，周边居民反映强烈", phone="13900002222",
                                     jurisdiction_code="330211004", channel="hotline", external_ref="12345-20261101-007")
        referral.subject_id = ids["宁波某某餐饮有限公司"]
        db.session.commit()
        db.session.remove()
    return {**ids, "order": order}


def _inspect_drawn(app, plan_id: int, seeded: set[int]) -> tuple[int, int]:
    """Each drawn subject inspected by its lead officer, within the period: the first drawn
    ordered to rectify, the others compliant. Returns the tally the plan must show (compliant,
    rectify): a subject of `seeded` (ordered by zf001 this morning, `_seed`) drawn with zf001 in
    its pair keeps that earlier visit as its result (the draw is random: either can happen)."""
    with app.app_context():
        items = db.session.scalars(select(SpotCheckItem).where(SpotCheckItem.plan_id == plan_id)).all()
        zf001 = db.session.scalar(select(Officer.id).where(Officer.username == "zf001"))
        at = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
        tally = {"compliant": 0, "rectify": 0}
        for n, item in enumerate(items):
            officer = db.session.get(Officer, item.first_officer_id)
            result = "compliant" if n else "rectify"
            patrols.record_inspection(inspection_id=str(uuid.uuid4()), officer=officer, device_id="dev-desk-0001", captured_at=at,
                                      inspected_at=at, lat=29.97, lon=121.62, accuracy_m=5, subject_name="x", subject_id=item.subject_id,
                                      result=result, rectify_deadline=None if n else date(2026, 11, 9))
            earlier = item.subject_id in seeded and zf001 in (item.first_officer_id, item.second_officer_id)
            tally["rectify" if earlier else result] += 1
        db.session.commit()
        db.session.remove()
    return tally["compliant"], tally["rectify"]


def test_register_search_file_edit_merge_and_a_spot_check_from_plan_to_public_page(monday, desk, app):
    page = desk
    ids = _seed(app)
    page.goto("/")
    login(page, "zd001")
    page.locator("[data-test=go-supervise]").click()
    page.get_by_role("tab", name="监管对象").click()

    # --- search: pinyin initials, then a credit code's beginning --------------------------
    search = page.locator("[data-test=register-search] input")
    search.fill("yfsg")
    fruit = page.locator(f"[data-test=register-row-{ids['俞范水果店']}]")
    expect(fruit).to_be_visible()
    expect(page.locator("[data-test^=register-row-]")).to_have_count(1)
    search.fill(USCC[:12])
    company = page.locator(f"[data-test=register-row-{ids['宁波某某餐饮有限公司']}]")
    expect(company).to_contain_text("企业")
    expect(page.locator("[data-test^=register-row-]")).to_have_count(1)

    # --- the company's file: the order and its pending re-inspection -------------------------
    company.click()
    detail = page.locator("[data-test=register-detail]")
    expect(detail).to_contain_text(USCC)
    expect(page.locator("[data-test=register-inspection]")).to_have_count(1)
    expect(page.locator("[data-test=register-inspection]")).to_contain_text("责令整改")
    expect(page.locator("[data-test=register-inspection]")).to_contain_text("门前堆放杂物")
    expect(page.locator("[data-test=register-inspection]")).to_contain_text("张伟")  # zf001, by name
    expect(page.locator("[data-test=register-order]")).to_contain_text("2026-11-09")
    expect(page.locator("[data-test=register-order]")).to_contain_text("待复查")
    expect(page.locator("[data-test=register-inspection]")).to_contain_text("2026/11/2 09:00")  # local time, not UTC
    referral = page.locator("[data-test^=register-complaint-]")  # the report filed under it at triage
    expect(referral).to_contain_text("12345 热线")
    expect(referral).to_contain_text("待分办")
    expect(referral).to_contain_text("后厨油烟直排")
    assert not RAW.search(detail.inner_text()), detail.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-register-file.png"), full_page=True)

    # --- an edit: the fruit shop's risk class and licence -------------------------------------
    search.fill("yfsg")
    fruit.click()
    expect(page.locator("[data-test=register-name]")).to_have_text("俞范水果店")
    page.locator("[data-test=register-edit]").click()
    page.locator("[data-test=register-edit-risk]").select_option("high")
    page.locator("[data-test=register-licence-add]").click()
    page.locator("[data-test=register-licence-0] input").nth(0).fill("食品经营许可证")
    page.locator("[data-test=register-licence-0] input").nth(1).fill("JY13302110012345")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-register-edit.png"))
    page.locator("[data-test=register-save]").click()
    expect(page.locator("[data-test=register-licences]")).to_contain_text("食品经营许可证 · JY13302110012345")
    expect(detail).to_contain_text("高风险")
    expect(fruit).to_contain_text("高风险")  # the list follows
    with app.app_context():
        s = db.session.get(Subject, ids["俞范水果店"])
        assert s.risk_class == "high" and s.licences == [{"name": "食品经营许可证", "number": "JY13302110012345", "valid_until": None}]
        db.session.remove()

    # --- 登记新对象: a shop opening, registered by hand; the file opens on it --------------------
    page.locator("[data-test=register-new]").click()
    form = page.locator("[data-test=register-new-form]")
    form.locator("[data-test=register-edit-name] input").fill("新开便利店")
    form.locator("[data-test=register-edit-address] input").fill("蛟川街道俞范东路30号")
    form.locator("[data-test=register-save]").click()
    expect(page.locator("[data-test=register-name]")).to_have_text("新开便利店")
    with app.app_context():
        assert db.session.query(Subject).filter_by(name="新开便利店").one().address == "蛟川街道俞范东路30号"
        db.session.remove()

    # --- a merge: 李记五金店 is 老李五金店 entered again -----------------------------------------
    search.fill("五金")
    expect(page.locator("[data-test^=register-row-]")).to_have_count(2)
    page.locator(f"[data-test=register-row-{ids['李记五金店']}]").click()
    # the file is keyed by subject: a click on 合并重复 before it is loaded lands on the old one
    expect(page.locator("[data-test=register-name]")).to_have_text("李记五金店")
    page.locator("[data-test=register-merge]").click()
    page.locator("[data-test=register-merge-search] input").fill("五金")
    expect(page.locator("[data-test=register-merge-into]")).to_have_value(str(ids["老李五金店"]))  # the one other match
    page.locator("[data-test=register-merge-keep-other]").check()
    page.locator("[data-test=register-merge-ask]").click()
    expect(page.locator("[data-test=register-merge-kept]")).to_have_text("老李五金店")
    expect(page.locator("[data-test=register-merge-gone]")).to_have_text("李记五金店")
    page.screenshot(path=str(ARTIFACTS / "console-register-merge.png"))
    page.locator("[data-test=register-merge-confirm]").click()
    expect(page.locator("[data-test=register-name]")).to_have_text("老李五金店")
    expect(page.locator("[data-test^=register-row-]")).to_have_count(1)
    with app.app_context():
        assert db.session.get(Subject, ids["李记五金店"]).merged_into_id == ids["老李五金店"]
        db.session.remove()
    page.screenshot(path=str(ARTIFACTS / "console-register.png"), full_page=True)

    # --- 复查: the re-inspection dispatched once is remembered after a reload ------------------
    page.locator(".van-tab", has_text="复查").click()
    dispatch = page.locator(f"[data-test=reinspection-dispatch-{ids['order']}]")
    expect(dispatch).to_be_visible()
    # the race a busy machine once produced: coming back to the tab refreshes the list, and
    # that answer (read before the task existed) lands while the dispatch is on its way. The
    # refresh and the dispatch's answer are held here and let go in that order.
    page.locator(".van-tab", has_text="监管对象").click()
    page.wait_for_timeout(3100)  # a list older than 3 s is asked again when the tab shows
    held: dict[str, tuple] = {}

    def hold(route) -> None:
        kind = "list" if route.request.method == "GET" else "dispatch"
        if kind in held:
            route.continue_()
        else:
            held[kind] = (route, route.fetch())  # the server answers now; the page hears it later

    def held_by_now(kind: str) -> None:
        for _ in range(300):  # 15 s
            if kind in held:
                return
            page.wait_for_timeout(50)
        pytest.fail(f"no {kind} request reached the page's routes")

    page.route("**/api/v1/reinspections?*", hold)
    page.route("**/api/v1/tasks", hold)
    page.locator(".van-tab", has_text="复查").click()
    held_by_now("list")
    dispatch.click()  # to the officer who ordered it
    held_by_now("dispatch")
    route, answer = held["list"]
    route.fulfill(response=answer)  # the list as it was before the task
    expect(dispatch).to_be_visible()
    route, answer = held["dispatch"]
    route.fulfill(response=answer)
    dispatched = page.locator(f"[data-test=reinspection-dispatched-{ids['order']}]")
    expect(dispatched).to_have_text("已派遣给 张伟（待签收）")
    page.unroute("**/api/v1/reinspections?*")
    page.unroute("**/api/v1/tasks")
    page.reload()
    page.locator(".van-tab", has_text="复查").click()
    expect(dispatched).to_have_text("已派遣给 张伟（待签收）")
    expect(page.locator(f"[data-test=reinspection-dispatch-{ids['order']}]")).to_have_count(0)  # no second dispatch
    page.screenshot(path=str(ARTIFACTS / "console-reinspection-dispatched.png"), full_page=True)

    # --- 双随机: a plan, the draw, its verification -------------------------------------------
    page.get_by_role("tab", name="双随机").click()
    page.locator("[data-test=spot-new]").click()
    page.locator("[data-test=spot-name] input").fill("2026年11月市容环卫双随机抽查")
    page.locator("[data-test=spot-domain]").select_option("市容环卫")
    page.locator("[data-test=spot-count] input").fill("3")
    page.locator("[data-test=spot-save]").click()
    plan = page.locator("[data-test^=spot-detail-]")
    expect(plan).to_have_attribute("data-status", "planned")
    with app.app_context():
        plan_id = db.session.scalar(select(SpotCheckPlan.id).where(SpotCheckPlan.name == "2026年11月市容环卫双随机抽查"))
        db.session.remove()
    expect(page.locator(f"[data-test=spot-plan-{plan_id}]")).to_contain_text("待抽取")
    expect(plan).to_contain_text("2026-11-02 至 2026-12-01")

    page.locator("[data-test=spot-draw]").click()
    page.locator("[data-test=spot-confirm]").click()
    expect(plan).to_have_attribute("data-status", "drawn")
    rows = page.locator("[data-test=spot-draw-row]")
    expect(rows).to_have_count(3)
    expect(page.locator("[data-test=spot-seed-shown]")).to_have_text(re.compile(r"^[0-9a-f]{32}$"))
    expect(plan).to_contain_text("服务器随机生成")
    for n in range(3):
        pair = rows.nth(n).locator("td").nth(4).inner_text()
        assert re.fullmatch(r"\S+ / \S+", pair) and len({*pair.split(" / ")}) == 2, pair
        assert {*pair.split(" / ")} <= set(OFFICER_NAMES), pair
    page.locator("[data-test=spot-verify]").click()
    expect(page.locator("[data-test=spot-verified]")).to_have_attribute("data-matches", "true")
    expect(page.locator("[data-test=spot-verified]")).to_contain_text("结果一致")

    # --- publication: refused while inspections are pending, then published -------------------
    page.locator("[data-test=spot-publish]").click()
    page.locator("[data-test=spot-confirm]").click()
    expect(page.locator("[data-test=spot-refusal]")).to_contain_text("仍有对象未检查")
    compliant, rectify = _inspect_drawn(app, plan_id, {ids["宁波某某餐饮有限公司"], ids["某某便利店1"]})
    page.locator(f"[data-test=spot-plan-{plan_id}]").click()  # the plan again, with its results
    expect(page.locator("[data-test=spot-tally]")).to_contain_text(f"待检查 0，合格 {compliant}，责令整改 {rectify}")
    page.locator("[data-test=spot-publish]").click()
    page.locator("[data-test=spot-confirm]").click()
    expect(plan).to_have_attribute("data-status", "published")
    expect(page.locator(f"[data-test=spot-plan-{plan_id}]")).to_contain_text("已公示")
    assert not RAW.search(plan.inner_text()), plan.inner_text()
    expect(page.locator("[data-test=spot-dialog]")).to_be_hidden()
    page.screenshot(path=str(ARTIFACTS / "console-spot-checks.png"), full_page=True)

    # --- the public page: results without addresses, codes or officers -----------------------
    with app.app_context():
        drawn = [db.session.get(Subject, i.subject_id) for i in
                 db.session.scalars(select(SpotCheckItem).where(SpotCheckItem.plan_id == plan_id))]
        db.session.remove()
    with page.expect_popup() as popup:
        page.locator("[data-test=spot-public-link]").click()
    public = popup.value
    public.wait_for_load_state()
    text = public.locator("body").inner_text()
    assert "2026年11月市容环卫双随机抽查" in text and "发现问题，已责令整改" in text and text.count("未发现问题") == compliant, text
    for s in drawn:
        assert (s.name if s.kind != "individual" else s.name[0] + "*") in text, text
        assert s.address not in text, text
    assert USCC not in text and not any(n in text for n in OFFICER_NAMES), text
    public.close()
