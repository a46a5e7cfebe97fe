"""The case desk: a general-procedure case from an inspection to the archive, and each
safeguard of §54–65 refusing the unlawful order of steps (on both engines)."""
from __future__ import annotations

import io
import json
import subprocess
from typing import Any

import hashlib
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from tests import images
from tests.api.test_evidence import NINGBO, cite_in_inspection, media_root, put  # noqa: F401 - media_root is a fixture
from tests.conftest import assert_error

MONDAY = "2026-11-02T09:30:00+08:00"  # a working week with no holiday in it
# HJ-003 fines 5,000–50,000 yuan; a company's hearing threshold is 50,000 yuan (a person's 5,000)
COMPANY = {"type": "organization", "name": "宁波某某餐饮有限公司", "id_number": "91330206MA2AAAAA0X", "address": "俞范东路8号"}


class Desk:
    """One case worked through the API: handlers zf001 + zf002, the squad leader zd001 approves,
    zf003 (no part in the investigation) does the legal review."""

    def __init__(self, app, client, auth, clock) -> None:
        self.app, self.client, self.clock, self.auth = app, client, clock, auth
        self.login()
        self.case: dict[str, Any] = {}

    def officer_id(self, username: str) -> int:
        from backend.auth.models import Officer
        from backend.extensions import db
        from sqlalchemy import select

        with self.app.app_context():
            return db.session.scalar(select(Officer.id).where(Officer.username == username))

    def open(self, **over: Any) -> dict[str, Any]:
        body = {"party": {"type": "citizen", "name": "王某某", "id_number": "330211198001011234", "address": "蛟川街道俞范东路8号",
                          "phone": "13800000000"},
                "matter_code": "HJ-003", "facts": "当事人经营的烧烤店未安装油烟净化设施，直接排放油烟。",
                "source": {"kind": "manual"}, "handler_ids": [self.officer_id("zf001"), self.officer_id("zf002")],
                "place_text": "俞范东路8号", "violated_at": "2026-11-01T19:00:00+08:00"}
        body.update(over)
        resp = self.client.post("/api/v1/cases", headers=self.handler.headers, json=body)
        assert resp.status_code == 201, resp.get_data(as_text=True)
        self.case = resp.get_json()
        return self.case

    def step(self, who, kind: str, **data: Any) -> dict[str, Any]:
        resp = self.client.post(f"/api/v1/cases/{self.case['id']}/steps", headers=who.headers, json={"kind": kind, **data})
        assert resp.status_code == 201, resp.get_data(as_text=True)
        out = resp.get_json()
        self.case = out["case"]
        return out["step"]

    def refused(self, who, kind: str, status: int, code: str, **data: Any) -> dict[str, Any]:
        before = self.client.get(f"/api/v1/cases/{self.case['id']}", headers=self.boss.headers).get_json()
        err = assert_error(self.client.post(f"/api/v1/cases/{self.case['id']}/steps", headers=who.headers, json={"kind": kind, **data}),
                           status, code)
        after = self.client.get(f"/api/v1/cases/{self.case['id']}", headers=self.boss.headers).get_json()
        assert after["desk"]["steps"] == before["desk"]["steps"] and after["stage"] == before["stage"]  # nothing changed
        return err

    def doc(self, kind: str) -> dict[str, Any]:
        return [d for d in self.case["desk"]["documents"] if d["kind"] == kind][-1]

    def login(self) -> None:
        self.handler = self.auth.login("zf001")
        self.boss = self.auth.login("zd001")
        self.reviewer = self.auth.login("zf003")

    def at(self, when: str) -> None:
        """Days pass: the clock moves on, and everyone signs in again (tokens last minutes)."""
        self.clock.set(when)
        self.login()

    # the usual path up to a served notice
    def filed(self) -> None:
        self.step(self.boss, "filing_approval", approve=True, opinion="同意立案", reason="涉嫌违法，符合立案条件")

    def investigated(self) -> None:
        self.step(self.handler, "questioning", started_at="2026-11-02T10:00:00+08:00", ended_at="2026-11-02T10:40:00+08:00",
                  place="蛟川街道综合行政执法队询问室", interviewee={"name": "王某某", "relation": "当事人"}, rights_told=True,
                  qa=[{"q": "你的店是否安装了油烟净化设施？", "a": "没有安装。"}], signed=True)

    def notified(self, amount_fen: int = 800_000) -> dict[str, Any]:
        notice = self.step(self.handler, "prior_notice", penalty_kind="fine", amount_fen=amount_fen, grounds="未安装油烟净化设施")
        self.step(self.handler, "service", document_id=notice["document"]["id"], method="direct", recipient="王某某", signed=True)
        return notice


