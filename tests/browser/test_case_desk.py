"""The case desk (案件办理) in headless Chromium at 1366×768: one general-procedure case from an
inspection that found a violation to the archive, every step taken on the desk by the person
the law gives it to, over the days the law's windows need (the server restarted on each day
with the product's clock moved on, the browsers' clocks with it), then every document's PDF
and the case file's manifest checked against the audit trail (on each engine)."""
from __future__ import annotations

import hashlib
import io
import re
import subprocess
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import urlparse

import pytest
from pypdf import PdfReader

from backend.auth.models import Officer
from backend.extensions import db
from backend.patrols import service as patrols
from tests import images
from tests.browser.conftest import ARTIFACTS, DESK, axe_violations, expect, login, new_phone, start_server
from tests.api.test_evidence import put

MONDAY = "2026-11-02T09:30:00+08:00"  # a working week with no holiday in it
# found on Tuesday 27 October: filing is due 7 working days on, on 5 November (yellow on Monday)
INSPECTED = datetime(2026, 10, 27, 11, 0, tzinfo=timezone.utc)  # 19:00 in Ningbo
NINGBO = (29.9700, 121.6200)
TITLES = {"filing_approval": "立案审批表", "questioning": "询问笔录", "prior_notice": "行政处罚事先告知书", "hearing_notice": "听证通知书",
          "hearing": "听证笔录", "legal_review": "法制审核意见书", "discussion": "集体讨论", "decision": "行政处罚决定书",
          "service_receipt": "送达回证", "closure_approval": "结案审批表"}
RAW = re.compile(r"\b(proposed|investigating|notified|executing|filing_approval|prior_notice|None|undefined|null)\b|\+00:00|T\d\d:\d\d:\d\d")


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


@pytest.fixture
def monday(clock_control):
    """The product's clock at the start of the case (set before the demo street is seeded)."""
    clock_control.set(MONDAY)
    return clock_control


def _inspection_with_a_photo(app, client, auth) -> tuple[str, str]:
    """zf001's inspection of a restaurant that found a violation, with its photo uploaded."""
    photo = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken="2026:10:27 19:00:00")
    assert put(client, auth.login("zf001").headers, photo).status_code == 201
    digest = hashlib.sha256(photo).hexdigest()
    iid = str(uuid.uuid4())
    with app.app_context():
        officer = db.session.query(Officer).filter_by(username="zf001").one()
        patrols.record_inspection(inspection_id=iid, officer=officer, device_id="dev-desk-0001", captured_at=INSPECTED,
                                  inspected_at=INSPECTED, lat=NINGBO[0], lon=NINGBO[1], accuracy_m=5, subject_name="某某烧烤店",
                                  subject_address="蛟川街道俞范东路8号", result="violation", follow_up="case", photos=[digest],
                                  matter_code="HJ-003", notes="烧烤店未安装油烟净化设施，油烟直排。")
        db.session.commit()
        db.session.remove()
    return iid, digest


