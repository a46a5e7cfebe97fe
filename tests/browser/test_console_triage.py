"""The console's 举报分办 and 复查 tabs in headless Chromium at 1366×768 (the desk's zone left
at UTC): residents' reports sent from the public page appear in the queue; the supervisor
rejects one with a reason the resident then reads and dispatches another to an officer; the
overdue re-inspection is listed first and marked, its notice downloads and a re-inspection
task goes to the officer who gave the order."""
from __future__ import annotations

import re
import uuid
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select

from backend.auth.models import Officer
from backend.complaints.models import Complaint
from backend.extensions import db
from backend.patrols import service as patrols
from backend.tasks.models import Task
from tests import images
from tests.browser.conftest import ARTIFACTS, axe_violations, expect, login, wait_for

# what a person must never read: enum values, UTC instants, None/undefined
RAW = re.compile(r"\b(received|dispatched|rejected|merged|web|hotline|department|rectify|None|undefined|null|NaN)\b"
                 r"|\+00:00|T\d\d:\d\d:\d\d|\d\dZ\b")
POINT = {"lat": "29.9700", "lon": "121.6200"}  # inside the demo street's grids


def nothing_raw(text: str) -> None:
    found = RAW.search(text)
    assert not found, f"{found.group(0)!r} in: {text[:2000]}"


def _report(base: str, description: str, address: str, photo: bytes | None = None) -> str:
    sent = requests.post(f"{base}/public/report", data={"description": description, "phone": "13800001234", "address": address, **POINT},
                         files={"photos": ("p.jpg", photo, "image/jpeg")} if photo else None, headers={"Accept": "application/json"}, timeout=30)
    assert sent.status_code == 201, sent.text
    return sent.json()["code"]


def _public(base: str, code: str) -> dict:
    return requests.get(f"{base}/public/report/{code}", headers={"Accept": "application/json"}, timeout=30).json()


def _seed_orders(app, now, today) -> tuple[str, str]:
    """Two rectification orders by zf001: one whose re-inspection was due two days ago, one due later this week."""
    ids = (str(uuid.uuid4()), str(uuid.uuid4()))
    with app.app_context():
        zf001 = db.session.scalar(select(Officer).where(Officer.username == "zf001"))
        for iid, (name, ago, deadline) in zip(ids, (("俞范超期水果店", 5, today - timedelta(days=3)), ("俞范本周小吃店", 1, today + timedelta(days=2)))):
            at = now - timedelta(days=ago)
            patrols.record_inspection(inspection_id=iid, officer=zf001, device_id="dev-seed-0001", captured_at=at, inspected_at=at,
                                      lat=29.9701, lon=121.6201, accuracy_m=5, subject_name=name, subject_address="蛟川街道俞范东路8号",
                                      matter_code="SR-001", result="rectify", rectify_deadline=deadline, notes="店外摆放商品占用人行道")
        db.session.commit()
        db.session.remove()
    return ids


def _complaint(app, code: str) -> Complaint:
    with app.app_context():
        c = db.session.scalar(select(Complaint).where(Complaint.code == code))
        db.session.expunge(c)
        db.session.remove()
        return c