@pytest.fixture
def desk(app, client, demo, auth, clock_control):
    clock_control.set(MONDAY)
    return Desk(app, client, auth, clock_control)


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def test_a_case_goes_from_filing_to_archive_with_every_document(app, client, desk, tmp_path):
    d = desk
    case = d.open(source={"kind": "manual"}, evidence=[{"source": "document", "label": "群众举报材料"}])
    assert case["stage"] == "proposed" and case["filing_due"] == "2026-11-11"  # 7 working days from discovery (§54)
    d.filed()
    assert d.case["stage"] == "filed" and d.case["number"].endswith("综执立字〔2026〕第0001号")
    assert d.case["decision_due"] == "2027-02-01"  # 90 days (§60): 31 January is a Sunday
    d.investigated()
    assert d.case["stage"] == "investigating"
    d.notified(800_000)
    desk_view = d.case["desk"]
    assert d.case["stage"] == "notified" and desk_view["hearing_right"] is True  # 8,000 yuan ≥ the 5,000 threshold
    assert desk_view["notice_window_ends"] == "2026-11-09"  # 5 working days for a hearing request (§64)
    assert [s["kind"] for s in desk_view["next_steps"]][0] == "decision"
    assert desk_view["next_steps"][0]["blocked"]["code"] == "case.notice_window_open"
    d.at("2026-11-04T09:00:00+08:00")
    d.step(d.handler, "statement", said="家庭困难，请求从轻处罚", defended=True, adopted=False, reply="不予采纳")
    d.step(d.handler, "hearing_request", note="当事人书面申请听证")
    host = d.officer_id("zf004")
    d.step(d.handler, "hearing_notice", hearing_on="2026-11-12", hearing_time="09:30", place="执法队听证室", host_id=host,
           clerk_name="陈静")
    d.at("2026-11-12T11:00:00+08:00")
    d.step(d.handler, "hearing", attendees=[{"name": "王某某", "role": "当事人"}], investigator_statement="事实清楚，证据充分",
           party_statement="请求从轻", signed=True)
    d.step(d.reviewer, "legal_review", opinion="agree", text="事实清楚，证据确凿，程序合法，适用依据正确，裁量适当")
    assert d.case["stage"] == "reviewed"
    d.step(d.boss, "discussion", host="钱建国", attendees=[{"name": "钱建国"}, {"name": "王磊"}, {"name": "陈静"}],
           views=[{"name": "王磊", "view": "同意"}], conclusion="同意罚款八千元")
    d.step(d.boss, "decision", penalty_kind="fine", amount_fen=800_000, statement_summary="当事人的陈述申辩经复核不予采纳。",
           hearing_summary="2026年11月12日举行听证。")
    assert d.case["stage"] == "decided" and d.case["service_due"] == "2026-11-23"  # 7 working days (§61)
    decision = d.doc("decision")
    d.step(d.handler, "eservice_consent", address="13800000000", channel="sms", note="当事人签署送达地址确认书")
    served = d.step(d.handler, "service", document_id=decision["id"], method="electronic", recipient="王某某")
    link = served["service_link"]
    assert d.case["stage"] == "decided" and d.case["desk"]["served_on"] is None  # served when the party opens it
    d.at("2026-11-13T20:00:00+08:00")
    page = client.get(link.replace("http://localhost", ""))
    assert page.status_code == 200 and "行政处罚决定书" in page.get_data(as_text=True)
    pdf = client.get(link.replace("http://localhost", "") + "/document.pdf")
    assert pdf.status_code == 200 and "行政处罚决定书" in pdf_text(pdf.data)
    case = client.get(f"/api/v1/cases/{d.case['id']}", headers=d.boss.headers).get_json()
    assert case["stage"] == "executing" and case["desk"]["served_on"] == "2026-11-13"
    assert case["payment_due"] == "2026-11-30"  # 15 days from receipt (§67); the 28th is a Saturday
    d.case = case
    csv_body = ("交易日期,金额,付款人,附言,流水号\n"
                f"2026-11-20,8000.00,王某某,缴纳罚款 {decision['number']},BK20261120001\n"
                "2026-11-20,50.00,李某,无关转账,BK20261120002\n").encode("gb18030")
    imported = client.post("/api/v1/payments/bank-import", headers=d.handler.headers, data=csv_body,
                           content_type="text/csv").get_json()
    assert [m["case_id"] for m in imported["matched"]] == [d.case["id"]] and len(imported["unmatched"]) == 1
    again = client.post("/api/v1/payments/bank-import", headers=d.handler.headers, data=csv_body, content_type="text/csv").get_json()
    assert again["matched"] == [] and len(again["duplicates"]) == 1  # the same serial is not paid twice
    d.at("2026-11-23T09:00:00+08:00")
    d.step(d.boss, "closure", reason="paid", summary="当事人已于2026年11月20日缴清罚款")
    assert d.case["stage"] == "closed"
    d.step(d.boss, "archive", location="2026-执法-0001")
    assert d.case["desk"]["archived_at"]
    d.refused(d.handler, "evidence", 409, "case.archived", source="other", label="补充")
    assert_error(client.post(f"/api/v1/cases/{d.case['id']}/payments", headers=d.boss.headers,
                             json={"amount_fen": 100, "channel": "bank", "paid_on": "2026-11-23"}), 409, "case.archived")

    kinds = {doc["kind"] for doc in d.case["desk"]["documents"]}
    assert kinds >= {"filing_approval", "questioning", "prior_notice", "hearing_notice", "hearing", "legal_review", "discussion",
                     "decision", "service_receipt", "closure_approval"}
    titles = {"filing_approval": "立案审批表", "questioning": "询问笔录", "prior_notice": "行政处罚事先告知书", "hearing_notice": "听证通知书",
              "hearing": "听证笔录", "legal_review": "法制审核意见书", "discussion": "集体讨论", "decision": "行政处罚决定书",
              "service_receipt": "送达回证", "closure_approval": "结案审批表"}
    for doc in d.case["desk"]["documents"]:
        resp = client.get(f"/api/v1/cases/{d.case['id']}/documents/{doc['id']}.pdf", headers=d.handler.headers)
        assert resp.status_code == 200 and titles[doc["kind"]] in pdf_text(resp.data), doc
        assert doc["number"] in pdf_text(resp.data)

    file = client.get(f"/api/v1/cases/{d.case['id']}/file.pdf", headers=d.boss.headers)
    assert file.status_code == 200
    text = pdf_text(file.data)
    assert "卷内目录" in text and "卷宗清单" in text and "群众举报材料" in text
    assert len(PdfReader(io.BytesIO(file.data)).pages) >= len(d.case["desk"]["documents"]) + 2
    manifest = client.get(f"/api/v1/cases/{d.case['id']}/file/manifest", headers=d.boss.headers).get_json()
    assert [i["seq"] for i in manifest["items"]] == list(range(1, len(manifest["items"]) + 1))
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--manifest", str(path)])
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output
    # a manifest whose hash was changed does not verify
    manifest["items"][1]["sha256"] = "0" * 64
    path.write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["audit", "verify", "--manifest", str(path)])
    assert result.exit_code == 1 and "differs from the audit trail" in result.output