class Desk:
    """The street's desks on one day: a gunicorn on the test database at the product's clock,
    and a browser context per person (1366×768, the computer's zone left at UTC)."""

    def __init__(self, browser, app, database_url: str, clock) -> None:
        self.browser, self.app, self.database_url, self.clock = browser, app, database_url, clock
        self.server = None
        self.contexts: list = []
        self.pages: dict = {}
        self.errors: list[str] = []

    def day(self, when: str) -> None:
        """Days pass: everyone goes home, the server is started again at the new instant."""
        self.close()
        self.clock.set(when)
        # the app's media folder: the inspection's photo was uploaded through the test client
        self.server = start_server(self.database_url, str(self.app.config["MEDIA_ROOT"]), self.app.config["SECRET_KEY"])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def desk(self, username: str):
        """The person's desk, signed in (a new one each day: access tokens live minutes)."""
        if username in self.pages:
            page = self.pages[username]
            if page.locator("[data-test=lock]").count():  # left alone over five minutes: the PIN lock
                page.locator("[data-test=pin]").fill("2468")
                page.locator("[data-test=unlock]").click()
            return page
        ctx = new_phone(self.browser, self.base, **DESK)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.on("pageerror", lambda e: self.errors.append(f"{username}: {e}"))
        login(page, username)
        self.pages[username] = page
        return page

    def party(self):
        """The party's own phone: no login, no app, only the link."""
        ctx = self.browser.new_context(base_url=self.base, locale="zh-CN", viewport={"width": 390, "height": 800})
        self.contexts.append(ctx)
        return ctx.new_page()

    def screenshots(self, name: str) -> None:
        ARTIFACTS.mkdir(exist_ok=True)
        for who, page in self.pages.items():
            try:
                page.screenshot(path=str(ARTIFACTS / f"{name}-{who}.png"), full_page=True)
            except Exception:  # noqa: BLE001 - a closed page has nothing to show
                pass

    def close(self) -> None:
        for ctx in self.contexts:
            ctx.close()
        self.contexts, self.pages = [], {}
        if self.server is not None:
            self.server.stop()
            self.server = None


def open_case(page, case_id: int) -> None:
    page.goto(f"/desk/case/{case_id}")
    expect(page.locator("[data-test=case-header]")).to_be_visible()


def fill(form, key: str, value: str) -> None:
    form.locator(f"[data-test=f-{key}]").locator("input, textarea").first.fill(value)


def take(page, kind: str, before=None, *, extra: bool = False, refused: str | None = None) -> None:
    """Open the step's form from 下一步 (or the other steps), fill what differs from its
    defaults, submit; the form closes and the desk says it is done (or, with `refused`, the
    server's refusal code stays on the form)."""
    page.locator(f"[data-test={'extra' if extra else 'next'}-{kind}]").click()
    form = page.locator(f"[data-test=form-{kind}]")
    expect(form).to_be_visible()
    if before:
        before(form)
    form.locator("[data-test=step-submit]").click()
    if refused:
        expect(form).to_have_attribute("data-code", refused)
        return
    deadline = time.monotonic() + 30
    while form.count():
        errors = form.locator("[data-test=step-error], .van-field__error-message, .zs-desk-err")
        if errors.count() and errors.first.is_visible():
            raise AssertionError(f"{kind} refused: {[e.inner_text() for e in errors.all()]}")
        assert time.monotonic() < deadline, f"{kind}: the form did not close"
        page.wait_for_timeout(100)
    expect(page.locator("[data-test=step-done]")).to_be_visible()


def nothing_raw(page) -> None:
    """What a person reads: no enum keys, no UTC timestamps, no None/undefined."""
    shown = page.locator("main").inner_text()
    assert not RAW.search(shown), RAW.search(shown).group(0) + " in: " + shown[:3000]


