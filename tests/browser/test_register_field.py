"""From a resident's report to the re-inspection that closes it (each engine). A resident reports
from a phone (360×640) with a photo, located by the browser; the supervisor triages it on the
console into a task for the officer. The officer, online once — the street's
register of subjects (监管对象库) downloads with the other offline data — then offline finds a
shop by its pinyin initials, orders it to rectify by a deadline, prints the 责令（限期）改正通知书
on the spot; back online the inspection arrives naming that register subject, and the server's
numbered notice opens. The day after the deadline (the server restarted with the product's
clock moved on, the phone's clock with it) 今日 lists the re-inspection, which the supervisor
dispatched as a task; 开始复查 on the task opens the form filled from the first visit; the
re-inspection closes the loop on the server, and the resident's status page shows what was
done (and takes the rating). The supervisor named the shop at triage: the report is in the
shop's file (一户一档) with its rating."""
from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from backend.catalog.models import Jurisdiction
from backend.complaints.models import Complaint
from backend.extensions import db
from backend.patrols.models import Inspection
from backend.subjects import service as subjects
from tests.browser.conftest import (ARTIFACTS, DESK, _evaluate, axe_violations, expect, go_offline, go_online, login, new_phone, printed,
                                    start_server, wait_for, wait_for_service_worker, wait_synced)
from tests.browser.test_officer_app import photo_file

MONDAY = "2026-11-02T09:30:00+08:00"
DEADLINE = "2026-11-05"                   # 整改期限: Thursday
NEXT_DAY = "2026-11-06T09:30:00+08:00"    # the day after: the re-inspection is due
USCC = "91330206MA2AAAAA07"
# (name, address, credit code, lat, lon): around the officer's position (29.9700, 121.6200)
REGISTER = [
    ("俞范水果店", "蛟川街道俞范东路8号", None, 29.9702, 121.6202),  # pinyin initials yfsgd
    ("宁波某某餐饮有限公司", "蛟川街道俞范东路10号", USCC, 29.9705, 121.6199),
    ("小王水果店", "蛟川街道明州路9号", None, 29.9750, 121.6300),
    ("老李五金店", "蛟川街道骆驼桥路2号", None, 29.9690, 121.6210),
]
RAW = re.compile(r"\b(rectify|compliant|violation|None|undefined|null|NaN)\b|\+00:00|T\d\d:\d\d:\d\d|[0-9a-f]{8}-[0-9a-f]{4}-")
KEPT_REGISTER = """async () => {
    const open = await new Promise((res, rej) => { const r = indexedDB.open('zhangshang'); r.onsuccess = () => res(r.result); r.onerror = rej })
    const row = await new Promise((res) => { const q = open.transaction('ref').objectStore('ref').get('register:zf001'); q.onsuccess = () => res(q.result) })
    open.close()
    return row ? row.value.rows.length : 0
}"""


@pytest.fixture
def monday(clock_control):
    """The product's clock on the first visit (set before the demo street is seeded)."""
    clock_control.set(MONDAY)
    return clock_control


def _seed_register(app) -> dict[str, int]:
    """The street's register, as inspections and the supervisors built it before today."""
    with app.app_context():
        street = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "330211004"))
        ids = {name: subjects.resolve(street.id, subject_id=None, name=name, address=address, credit_code=code, lat=lat, lon=lon)
               for name, address, code, lat, lon in REGISTER}
        db.session.commit()
        db.session.remove()
    return ids


def _inspections(app) -> list[dict]:
    with app.app_context():
        rows = [{"id": i.id, "subject_id": i.subject_id, "result": i.result, "rectify_deadline": i.rectify_deadline,
                 "follow_up_of": i.follow_up_of, "notes": i.notes}
                for i in db.session.scalars(select(Inspection).order_by(Inspection.inspected_at))]
        db.session.remove()
    return rows


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def nothing_raw(page) -> None:
    shown = page.locator("main").inner_text()
    assert not RAW.search(shown), RAW.search(shown).group(0) + " in: " + shown[:2000]


def no_serious_violation(page, where: str) -> None:
    found = axe_violations(page)
    assert not found, (where, found)


def _complaint(app, code: str) -> dict:
    with app.app_context():
        c = db.session.scalar(select(Complaint).where(Complaint.code == code))
        out = {"id": c.id, "status": c.status, "task_id": c.task_id}
        db.session.remove()
    return out