def test_filing_out_of_empowerment_is_refused(desk):
    resp = desk.client.post("/api/v1/cases", headers=desk.handler.headers, json={
        "party": {"name": "某公司", "type": "organization"}, "matter_code": "GH-002", "facts": "未批先建", "source": {"kind": "manual"}})
    assert_error(resp, 422, "case.matter_not_empowered")


def test_filing_needs_two_certified_handlers_and_a_supervisor(desk):
    bad = desk.client.post("/api/v1/cases", headers=desk.handler.headers, json={
        "party": {"name": "王某"}, "matter_code": "HJ-003", "handler_ids": [desk.officer_id("zf001"), desk.officer_id("zf008")]})
    assert_error(bad, 422, "case.handlers_invalid")  # zf008's certificate lapsed
    desk.open()
    desk.refused(desk.handler, "filing_approval", 403, "case.needs_supervisor", approve=True, opinion="同意")


def test_filing_after_the_deadline_needs_the_reason(desk):
    desk.open(discovered_on="2026-10-20")  # 7 working days ran out on 2026-10-29
    desk.refused(desk.boss, "filing_approval", 422, "case.filing_late_reason_required", approve=True, opinion="同意")
    desk.step(desk.boss, "filing_approval", approve=True, opinion="同意", late_reason="当事人下落不明，核实身份用时较长")
    assert "filing" in desk.case["overdue"]


def test_no_decision_before_the_notice_window_ends(desk):
    desk.open()
    desk.filed()
    desk.investigated()
    desk.refused(desk.boss, "decision", 409, "case.step_out_of_order", penalty_kind="fine", amount_fen=600_000)  # no notice yet
    notice = desk.step(desk.handler, "prior_notice", penalty_kind="fine", amount_fen=600_000)
    desk.refused(desk.boss, "decision", 409, "case.notice_not_served", penalty_kind="fine", amount_fen=600_000)
    desk.step(desk.handler, "service", document_id=notice["document"]["id"], method="direct", signed=True)
    err = desk.refused(desk.boss, "decision", 409, "case.notice_window_open", penalty_kind="fine", amount_fen=600_000)
    assert err["details"]["window_ends"] == "2026-11-09"
    desk.at("2026-11-09T17:00:00+08:00")  # the last day of the window is still the party's
    desk.refused(desk.boss, "decision", 409, "case.notice_window_open", penalty_kind="fine", amount_fen=600_000)
    desk.at("2026-11-10T09:00:00+08:00")
    desk.refused(desk.boss, "decision", 409, "case.legal_review_required", penalty_kind="fine", amount_fen=600_000)