def test_a_case_from_an_inspection_to_the_archive_on_the_desk(monday, app, demo, client, auth, browser, database_url):
    start = time.monotonic()
    inspection_id, photo = _inspection_with_a_photo(app, client, auth)
    d = Desk(browser, app, database_url, monday)
    try:
        case_id, decision_number, link = _journey(d, inspection_id, photo, browser)
        d.close()
    except BaseException:
        d.screenshots(f"case-desk-{app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
        raise
    finally:
        d.close()
    assert not d.errors, f"uncaught errors in the page: {d.errors}"

    # every document's PDF parses and says what it is; the case file's manifest verifies
    boss = auth.login("zd001")
    case = client.get(f"/api/v1/cases/{case_id}", headers=boss.headers).get_json()
    kinds = {doc["kind"] for doc in case["desk"]["documents"]}
    assert kinds >= set(TITLES), kinds
    for doc in case["desk"]["documents"]:
        resp = client.get(f"/api/v1/cases/{case_id}/documents/{doc['id']}.pdf", headers=boss.headers)
        assert resp.status_code == 200
        text = pdf_text(resp.data)
        assert TITLES[doc["kind"]] in text and doc["number"] in text, (doc, text[:300])
    assert case["desk"]["archived_at"] and case["paid_fen"] == 800_000 and case["stage"] == "closed"
    manifest = client.get(f"/api/v1/cases/{case_id}/file/manifest", headers=boss.headers).get_json()
    assert any(i.get("sha256") == photo for i in manifest["items"])  # the inspection's photo is in the file
    from backend.cases.desk import verify_manifest

    with app.app_context():
        assert verify_manifest(manifest) == []
        db.session.remove()
    assert decision_number in {doc["number"] for doc in case["desk"]["documents"]} and "/public/service/" in link
    print(f"case desk journey: {time.monotonic() - start:.1f} s")


def _journey(d: Desk, inspection_id: str, photo: str, browser) -> tuple[int, str, str]:
    # --- Monday 2 November: 立案申请 from the inspection, 立案审批, 询问笔录, 事先告知 served on the spot
    d.day(MONDAY)
    me = d.desk("zf001")
    me.locator("[data-test=go-desk]").click()
    expect(me.locator("[data-test=desk-empty]")).to_have_text("没有案件")
    assert me.evaluate("document.getElementById('app').getBoundingClientRect().width") > 1300  # the desk's width, not a phone's
    me.locator("[data-test=desk-new]").click()
    me.locator(f"[data-test=source-inspection-{inspection_id}]").click()
    expect(me.locator("[data-test=party-name] input")).to_have_value("某某烧烤店")  # the inspection fills in
    expect(me.locator("[data-test=open-violated] input")).to_have_value("2026-10-27T19:00")  # local time, not UTC
    expect(me.locator("[data-test=matter-chosen]")).to_contain_text("油烟")  # its matter (HJ-003, empowered)
    me.locator("[data-test=party-name] input").fill("王某某")
    me.locator("[data-test=party-id] input").fill("330211198001011234")
    me.locator("[data-test=party-phone] input").fill("13800000000")
    expect(me.locator("[data-test=handler-zf001] input")).to_be_checked()  # the officer opening it handles it
    expect(me.locator("[data-test=handler-zf008]")).to_have_count(0)  # a lapsed certificate is not offered
    me.locator("[data-test=handler-zf002]").click()
    me.locator("[data-test=open-evidence] textarea").fill("现场检查笔录（手机端）")
    assert not axe_violations(me), axe_violations(me)
    me.locator("[data-test=open-submit]").click()
    expect(me.locator("[data-test=case-number]")).to_have_text("待立案审批")
    case_id = int(me.url.rsplit("/", 1)[1])
    expect(me.locator("[data-test=next-filing_approval]")).to_be_disabled()  # the squad leader approves
    expect(me.locator("[data-test=case-actions]")).to_contain_text("由中队长审批")
    expect(me.locator("[data-test=case-lights] [data-test=light-filing]")).to_have_text("立案期限 还剩3天")
    expect(me.locator("[data-test=case-evidence] [data-test=server-photo] img")).to_have_count(1)  # the inspection's photo
    expect(me.locator("[data-test=case-evidence]")).to_contain_text("检查记录：某某烧烤店")
    expect(me.locator("[data-test=case-inspection]")).to_contain_text("2026/10/27 19:00:00 · 蛟川街道俞范东路8号")
    expect(me.locator("[data-test=case-inspection] .leaflet-marker-icon, [data-test=case-inspection] path.leaflet-interactive").first).to_be_attached()

    boss = d.desk("zd001")
    boss.locator("[data-test=go-desk]").click()
    row = boss.locator(f"[data-test=case-row-{case_id}]")
    expect(row).to_contain_text("王某某")
    expect(row).to_contain_text("餐饮服务业经营者未安装油烟净化设施或超标排放油烟")  # the matter's name, not its code
    expect(row).to_contain_text("张伟、李娜")
    expect(row.locator("[data-test=case-next]")).to_have_text("立案审批")
    expect(row.locator("[data-test=light-filing]")).to_have_attribute("data-level", "yellow")
    boss.locator("[data-test=stage-proposed]").click()  # counts per stage, each a filter
    expect(boss.locator("[data-test=stage-proposed]")).to_contain_text("立案申请 1")
    expect(boss.locator("[data-test=stage-proposed]")).to_have_attribute("aria-pressed", "true")
    nothing_raw(boss)
    assert not axe_violations(boss), axe_violations(boss)
    row.click()
    take(boss, "filing_approval", lambda f: fill(f, "reason", "涉嫌违反《大气污染防治法》第八十一条，符合立案条件"))
    expect(boss.locator("[data-test=case-number]")).to_contain_text("综执立字〔2026〕第0001号")
    expect(boss.locator("[data-test=case-stage-now]")).to_have_text("立案")

    me = d.desk("zf001")
    open_case(me, case_id)

    def questioning(f):
        expect(f.locator("[data-test=f-interviewee-name] input")).to_have_value("王某某")
        fill(f, "place", "蛟川街道综合行政执法队询问室")
        fill(f, "qa-0-q", "你的店是否安装了油烟净化设施？")
        fill(f, "qa-0-a", "没有安装。")
        f.locator("[data-test=f-qa-add]").click()
        fill(f, "qa-1-q", "以上笔录是否属实？")
        fill(f, "qa-1-a", "属实。")
    take(me, "questioning", questioning)
    expect(me.locator("[data-test=case-stage-now]")).to_have_text("调查取证")

    def notice(f):
        # the discretion tiers of the matter for a citizen, the lowest first, and the amount inside it
        expect(f.locator("[data-test=f-tier-level1] input")).to_be_checked()
        expect(f.locator("[data-test=f-tier-level1]")).to_contain_text("轻微（¥5,000.00–¥14,000.00）")
        f.locator("[data-test=f-tier-level2]").click()
        expect(f.locator("[data-test=f-amount_fen] input")).to_have_value("14000")  # moved into the tier chosen
        f.locator("[data-test=f-tier-level1]").click()
        fill(f, "amount_fen", "8000")
        fill(f, "grounds", "未安装油烟净化设施，违反《大气污染防治法》第八十一条第一款")
    take(me, "prior_notice", notice)
    expect(me.locator("[data-test=document-prior_notice]")).to_contain_text("行政处罚事先告知书")

    def served_on_the_spot(f):
        expect(f.locator("[data-test=f-document_id-prior_notice] input")).to_be_checked()
        expect(f.locator("[data-test=f-recipient] input")).to_have_value("王某某")
    take(me, "service", served_on_the_spot, extra=True)
    blocked = me.locator("[data-test=blocked-decision]")
    expect(blocked).to_have_text("陈述申辩（听证申请）期限未满，不能作出决定 · 截至 11月9日")
    expect(blocked).to_have_attribute("data-code", "case.notice_window_open")
    with me.context.expect_page() as popup:  # a document opens in a new tab, fetched with the officer's token
        me.locator("[data-test=document-prior_notice] [data-test^=doc-open-]").click()
    popup.value.wait_for_url(re.compile(r"^blob:"))
    popup.value.close()
    expect(me.locator("[data-test=case-window]")).to_contain_text("当事人有权申请听证")  # 8,000 yuan ≥ the 5,000 threshold
    nothing_raw(me)

    # --- Wednesday 4 November: the party's statement and hearing request; the hearing noticed 8 days ahead
    d.day("2026-11-04T09:00:00+08:00")
    me = d.desk("zf001")
    open_case(me, case_id)
    take(me, "statement", lambda f: (fill(f, "said", "家庭困难，请求从轻处罚"), fill(f, "reply", "经复核，不予采纳")))
    take(me, "hearing_request", lambda f: fill(f, "note", "当事人书面申请听证"))

    def too_soon(f):
        fill(f, "hearing_on", "2026-11-05")
        fill(f, "place", "执法队听证室")
        fill(f, "clerk_name", "赵敏")
        f.locator("[data-test=f-host_id-zf004]").click()
    take(me, "hearing_notice", too_soon, refused="case.hearing_notice_short")
    form = me.locator("[data-test=form-hearing_notice]")
    expect(form.locator("[data-test=f-hearing_on] .van-field__error-message")).to_contain_text("听证通知须在举行听证七日前送达 · 最早 11月11日")
    assert not axe_violations(me), axe_violations(me)
    fill(form, "hearing_on", "2026-11-12")
    form.locator("[data-test=step-submit]").click()
    expect(form).to_have_count(0)
    expect(me.locator("[data-test=document-hearing_notice]")).to_contain_text("听证通知书")

    # --- Thursday 12 November: the hearing, 法制审核 by zf003, 集体讨论 and 处罚决定 by the squad leader, 电子送达
    d.day("2026-11-12T11:00:00+08:00")
    me = d.desk("zf001")
    open_case(me, case_id)
    take(me, "hearing", lambda f: (fill(f, "investigator_statement", "事实清楚，证据充分"), fill(f, "party_statement", "请求从轻处罚")))
    expect(me.locator("[data-test=next-legal_review]")).to_be_disabled()  # a handler does not review the case
    reviewer = d.desk("zf003")
    open_case(reviewer, case_id)
    expect(reviewer.locator("[data-test=next-decision]")).to_be_disabled()
    take(reviewer, "legal_review", lambda f: fill(f, "text", "事实清楚，证据确凿，程序合法，适用依据正确，裁量适当"))
    expect(reviewer.locator("[data-test=case-stage-now]")).to_have_text("审核")

    boss = d.desk("zd001")
    open_case(boss, case_id)

    def discussion(f):
        expect(f.locator("[data-test=f-host] input")).to_have_value("钱建国")
        for i, name in ((1, "王磊"), (2, "陈静")):
            f.locator("[data-test=f-attendees-add]").click()
            fill(f, f"attendees-{i}-name", name)
        fill(f, "conclusion", "同意罚款人民币八千元")
    take(boss, "discussion", discussion)

    def decision(f):
        expect(f.locator("[data-test=f-amount_fen] input")).to_have_value("8000")  # as notified
        fill(f, "statement_summary", "当事人的陈述申辩经复核不予采纳。")
        fill(f, "hearing_summary", "2026年11月12日举行听证。")
    take(boss, "decision", decision)
    expect(boss.locator("[data-test=case-stage-now]")).to_have_text("决定")
    take(boss, "publication")  # §48: published on the public page, the party's name masked
    decision_number = re.search(r"\S+综执罚决字〔2026〕第\d+号", boss.locator("[data-test=document-decision]").inner_text()).group(0)

    me = d.desk("zf001")
    open_case(me, case_id)
    take(me, "eservice_consent", lambda f: expect(f.locator("[data-test=f-address] input")).to_have_value("13800000000"), extra=True)

    def electronic(f):
        expect(f.locator("[data-test=f-document_id-decision] input")).to_be_checked()
        f.locator("[data-test=f-method-electronic]").click()
        expect(f.locator("[data-test=f-signed]")).to_have_count(0)  # nobody signs a link
    take(me, "service", electronic)
    link = me.locator("[data-test=service-link-url]").inner_text().strip()
    assert "/public/service/" in link
    expect(me.locator("[data-test=service-link]")).to_contain_text("13800000000")
    expect(me.locator("[data-test=case-timeline]")).to_contain_text("待当事人打开链接")

    # --- Friday 13 November, evening: the party opens the link on their phone, without any login
    d.day("2026-11-13T20:00:00+08:00")
    party = d.party()
    party.goto(urlparse(link).path)
    expect(party.locator("h1")).to_have_text("行政处罚决定书")
    expect(party.locator("main")).to_contain_text(decision_number)
    party.goto("/public/decisions")
    expect(party.locator("body")).to_contain_text(decision_number)
    expect(party.locator("body")).to_contain_text("王**")
    expect(party.locator("body")).not_to_contain_text("王某某")

    # --- Monday 23 November: the bank's file (paid on the 20th), 结案审批, 归档, the case file
    d.day("2026-11-23T09:00:00+08:00")
    me = d.desk("zf001")
    open_case(me, case_id)
    expect(me.locator("[data-test=case-stage-now]")).to_have_text("执行")
    expect(me.locator("[data-test=due-payment]")).to_have_text("11月30日")  # 15 days from the 13th (§67); the 28th is a Saturday
    csv = ("交易日期,金额,付款人,附言,流水号\n"
           f"2026-11-20,8000.00,王某某,缴纳罚款 {decision_number},BK20261120001\n"
           "2026-11-20,50.00,李某,无关转账,BK20261120002\n").encode("gb18030")
    bank = {"name": "bank-20261120.csv", "mimeType": "text/csv", "buffer": csv}
    me.locator("[data-test=bank-file]").set_input_files(bank)
    expect(me.locator("[data-test=bank-summary]")).to_have_text("已入账 1 笔 · 重复 0 笔 · 未匹配 1 笔")
    expect(me.locator("[data-test=bank-matched-2]")).to_contain_text(decision_number)
    expect(me.locator("[data-test=bank-unmatched-3]")).to_contain_text("附言中没有本街道的决定书编号")
    expect(me.locator("[data-test=case-money]")).to_contain_text("¥8,000.00 / ¥8,000.00")
    me.locator("[data-test=bank-file]").set_input_files(bank)  # the same file again is not paid twice
    expect(me.locator("[data-test=bank-summary]")).to_have_text("已入账 0 笔 · 重复 1 笔 · 未匹配 1 笔")
    assert not axe_violations(me), axe_violations(me)
    expect(me.locator("[data-test=case-timeline]")).to_contain_text("当事人")  # the party's opening is the service

    boss = d.desk("zd001")
    open_case(boss, case_id)
    take(boss, "closure", lambda f: (expect(f.locator("[data-test=f-reason-paid]")).to_have_attribute("aria-checked", "true"),
                                     fill(f, "summary", "当事人已于2026年11月20日缴清罚款")))
    expect(boss.locator("[data-test=case-stage-now]")).to_have_text("结案")
    take(boss, "archive", lambda f: fill(f, "location", "2026-执法-0001"))
    expect(boss.locator("[data-test=case-stage-now]")).to_have_text("已归档")
    expect(boss.locator("[data-test=case-actions]")).to_contain_text("案件已归档")
    nothing_raw(boss)
    boss.locator("[data-test=case-back]").click()
    boss.locator("[data-test=desk-all]").click()
    expect(boss.locator(f"[data-test=case-row-{case_id}] [data-test=case-stage]")).to_have_text("已归档")
    expect(boss.locator("[data-test=stage-archived]")).to_contain_text("已归档 1")
    boss.locator(f"[data-test=case-open-{case_id}]").click()
    expect(boss.locator("[data-test=case-archived]")).to_contain_text("2026/11/23")
    with boss.expect_download(timeout=60000) as dl:
        boss.locator("[data-test=file-download]").click()
    data = Path(dl.value.path()).read_bytes()
    text = pdf_text(data)
    assert "卷内目录" in text and "卷宗清单" in text and decision_number in text
    assert len(PdfReader(io.BytesIO(data)).pages) >= len(TITLES) + 2
    decision_doc = boss.locator("[data-test=document-decision] [data-test^=doc-save-]")
    with boss.expect_download() as dl:
        decision_doc.click()
    assert "行政处罚决定书" in pdf_text(Path(dl.value.path()).read_bytes())
    return case_id, decision_number, link