def test_the_supervisor_triages_reports_and_sees_overdue_re_inspections(night_clock, desk, server, app):
    page = desk  # 1366×768, the computer's zone left at UTC
    base = f"http://127.0.0.1:{server.port}"
    stray = _report(base, "小区门口有人乱贴小广告，已经好几天了", "俞范东路12号", photo=images.jpeg(640, 480))
    grill = _report(base, "俞范东路8号烧烤店每天晚上油烟很大，熏得楼上无法开窗", "俞范东路8号")
    a, b = _complaint(app, stray), _complaint(app, grill)
    overdue, later = _seed_orders(app, night_clock.now(), night_clock.today())

    page.goto("/")
    login(page, "zd001")
    page.locator("[data-test=go-supervise]").click()
    page.locator(".van-tab", has_text="举报分办").click()
    pane = page.locator("[data-test=console-triage]")
    row_a, row_b = page.locator(f"[data-test=complaint-{a.id}]"), page.locator(f"[data-test=complaint-{b.id}]")
    expect(row_a).to_contain_text("群众举报")
    expect(row_a).to_contain_text("俞范东路12号")
    expect(row_b).to_contain_text("烧烤店")

    # the chosen report: its words, place, code and the phone the server gives a supervisor
    row_a.click()
    detail = page.locator("[data-test=complaint-detail]")
    expect(detail).to_contain_text("乱贴小广告")
    expect(detail.locator("[data-test=complaint-code]")).to_have_text(stray)
    expect(detail.locator("[data-test=complaint-point]")).to_have_text("29.97000, 121.62000")
    expect(detail.locator("[data-test=complaint-phone]")).to_have_text("13800001234")
    photo = detail.locator("[data-test=complaint-photo-0] img")  # fetched with the supervisor's token
    expect(photo).to_be_visible()
    # visible is its box; the pixels arrive after the authenticated fetch and the decode
    assert wait_for(lambda: photo.evaluate("(img) => img.complete && img.naturalWidth"), page, what="the photo decoded") == 640
    nothing_raw(pane.inner_text())
    page.locator("[data-test=triage-task]").click()
    expect(page.locator("[data-test=triage-assignee-zf001]")).to_be_visible()
    assert not axe_violations(page), axe_violations(page)

    # a rejection needs its reason (at least 4 characters), which the resident then reads
    page.locator("[data-test=triage-reject]").click()
    page.locator("[data-test=triage-reason] textarea").fill("不")
    page.locator("[data-test=triage-send]").click()
    expect(page.locator("[data-test=triage-missing]")).to_be_visible()
    expect(row_a).to_be_visible()
    page.locator("[data-test=triage-reason] textarea").fill("小广告由物业清理，已告知物业处理")
    page.locator("[data-test=triage-send]").click()
    expect(row_a).to_have_count(0)
    expect(page.locator("[data-test=triage-done]")).to_contain_text("不予受理")
    seen = _public(base, stray)
    assert seen["status"] == "rejected" and seen["text"] == "不予受理：小广告由物业清理，已告知物业处理", seen

    # the other one becomes a task for zf001 (张伟)
    row_b.click()
    page.locator("[data-test=triage-task]").click()
    page.locator("[data-test=triage-assignee-zf001]").click()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "console-triage-task.png"))
    page.locator("[data-test=triage-send]").click()
    expect(row_b).to_have_count(0)
    expect(page.locator("[data-test=triage-done]")).to_contain_text("张伟")
    triaged = _complaint(app, grill)
    assert triaged.status == "dispatched" and triaged.task_id
    with app.app_context():
        task = db.session.get(Task, triaged.task_id)
        assignee = db.session.get(Officer, task.assignee_id).username
        db.session.remove()
    assert assignee == "zf001" and grill in task.description
    assert _public(base, grill)["text"] == "已交办执法人员处理"

    # a 12345 order taken by phone, entered on the console, repeats the grill: merged into it
    page.locator("[data-test=referral-open]").click()
    page.locator("[data-test=referral-ref] input").fill("12345-20261204-017")
    page.locator("[data-test=referral-description] textarea").fill("市民来电：俞范东路8号烧烤油烟扰民")
    page.locator("[data-test=referral-address] input").fill("俞范东路8号")
    page.locator("[data-test=referral-phone] input").fill("13900002222")
    page.locator("[data-test=referral-save]").click()
    detail = page.locator("[data-test=complaint-detail]")
    expect(detail).to_contain_text("12345 热线")
    with app.app_context():
        hotline = db.session.scalar(select(Complaint).where(Complaint.external_ref == "12345-20261204-017"))
        db.session.remove()
    expect(page.locator(f"[data-test=complaint-{hotline.id}]")).to_be_visible()
    page.locator("[data-test=triage-merge]").click()
    page.locator(f"[data-test=triage-into-{b.id}]").click()
    page.locator("[data-test=triage-send]").click()
    expect(page.locator(f"[data-test=complaint-{hotline.id}]")).to_have_count(0)
    assert _public(base, hotline.code)["text"] == "已交办执法人员处理"  # it follows the report it repeats

    # a CSV of 12345 orders; the imported one becomes a case (立案申请) for its matter
    csv = "工单号,来源,内容,地址,联系电话,联系人\n12345-20261204-021,12345热线,长江路工地裸土未覆盖，扬尘很大,长江路88号,13900003333,王先生\n"
    page.locator("[data-test=triage-import-file]").set_input_files(
        files=[{"name": "12345.csv", "mimeType": "text/csv", "buffer": csv.encode("gb18030")}])
    expect(page.locator("[data-test=triage-imported]")).to_contain_text("已导入 1 件")
    with app.app_context():
        dust = db.session.scalar(select(Complaint).where(Complaint.external_ref == "12345-20261204-021"))
        db.session.remove()
    page.locator(f"[data-test=complaint-{dust.id}]").click()
    page.locator("[data-test=triage-case]").click()
    page.locator("[data-test=matter-q]").fill("扬尘")
    page.locator("[data-test=matter-HJ-005]").click()
    page.locator("[data-test=triage-party] input").fill("宁波某某建设工程有限公司")
    page.screenshot(path=str(ARTIFACTS / "console-triage-case.png"))
    page.locator("[data-test=triage-send]").click()
    expect(page.locator(f"[data-test=complaint-{dust.id}]")).to_have_count(0)
    expect(page.locator("[data-test=triage-empty]")).to_be_visible()
    expect(page.locator("[data-test=complaint-outcome]")).to_contain_text("已立案")
    assert _complaint(app, dust.code).case_id

    page.locator("[data-test=triage-filter-all]").click()
    expect(row_a).to_contain_text("不予受理")
    expect(row_b).to_contain_text("已交办")
    nothing_raw(pane.inner_text())

    # 复查: the overdue order first, marked with its days; the one due later is not marked
    page.locator(".van-tab", has_text="复查").click()
    late = page.locator(f"[data-test=reinspection-{overdue}]")
    expect(late).to_contain_text("俞范超期水果店")
    expect(late).to_contain_text("张伟")
    expect(late).to_contain_text("占道")  # the matter by its name
    expect(page.locator(f"[data-test=reinspection-overdue-{overdue}]")).to_have_text("超期 2 天")
    expect(page.locator(f"[data-test=reinspection-{later}]")).to_contain_text("俞范本周小吃店")
    expect(page.locator(f"[data-test=reinspection-overdue-{later}]")).to_have_count(0)
    expect(page.locator("tr[data-test^=reinspection-]").first).to_have_attribute("data-test", f"reinspection-{overdue}")
    nothing_raw(page.locator("[data-test=console-reinspections]").inner_text())
    assert not axe_violations(page), axe_violations(page)
    with page.expect_download() as download:
        page.locator(f"[data-test=reinspection-pdf-{overdue}]").click()
    assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"
    page.locator(f"[data-test=reinspection-dispatch-{overdue}]").click()
    expect(page.locator(f"[data-test=reinspection-dispatched-{overdue}]")).to_contain_text("张伟")
    with app.app_context():
        tasks = db.session.scalars(select(Task).where(Task.title == "复查：俞范超期水果店")).all()
        assert [db.session.get(Officer, x.assignee_id).username for x in tasks] == ["zf001"]
        db.session.remove()