def test_a_party_who_waives_may_be_decided_at_once_below_the_thresholds(desk):
    desk.open(party=COMPANY)
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=600_000)  # just under the hearing threshold: no hearing, no discussion
    assert desk.case["desk"]["hearing_right"] is False
    desk.refused(desk.handler, "hearing_request", 422, "case.hearing_not_available")
    desk.step(desk.handler, "waiver", note="当事人书面表示放弃陈述申辩")
    desk.step(desk.boss, "decision", penalty_kind="fine", amount_fen=600_000)
    assert desk.case["stage"] == "decided"


def test_no_harsher_penalty_after_the_party_defended(desk):
    desk.open()
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=600_000)
    desk.step(desk.handler, "statement", said="不是我排放的", defended=True)
    desk.at("2026-11-10T09:00:00+08:00")
    desk.step(desk.reviewer, "legal_review", opinion="agree", text="同意")
    desk.step(desk.boss, "discussion", host="钱建国", attendees=[{"name": "甲"}, {"name": "乙"}, {"name": "丙"}], conclusion="同意")
    desk.refused(desk.boss, "decision", 422, "case.harsher_after_defence", penalty_kind="fine", amount_fen=900_000)
    desk.step(desk.boss, "decision", penalty_kind="fine", amount_fen=600_000)


def test_a_harsher_penalty_without_defence_needs_a_new_notice(desk):
    desk.open(party=COMPANY)
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=600_000)
    desk.at("2026-11-06T09:00:00+08:00")
    desk.refused(desk.boss, "decision", 422, "case.harsher_than_notice", penalty_kind="fine", amount_fen=700_000)
    desk.refused(desk.boss, "decision", 422, "case.amount_out_of_range", penalty_kind="fine", amount_fen=400_000)
    desk.step(desk.boss, "decision", penalty_kind="fine", amount_fen=550_000)  # lighter than the notice: lawful


def test_a_hearing_asked_for_in_time_is_noticed_seven_days_ahead_chaired_by_a_non_investigator_and_held_first(desk):
    desk.open()
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=800_000)
    desk.at("2026-11-03T15:00:00+08:00")
    desk.step(desk.handler, "hearing_request", on="2026-11-03")
    host = desk.officer_id("zf004")
    desk.refused(desk.handler, "hearing_notice", 422, "case.hearing_notice_short", hearing_on="2026-11-05", place="听证室",
                 host_id=host, clerk_name="陈静")
    desk.refused(desk.handler, "hearing_notice", 422, "case.hearing_host_is_investigator", hearing_on="2026-11-20", place="听证室",
                 host_id=desk.officer_id("zf001"), clerk_name="陈静")
    desk.step(desk.handler, "hearing_notice", hearing_on="2026-11-20", place="听证室", host_id=host, clerk_name="陈静")
    desk.at("2026-11-16T09:00:00+08:00")
    desk.refused(desk.boss, "decision", 409, "case.hearing_pending", penalty_kind="fine", amount_fen=800_000)


def test_a_hearing_request_after_five_working_days_is_late(desk):
    desk.open()
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=800_000)
    desk.at("2026-11-10T09:00:00+08:00")
    desk.refused(desk.handler, "hearing_request", 422, "case.hearing_request_late", on="2026-11-10")


def test_the_legal_reviewer_is_not_a_handler(desk):
    desk.open()
    desk.filed()
    desk.investigated()
    desk.notified()
    desk.refused(desk.handler, "legal_review", 403, "case.reviewer_is_handler", opinion="agree", text="同意")


def test_no_decision_after_ninety_days_without_an_extension(desk):
    desk.open(party=COMPANY)
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=600_000)
    desk.step(desk.handler, "waiver", note="放弃")
    desk.at("2027-02-02T09:00:00+08:00")  # the 90 days ended on 2027-02-01
    desk.refused(desk.boss, "decision", 409, "case.decision_overdue", penalty_kind="fine", amount_fen=600_000)
    desk.refused(desk.boss, "extension", 409, "case.extension_late", days=30, reason="案情复杂")


def test_an_extension_approved_in_time_moves_the_decision_period(desk):
    desk.open(party=COMPANY)
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=600_000)
    desk.step(desk.handler, "waiver", note="放弃")
    desk.at("2027-01-29T09:00:00+08:00")
    desk.refused(desk.handler, "extension", 403, "case.needs_supervisor", days=30, reason="案情复杂")
    desk.step(desk.boss, "extension", days=30, reason="案情复杂，需补充鉴定")
    assert desk.case["decision_due"] == "2027-03-03"
    desk.at("2027-02-10T09:00:00+08:00")
    desk.step(desk.boss, "decision", penalty_kind="fine", amount_fen=600_000)