def test_a_residents_report_triaged_inspected_offline_with_a_notice_and_closed_by_the_re_inspection(
        monday, app, demo, client, auth, browser, database_url, tmp_path):
    began = time.monotonic()
    ids = _seed_register(app)
    shop = ids["俞范水果店"]
    media = str(tmp_path / "media")
    errors: list[str] = []
    server = start_server(database_url, media, app.config["SECRET_KEY"])
    ctx = page = resident = None
    try:
        base = f"http://127.0.0.1:{server.port}"
        # --- a resident reports from a phone, with a photo, located by the browser -------
        resident = new_phone(browser, base)
        rpage = resident.new_page()
        rpage.on("pageerror", lambda e: errors.append(str(e)))
        rpage.goto("/public/report")
        rpage.locator("#description").fill("俞范东路8号水果店把水果摊摆到人行道上，行人只能走机动车道")
        rpage.locator("#address").fill("蛟川街道俞范东路8号")
        rpage.locator("#locate").click()
        expect(rpage.locator("#located")).to_contain_text("已定位")
        rpage.locator("#photos").set_input_files(photo_file(tmp_path, "street.jpg"))
        rpage.locator("#phone").fill("13800001234")
        no_serious_violation(rpage, "the public report form")
        rpage.locator("button[type=submit]").click()
        expect(rpage.locator("[data-test=report-status]")).to_have_text("已受理，等待处理")
        code = rpage.locator("[data-test=report-code]").inner_text().strip()
        status_page = f"/public/report/{code}"
        report = _complaint(app, code)

        # --- the supervisor triages it on the console into a task for zf001 ---------------
        desk = new_phone(browser, base, **DESK)
        dpage = desk.new_page()
        dpage.on("pageerror", lambda e: errors.append(str(e)))
        dpage.goto("/")
        login(dpage, "zd001")
        dpage.locator("[data-test=go-supervise]").click()
        dpage.locator(".van-tab", has_text="举报分办").click()
        dpage.locator(f"[data-test=complaint-{report['id']}]").click()
        expect(dpage.locator("[data-test=complaint-detail]")).to_contain_text("行人只能走机动车道")
        dpage.locator("[data-test=triage-task]").click()
        dpage.locator("[data-test=triage-assignee-zf001]").click()
        # the report is about the register's shop (被举报对象): found by its initials, filed in its 一户一档
        dpage.locator("[data-test=triage-subject-q]").fill("yfsg")
        dpage.locator(f"[data-test=triage-subject-{shop}]").click()
        ARTIFACTS.mkdir(exist_ok=True)
        dpage.screenshot(path=str(ARTIFACTS / "console-triage-subject.png"), full_page=True)
        dpage.locator("[data-test=triage-send]").click()
        expect(dpage.locator(f"[data-test=complaint-{report['id']}]")).to_have_count(0)  # out of the queue
        desk.close()
        report = _complaint(app, code)
        assert report["status"] == "dispatched" and report["task_id"], report
        task_id = report["task_id"]

        # --- Monday: online once, the register comes with the offline data ---------------
        ctx = new_phone(browser, base)
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("/")
        login(page)
        wait_for(lambda: _evaluate(page, KEPT_REGISTER) == len(REGISTER), page, what="the register kept on the phone")
        page.goto("/tasks")  # the resident's report, handed to this officer
        expect(page.locator(f"[data-test=task-{task_id}]")).to_contain_text("群众举报")
        page.locator(f"[data-test=task-accept-{task_id}]").click()
        expect(page.locator(f"[data-test=task-status-{task_id}]")).to_have_text("已签收")
        page.goto("/")
        wait_for_service_worker(page)
        go_offline(ctx, page)

        # offline: the shop found by its initials, one tap fills the form and names it
        page.locator("[data-test=go-inspection]").click()
        expect(page.locator("[data-test=register-state]")).to_contain_text(f"监管对象库 {len(REGISTER)} 户")
        expect(page.locator("[data-test=recent-0]")).to_contain_text("俞范水果店")  # nothing typed: the nearest first
        # a new name like a subject within 100 m: is it that one? (the officer says no: a new one)
        name = page.locator("[data-test=subject-name] input")
        name.fill("某某餐饮")
        suggest = page.locator("[data-test=subject-suggest]")
        expect(suggest).to_contain_text("是否为：宁波某某餐饮有限公司（蛟川街道俞范东路10号，相距")
        expect(suggest).to_contain_text("米）？")
        page.locator("[data-test=suggest-keep]").click()
        expect(suggest).to_have_count(0)
        name.fill("")
        page.locator("[data-test=subject-search] input").fill("yfsg")
        hit = page.locator("[data-test=subject-hit-0]")
        expect(hit).to_contain_text("俞范水果店")
        expect(hit).to_contain_text("相距")
        expect(hit).to_have_attribute("data-subject-id", str(shop))
        expect(page.locator("[data-test=subject-hit-1]")).to_have_count(0)
        no_serious_violation(page, "the subject picker")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "register-picker-offline.png"), full_page=True)
        hit.click()
        expect(page.locator("[data-test=subject-name] input")).to_have_value("俞范水果店")
        expect(page.locator("[data-test=subject-address] input")).to_have_value("蛟川街道俞范东路8号")
        expect(page.locator("[data-test=subject-linked]")).to_contain_text("俞范水果店")
        page.locator("[data-test=matter-search] input").fill("SR-001")
        page.locator(".van-cell[data-test=matter-SR-001]").click()
        page.locator("[data-test=result-rectify]").click()
        page.locator("[data-test=rectify-by] input").fill(DEADLINE)
        page.locator("[data-test=notes] textarea").fill("店外摆放商品占用人行道")
        expect(page.locator("[data-test=place]")).not_to_contain_text("定位…")
        page.locator("[data-test=save-notice]").click()

        # the notice, printed by the phone offline, in the street's name
        notice = page.locator("[data-test=notice]")
        expect(notice).to_contain_text("宁波市镇海区人民政府蛟川街道办事处")
        expect(page.locator("[data-test=notice-title]")).to_have_text("责令（限期）改正通知书")
        expect(page.locator("[data-test=notice-party]")).to_contain_text("俞范水果店")
        expect(page.locator("[data-test=notice-facts]")).to_contain_text("经查，你（单位）店外摆放商品占用人行道。上述行为违反了")
        expect(page.locator("[data-test=notice-order]")).to_contain_text("现责令你（单位）于2026年11月5日前改正上述违法行为")
        expect(page.locator("[data-test=notice-remedies]")).to_contain_text("六十日内向宁波市镇海区人民政府申请行政复议")
        expect(page.locator("[data-test=notice-officers]")).to_contain_text("张伟（执法证号 浙综执 33021100401）")
        expect(page.locator("[data-test=notice-issued]")).to_contain_text("2026年11月2日")
        expect(page.locator("[data-test=notice-number]")).to_contain_text("上传后由系统统一编号")
        expect(page.locator("[data-test=notice-copy-state]")).to_contain_text("上传后，系统生成带编号的正式通知书")
        expect(page.locator("[data-test=notice-pdf]")).to_have_count(0)  # not uploaded yet: no numbered copy to offer
        nothing_raw(page)
        no_serious_violation(page, "the notice")
        page.locator("[data-test=notice-print-80]").click()
        expect(page.locator(".paper-80mm [data-test=notice]")).to_be_attached()
        printed(page, 1)
        page.locator("[data-test=notice-print-a4]").click()
        expect(page.locator(".paper-80mm")).to_have_count(0)
        assert printed(page, 2) == ["80mm", "a4"]  # each printed on its own paper
        page.screenshot(path=str(ARTIFACTS / "register-notice-offline.png"), full_page=True)

        # online: the inspection arrives naming the register's subject; the numbered notice opens
        go_online(ctx, page)
        wait_synced(page)
        [first] = _inspections(app)
        assert first["subject_id"] == shop and first["result"] == "rectify" and str(first["rectify_deadline"]) == DEADLINE, first
        expect(page.locator("[data-test=notice-copy-state]")).to_contain_text("已上传")
        with ctx.expect_page() as popup:  # fetched with the officer's token, opened as a blob
            page.locator("[data-test=notice-pdf]").click()
        popup.value.wait_for_url(re.compile(r"^blob:"))
        popup.value.close()
        expect(page.locator("[data-test=notice-number]")).to_contain_text("蛟川街道综执改字〔2026〕第0001号")
        with page.expect_download() as dl:
            page.locator("[data-test=notice-pdf-save]").click()
        text = pdf_text(Path(dl.value.path()).read_bytes())
        assert "责令（限期）改正通知书" in text and "俞范水果店" in text and "2026年11月5日前" in text and "第0001号" in text, text[:800]
        page.locator("[data-test=notice-done]").click()
        expect(page.locator("[data-test=today-notice-0]")).to_contain_text("已打印")
        expect(page.locator("[data-test=today-reinspect-0]")).to_have_count(0)  # not due before its deadline
        # the task fed back: what the resident will read
        page.goto("/tasks")
        page.locator(f"[data-test=task-report-{task_id}]").click()
        page.locator("[data-test=task-note] textarea").fill("已责令水果店于11月5日前改正，到期复查")
        page.locator(f"[data-test=task-done-{task_id}]").click()
        wait_synced(page)
        ctx.close()
        ctx = None
        rpage.goto(status_page)
        expect(rpage.locator("[data-test=report-status]")).to_have_text("已处理：已责令水果店于11月5日前改正，到期复查")

        # --- Friday, the day after the deadline: 今日 lists the re-inspection ----------------
        server.stop()
        monday.set(NEXT_DAY)
        # the supervisor dispatches the re-inspection to the officer as a task (派遣复查)
        dispatched = client.post("/api/v1/tasks", headers=auth.login("zd001").headers,
                                 json={"title": "复查：俞范水果店", "assignee": "zf001", "reinspection_of": first["id"]})
        assert dispatched.status_code == 201, dispatched.get_json()
        reinspect_task = dispatched.get_json()["id"]
        server = start_server(database_url, media, app.config["SECRET_KEY"])
        ctx = new_phone(browser, f"http://127.0.0.1:{server.port}")
        page = ctx.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto("/")
        login(page)
        due = page.locator("[data-test=today-reinspect-0]")
        expect(due).to_contain_text("俞范水果店")
        expect(due).to_contain_text("整改期限 11月5日")
        expect(page.locator("[data-test=today-reinspect-when-0]")).to_have_text("今日复查")
        expect(due).to_have_attribute("data-reinspect-id", first["id"])
        nothing_raw(page)
        page.screenshot(path=str(ARTIFACTS / "register-reinspection-due.png"), full_page=True)
        page.goto("/tasks")  # the task brings the order: 开始复查 opens the form as 今日's entry does
        expect(page.locator(f"[data-test=task-reinspection-{reinspect_task}]")).to_contain_text("整改期限 2026年11月5日")
        page.locator(f"[data-test=task-reinspect-{reinspect_task}]").click()

        # the form filled from the first visit: the subject, its register id, the matter
        expect(page.locator("[data-test=reinspect-banner]")).to_contain_text("2026年11月5日")
        expect(page.locator("[data-test=reinspect-banner]")).to_contain_text("店外摆放商品占用人行道")
        expect(page.locator("[data-test=subject-name] input")).to_have_value("俞范水果店")
        expect(page.locator("[data-test=subject-address] input")).to_have_value("蛟川街道俞范东路8号")
        expect(page.locator("[data-test=subject-linked]")).to_contain_text("俞范水果店")
        expect(page.locator(".van-cell[data-test=matter-SR-001]")).to_be_visible()
        nothing_raw(page)
        page.screenshot(path=str(ARTIFACTS / "register-reinspection-form.png"), full_page=True)
        page.locator("[data-test=result-compliant]").click()
        expect(page.locator("[data-test=place]")).not_to_contain_text("定位…")
        page.locator("[data-test=save-inspection]").click()
        expect(page.locator("[data-test=home-today]")).to_be_visible()
        wait_synced(page)
        expect(page.locator("[data-test=today-reinspect-0]")).to_have_count(0)  # uploaded: no longer due
        page.screenshot(path=str(ARTIFACTS / "register-reinspected.png"), full_page=True)
        # the resident's status page (the server restarted: its new address): the result, and one rating
        rpage.goto(f"http://127.0.0.1:{server.port}{status_page}")
        expect(rpage.locator("[data-test=report-status]")).to_contain_text("已处理")
        rpage.locator("input[name=rating][value='5']").check()
        rpage.locator("form[action$=rating] button[type=submit]").click()
        expect(rpage.locator("main")).to_contain_text("您的评价：★★★★★")
        rpage.screenshot(path=str(ARTIFACTS / "report-status-rated.png"), full_page=True)
    finally:
        for c in (ctx, resident):
            if c is not None:
                c.close()
        server.stop()
    assert not errors, f"uncaught errors in the page: {errors}"

    # the server: the re-inspection names the shop and follows up the order, which it closes
    first, again = _inspections(app)
    assert again["subject_id"] == shop and again["follow_up_of"] == first["id"] and again["result"] == "compliant", again
    boss = auth.login("zd001")
    history = client.get(f"/api/v1/subjects/{shop}", headers=boss.headers).get_json()["history"]
    [order] = history["rectification_orders"]
    assert order["id"] == first["id"] and order["reinspection"]["id"] == again["id"] and order["reinspection"]["result"] == "compliant"
    [filed] = history["complaints"]  # the resident's report, named at triage
    assert filed["id"] == report["id"] and filed["channel"] == "web" and filed["rating"] == 5 and filed["resolved"], filed
    officer = auth.login("zf001")
    assert client.get("/api/v1/reinspections?due_before=2026-12-31", headers=officer.headers).get_json()["items"] == []
    task = client.get(f"/api/v1/tasks/{reinspect_task}", headers=officer.headers).get_json()
    assert task["status"] == "in_progress" and task["reinspection"] is None, task  # started from the task; fed back as usual
    print(f"register in the field: {time.monotonic() - began:.1f} s")