def test_electronic_service_needs_the_partys_consent(desk):
    desk.open(party=COMPANY)
    desk.filed()
    desk.investigated()
    notice = desk.step(desk.handler, "prior_notice", penalty_kind="fine", amount_fen=600_000)
    desk.refused(desk.handler, "service", 422, "case.eservice_without_consent", document_id=notice["document"]["id"], method="electronic")
    desk.refused(desk.handler, "service", 422, "case.service_refusal_needs_witness", document_id=notice["document"]["id"],
                 method="direct", signed=False, refused_note="当事人拒签")
    desk.step(desk.handler, "service", document_id=notice["document"]["id"], method="direct", signed=False, refused_note="当事人拒签",
              witness="社区网格员李某")


def test_closure_waits_for_execution_and_a_supervisor(desk, client):
    desk.open(party=COMPANY)
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=600_000)
    desk.step(desk.handler, "waiver", note="放弃")
    desk.step(desk.boss, "decision", penalty_kind="fine", amount_fen=600_000)
    decision = desk.doc("decision")
    desk.step(desk.handler, "service", document_id=decision["id"], method="post", tracking_number="EMS100200300")
    assert desk.case["stage"] == "executing"
    desk.refused(desk.boss, "closure", 409, "case.closure_premature", reason="paid", summary="已缴")
    desk.refused(desk.handler, "enforcement_application", 409, "case.enforcement_too_early", court="北仑区人民法院")
    paid = client.post(f"/api/v1/cases/{desk.case['id']}/payments", headers=desk.handler.headers,
                       json={"amount_fen": 600_000, "channel": "bank", "paid_on": "2026-11-02"})
    assert paid.status_code == 200 and paid.get_json()["stage"] == "executing"  # a general case closes by 结案审批
    desk.case = client.get(f"/api/v1/cases/{desk.case['id']}", headers=desk.boss.headers).get_json()
    desk.refused(desk.handler, "closure", 403, "case.needs_supervisor", reason="paid", summary="已缴")
    desk.step(desk.boss, "closure", reason="paid", summary="已缴清")
    assert desk.case["stage"] == "closed"


def test_a_step_payload_is_strict_and_names_the_field(desk):
    desk.open()
    resp = desk.client.post(f"/api/v1/cases/{desk.case['id']}/steps", headers=desk.boss.headers,
                            json={"kind": "filing_approval", "approve": "maybe", "opinion": "同意", "extra": 1})
    err = assert_error(resp, 422, "validation_error")
    assert set(err["details"]["fields"]) == {"approve", "extra"}
    assert_error(desk.client.post(f"/api/v1/cases/{desk.case['id']}/steps", headers=desk.boss.headers, json={"kind": "teleport"}),
                 422, "validation_error")


def test_another_streets_supervisor_cannot_take_a_step(desk, auth):
    desk.open()
    other = auth.login("zd101")
    assert_error(desk.client.post(f"/api/v1/cases/{desk.case['id']}/steps", headers=other.headers,
                                  json={"kind": "filing_approval", "approve": True, "opinion": "同意"}), 403, "auth.other_jurisdiction")


def test_an_administrator_adjusts_a_template_and_the_next_document_uses_it(desk, auth, client):
    admin = auth.login("admin")
    body = client.get("/api/v1/document-templates", headers=desk.boss.headers).get_json()["items"]
    filing = next(t for t in body if t["kind"] == "filing_approval")
    assert filing["version"] == 0
    new = dict(filing["body"])
    new["blocks"] = [*new["blocks"], {"type": "paragraph", "text": "本表一式两份（浙江省样式）。"}]
    assert_error(client.put("/api/v1/document-templates/filing_approval", headers=desk.boss.headers, json={"body": new}), 403)
    bad = dict(new, blocks=[{"type": "paragraph", "text": "{{ broken"}])
    assert_error(client.put("/api/v1/document-templates/filing_approval", headers=admin.headers, json={"body": bad}), 422, "template.invalid")
    saved = client.put("/api/v1/document-templates/filing_approval", headers=admin.headers, json={"body": new}).get_json()
    assert saved["version"] == 1
    desk.open()
    desk.filed()
    doc = desk.doc("filing_approval")
    assert doc["template_version"] == 1
    pdf = client.get(f"/api/v1/cases/{desk.case['id']}/documents/{doc['id']}.pdf", headers=desk.handler.headers)
    assert "本表一式两份（浙江省样式）" in pdf_text(pdf.data)


@pytest.mark.usefixtures("media_root")
def test_a_case_opened_from_an_inspection_carries_its_photos_into_the_case_file(app, desk, client):
    photo = images.jpeg(lat=NINGBO[0], lon=NINGBO[1], taken="2026:11:01 19:00:00")
    assert put(client, desk.handler.headers, photo).status_code == 201
    digest = hashlib.sha256(photo).hexdigest()
    iid = cite_in_inspection(app, digest, at=datetime(2026, 11, 1, 11, 0, tzinfo=timezone.utc))
    case = desk.open(source={"kind": "inspection", "ref": iid}, violated_at=None)
    evidence = [s["data"] for s in case["desk"]["steps"] if s["kind"] == "evidence"]
    assert [e["source"] for e in evidence] == ["inspection", "photo"] and evidence[1]["sha256"] == digest
    assert case["desk"]["violated_at"].startswith("2026-11-01")  # the inspection's time
    where = case["desk"]["inspection"]  # the desk draws the place (and the patrol, when there was one)
    assert abs(where["lat"] - NINGBO[0]) < 1e-6 and abs(where["lon"] - NINGBO[1]) < 1e-6 and where["photos"] == [digest]
    desk.filed()
    file = client.get(f"/api/v1/cases/{desk.case['id']}/file.pdf", headers=desk.boss.headers)
    reader = PdfReader(io.BytesIO(file.data))
    assert any("/XObject" in (page.get("/Resources") or {}) for page in reader.pages)  # the photo is in the file
    assert digest in pdf_text(file.data).replace("\n", "")
    unknown = desk.client.post("/api/v1/cases", headers=desk.handler.headers, json={
        "party": {"name": "王某"}, "matter_code": "HJ-003", "source": {"kind": "inspection", "ref": "0" * 36}})
    assert_error(unknown, 422, "case.unknown_inspection")


@pytest.mark.usefixtures("media_root")
def test_a_clip_and_a_voice_note_are_named_as_such_in_the_case_file(app, desk, client, tmp_path):
    """Records cite clips and voice notes in their `photos` arrays; the case file names each
    for what it is, prints its length and its still, and keeps the original by its hash."""
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.patrols import service as patrols
    from tests import av_files

    clip, voice = av_files.mp4(tmp_path / "c.mp4", seconds=3), av_files.m4a(tmp_path / "v.m4a", seconds=3)
    for data, kind in ((clip, "video/mp4"), (voice, "audio/mp4")):
        assert put(client, desk.handler.headers, data, content_type=kind).status_code == 201
    digests = [hashlib.sha256(d).hexdigest() for d in (clip, voice)]
    at = datetime(2026, 11, 1, 11, 0, tzinfo=timezone.utc)  # before the desk's clock (a Monday)
    iid = "5d0c8a6e-0000-4000-8000-00000000c11b"
    with app.app_context():
        officer = db.session.query(Officer).filter_by(username="zf001").one()
        patrols.record_inspection(inspection_id=iid, officer=officer, device_id="dev-clip", captured_at=at, inspected_at=at,
                                  lat=NINGBO[0], lon=NINGBO[1], accuracy_m=5, subject_name="某某烧烤店", result="violation",
                                  follow_up="ticket", photos=digests)
    desk.open(source={"kind": "inspection", "ref": iid}, violated_at=None)
    items = client.get(f"/api/v1/cases/{desk.case['id']}/file/manifest", headers=desk.boss.headers).get_json()["items"]
    named = {i["sha256"]: (i["source"], i["title"]) for i in items if i["kind"] == "evidence" and i["sha256"]}
    assert named == {digests[0]: ("video", "检查视频"), digests[1]: ("audio", "检查录音")}
    text = pdf_text(client.get(f"/api/v1/cases/{desk.case['id']}/file.pdf", headers=desk.boss.headers).data).replace("\n", "")
    assert "类别：视频" in text and "类别：录音" in text and "视频截取画面" in text and "录音波形图" in text
    assert "时长 0 分 3 秒" in text


def test_my_cases_are_the_ones_i_handle_with_their_deadline_lights(desk, client):
    desk.open()
    mine = client.get("/api/v1/cases?procedure=general&mine=true", headers=desk.handler.headers).get_json()["items"]
    assert [c["id"] for c in mine] == [desk.case["id"]] and mine[0]["handler_ids"] == desk.case["handler_ids"]
    assert client.get("/api/v1/cases?procedure=general&mine=true", headers=desk.reviewer.headers).get_json()["items"] == []
    desk.at("2026-11-09T09:00:00+08:00")  # filing is due on the 11th: yellow
    listed = client.get("/api/v1/cases?procedure=general&mine=true", headers=desk.handler.headers).get_json()["items"]
    assert listed[0]["warnings"] == [{"deadline": "filing", "due": "2026-11-11", "level": "yellow", "days_left": 2}]
    desk.at("2026-11-12T09:00:00+08:00")
    listed = client.get("/api/v1/cases?procedure=general", headers=desk.boss.headers).get_json()["items"]
    assert listed[0]["warnings"][0]["level"] == "red" and "filing" in listed[0]["overdue"]


def test_a_decision_not_possible_on_the_spot_becomes_a_case_with_one_record_from_the_phone(desk, client):
    from tests.api.test_sync import push, rec

    proposal = {"party": {"type": "organization", "name": "宁波某某餐饮有限公司", "id_number": "91330206MA2AAAAA0X"},
                "matter_code": "HJ-003", "facts": "未安装油烟净化设施，油烟直排", "place_text": "俞范东路8号",
                "violated_at": "2026-11-02T08:30:00+08:00", "officers": ["zf001", "zf002"], "reason": "该事项不适用简易程序"}
    record = rec("case_proposal", proposal, at=datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc))
    first = push(client, desk.handler, [record])[0]
    assert first["status"] == "created"
    again = push(client, desk.handler, [record])[0]  # the phone retries: the same case, not a second one
    assert again["ref"] == first["ref"]
    case = client.get(f"/api/v1/cases/{first['ref']}", headers=desk.boss.headers).get_json()
    assert case["stage"] == "proposed" and case["desk"]["source"]["kind"] == "ticket"
    assert case["handler_ids"] == [desk.officer_id("zf001"), desk.officer_id("zf002")]
    bad = push(client, desk.handler, [rec("case_proposal", {**proposal, "officers": ["zf002", "zf003"]})])[0]
    assert bad["status"] == "rejected" and bad["code"] == "case.handlers_invalid"  # the sender is one of the two

    desk.case = case
    desk.filed()
    field = {"kind": "questioning", "started_at": "2026-11-02T10:00:00+08:00", "ended_at": "2026-11-02T10:20:00+08:00",
             "place": "店内", "interviewee": {"name": "李某", "relation": "店长"}, "rights_told": True,
             "qa": [{"q": "油烟净化设施在哪里？", "a": "没有装。"}], "signed": True}
    sent = push(client, desk.handler, [rec("case_step", {"case_id": case["id"], "step": field})])[0]
    assert sent["status"] == "created", sent
    case = client.get(f"/api/v1/cases/{case['id']}", headers=desk.boss.headers).get_json()
    assert case["stage"] == "investigating" and case["desk"]["steps"][-1]["document"]["title"] == "询问笔录"
    late = push(client, desk.handler, [rec("case_step", {"case_id": case["id"], "step": {"kind": "decision", "penalty_kind": "fine",
                                                                                          "amount_fen": 600_000}})])[0]
    assert late["status"] == "rejected" and late["code"] == "sync.bad_payload"  # only field steps travel by sync


def test_a_decision_is_published_masked_and_withdrawn_with_its_reason(desk, client):
    desk.open(matter_code="HJ-004", facts="渣土车未密闭运输")  # a citizen (masked on the public page); 2,000–20,000 yuan
    desk.filed()
    desk.investigated()
    desk.notified(amount_fen=300_000)
    desk.refused(desk.boss, "publication", 409, "case.step_out_of_order", publish=True)
    desk.step(desk.handler, "waiver", note="放弃")
    desk.step(desk.boss, "decision", penalty_kind="fine", amount_fen=300_000)
    desk.refused(desk.boss, "publication", 409, "case.not_published", publish=False, reason="x")
    desk.refused(desk.handler, "publication", 403, "case.needs_supervisor", publish=True)
    desk.step(desk.boss, "publication", publish=True)
    number = desk.doc("decision")["number"]
    public = client.get("/public/decisions", headers={"Accept": "application/json"}).get_json()
    item = next(i for i in public["items"] if i["number"] == number)
    assert item["party"] == "王**" and item["amount_fen"] == 300_000 and item["agency_name"]
    assert "330211198001011234" not in json.dumps(public, ensure_ascii=False)
    desk.refused(desk.boss, "publication", 422, "case.withdraw_reason_required", publish=False)
    desk.step(desk.boss, "publication", publish=False, reason="决定已被复议机关变更")
    public = client.get("/public/decisions", headers={"Accept": "application/json"}).get_json()
    assert number not in [i["number"] for i in public["items"]]
    gone = next(i for i in public["withdrawn"] if i["number"] == number)
    assert gone["reason"] == "决定已被复议机关变更" and "party" not in gone


def test_the_demo_desk_has_a_case_at_every_stage_made_through_the_real_steps(app, demo, client, auth):
    from backend import clock
    from backend.demo.cases import seed_demo_cases

    before = clock.offset()
    with app.app_context():
        assert seed_demo_cases() == 5
        assert seed_demo_cases() == 0  # idempotent
    assert clock.offset() == before  # the clock it moved back to work the cases is put back
    boss = auth.login("zd001")
    cases = client.get("/api/v1/cases?procedure=general", headers=boss.headers).get_json()["items"]
    assert {c["stage"] for c in cases} == {"proposed", "investigating", "notified", "executing", "closed"}
    archived = client.get(f"/api/v1/cases/{next(c['id'] for c in cases if c['stage'] == 'closed')}", headers=boss.headers).get_json()
    assert archived["desk"]["archived_at"] and archived["paid_fen"] == archived["amount_fen"] == 1_000_000
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    # the console's figures come from the desk's real dates
    today = clock.local_today()
    period = f"from={(today - timedelta(days=60)).isoformat()}&to={today.isoformat()}"
    stats = client.get(f"/api/v1/supervision/stats?{period}", headers=boss.headers).get_json()
    assert stats["general_cases"] == 5 and stats["cases_closed"] == 1 and stats["on_time_closure_rate"] == 1.0


def test_the_amount_follows_the_discretion_tier_it_names(desk, app):
    from backend.catalog import service as catalog

    with app.app_context():
        tiers = [t for t in catalog.matter_by_code("HJ-003").tiers if t.party_type == "organization"]
    low, high = tiers[0], tiers[-1]
    desk.open(party=COMPANY)
    desk.filed()
    desk.investigated()
    desk.refused(desk.handler, "prior_notice", 422, "case.amount_outside_tier", penalty_kind="fine", amount_fen=low.min_fen,
                 tier=high.level)
    desk.refused(desk.handler, "prior_notice", 422, "case.unknown_tier", penalty_kind="fine", amount_fen=low.min_fen, tier=9)
    desk.step(desk.handler, "prior_notice", penalty_kind="fine", amount_fen=low.min_fen, tier=low.level)


@pytest.mark.parametrize("stage", ["proposed", "notified"])
def test_every_step_kind_with_a_wrong_or_empty_payload_is_refused_never_a_500(desk, stage):
    from backend.cases.step_schemas import STEP_SCHEMAS

    desk.open()
    if stage == "notified":
        desk.filed()
        desk.investigated()
        desk.notified()
    junk = {"document_id": 10**12, "amount_fen": -1, "on": "2026-13-40", "hearing_on": "x", "host_id": "1", "days": 10**9,
            "attendees": "all", "qa": [{}], "interviewee": [], "approve": "yes", "penalty_kind": "death", "tier": 10**6}
    for kind, schema in STEP_SCHEMAS.items():
        for body in ({"kind": kind}, {"kind": kind, **{k: v for k, v in junk.items() if k in schema().fields}}):
            resp = desk.client.post(f"/api/v1/cases/{desk.case['id']}/steps", headers=desk.boss.headers, json=body)
            assert resp.status_code < 500, (kind, body, resp.status_code, resp.get_data(as_text=True)[:300])
            if resp.status_code >= 400:
                assert resp.get_json()["message"]["zh-CN"]
            else:  # a step whose fields are all optional (a hearing request) is lawful here
                assert resp.status_code == 201 and not any(v for k, v in body.items() if k != "kind"), (kind, body)


def test_an_inspection_and_its_case_proposal_travel_in_one_batch_from_the_phone(desk, client):
    import uuid

    from tests.api.test_sync import inspection, points, push, rec

    iid, pid = str(uuid.uuid4()), str(uuid.uuid4())
    at = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
    proposal = {"party": {"name": "某某烧烤店"}, "matter_code": "HJ-003", "facts": "未安装油烟净化设施", "officers": ["zf001", "zf002"],
                "inspection_id": iid, "reason": "该事项不适用简易程序"}
    results = push(client, desk.handler, [
        rec("patrol_start", {"officers": ["zf001", "zf002"], "started_at": (at - timedelta(minutes=20)).isoformat()}, rid=pid, at=at),
        rec("track_points", {"patrol_id": pid, "points": points(60, t=at - timedelta(minutes=15))}, at=at),
        rec("inspection", inspection(matter_code="HJ-003", result="violation", follow_up="case", inspected_at=at.isoformat(), patrol_id=pid),
            rid=iid, at=at),
        rec("case_proposal", proposal, at=at),
    ])
    assert [r["status"] for r in results] == ["created"] * 4, results
    case = client.get(f"/api/v1/cases/{results[3]['ref']}", headers=desk.boss.headers).get_json()
    assert case["inspection_id"] == iid and case["desk"]["source"] == {"kind": "inspection", "ref": iid}
    # the patrol it was found on is evidence too: its track, for the case's readers (zf003 was not on it)
    track = case["desk"]["inspection"]["patrol_track"]
    assert len(track) == 1 and 2 <= len(track[0]) <= 60 and abs(track[0][0]["lat"] - 29.97) < 1e-4
    other = client.get(f"/api/v1/cases/{results[3]['ref']}", headers=desk.reviewer.headers).get_json()
    assert other["desk"]["inspection"]["patrol_track"] == track
    # an inspection refused in the batch takes its proposal with it
    bad = str(uuid.uuid4())
    results = push(client, desk.handler, [
        rec("inspection", inspection(matter_code="XX-999", result="violation", inspected_at=at.isoformat()), rid=bad, at=at),
        rec("case_proposal", {**proposal, "inspection_id": bad}, at=at),
    ])
    assert results[0]["status"] == "rejected" and results[1]["code"] == "sync.dependency_rejected", results
