"""General-procedure case documents: templates are data, rendered in a sandbox to a PDF
whose Chinese text `pdftotext` can read back."""
from __future__ import annotations

import copy
import io
import re
import subprocess
from datetime import date, datetime, timezone
from typing import Any

import pytest
from jinja2.exceptions import SecurityError
from PIL import Image
from pypdf import PdfReader

from backend.cases.documents import KINDS, default_templates, render_pdf, validate_template, yuan
from backend.cases.documents.render import _ENV

NUMBER = "北山街道综执罚告字〔2026〕第0003号"
TITLES = {
    "filing_approval": "立案审批表", "questioning": "询问笔录", "site_inspection": "现场检查（勘验）笔录",
    "correction_order": "责令（限期）改正通知书", "prior_notice": "行政处罚事先告知书", "hearing_notice": "听证通知书",
    "hearing": "听证笔录", "legal_review": "法制审核意见书", "discussion": "重大案件集体讨论记录",
    "decision": "行政处罚决定书", "service_receipt": "送达回证", "closure_approval": "结案审批表",
}
AT = datetime(2026, 11, 20, 6, 5, tzinfo=timezone.utc)  # 14:05 in Shanghai
STEPS: dict[str, dict[str, Any]] = {
    "filing_approval": {"reason": "涉嫌占道经营，事实初步清楚，属本机关管辖", "requested_by": "王明", "requested_on": date(2026, 11, 21),
                        "approver_name": "陈主任", "approved_on": date(2026, 11, 23), "opinion": "同意立案",
                        "late_reason": "系统故障延误一日"},
    "questioning": {"started_at": AT, "ended_at": datetime(2026, 11, 20, 6, 40, tzinfo=timezone.utc), "place": "北山街道综合行政执法队询问室",
                    "questioners": ["王明", "赵亮"], "recorder": "赵亮",
                    "interviewee": {"name": "张三", "id_number": "330106198001011234", "relation": "当事人", "phone": "13800000000"},
                    "rights_told": True, "qa": [{"q": "你在该处摆摊多久了？", "a": "大约两个星期，每天傍晚摆摊卖水果"}],
                    "signature_text": "已签名"},
    "site_inspection": {"at": AT, "place": "北山路12号门前人行道", "inspectors": ["王明", "赵亮"], "present": ["张三"],
                        "findings": "现场人行道上摆放水果摊位一处，占用面积约六平方米", "signature_text": "已签名"},
    "correction_order": {"violation": "在北山路12号门前人行道上摆摊经营", "order": "立即撤除摊位，恢复人行道通行",
                         "deadline": date(2026, 11, 25), "legal_basis": "《城市市容和环境卫生管理条例》第三十六条"},
    "prior_notice": {"proposed_penalty_text": "警告，并处罚款人民币500.00元", "amount_fen": 50000, "grounds": "当事人经责令改正后再次违法。",
                     "statement_deadline": date(2026, 12, 3), "hearing_right": True, "hearing_deadline": date(2026, 12, 7)},
    "hearing_notice": {"hearing_at": datetime(2026, 12, 10, 1, 30, tzinfo=timezone.utc), "place": "北山街道办事处三楼听证室",
                       "host": "刘法制", "clerk": "孙记录", "public": True},
    "hearing": {"held_at": datetime(2026, 12, 10, 1, 30, tzinfo=timezone.utc), "place": "北山街道办事处三楼听证室",
                "host": "刘法制", "clerk": "孙记录", "attendees": [{"name": "张三", "role": "当事人"}, {"name": "王明", "role": "调查人员"}],
                "investigator_statement": "当事人多次占道经营，证据确凿", "party_statement": "家庭困难，请求从轻处罚",
                "cross_examination": "当事人对现场照片无异议", "final_statement": "愿意改正", "signature_text": "已签名"},
    "legal_review": {"reviewer_name": "刘法制", "reviewed_on": date(2026, 12, 11), "opinion_zh": "同意",
                     "text": "事实清楚，证据确实充分，程序合法，裁量适当",
                     "items_checked": ["主体是否合法", "事实是否清楚", "证据是否充分", "程序是否合法", "适用依据是否准确", "裁量是否适当"]},
    "discussion": {"held_on": date(2026, 12, 12), "place": "第一会议室", "host": "陈主任", "recorder": "孙记录",
                   "attendees": [{"name": "陈主任", "title": "主任"}, {"name": "周副主任", "title": "副主任"}],
                   "views": [{"name": "周副主任", "view": "同意按拟处罚意见作出决定"}], "conclusion": "同意给予警告并处罚款五百元"},
    "decision": {"penalty_text": "警告，并处罚款人民币500.00元", "amount_fen": 50000,
                 "statement_summary": "当事人提出家庭困难的陈述，经复核，不予采纳。", "hearing_summary": "本案于2026年12月10日举行听证。"},
    "service_receipt": {"document_title": "行政处罚决定书", "document_number": "北山街道综执罚决字〔2026〕第0003号",
                        "method_zh": "邮寄送达", "served_at": AT, "address": "北山路12号", "recipient": "张三",
                        "signature_text": "已签收", "witness": "", "tracking_number": "EMS1234567890", "note": ""},
    "closure_approval": {"summary": "当事人已全额缴纳罚款", "amount_fen": 50000, "paid_fen": 50000, "surcharge_fen": 0,
                         "close_reason_zh": "执行完毕", "requested_by": "王明", "approver_name": "陈主任", "approved_on": date(2026, 12, 30),
                         "opinion": "同意结案"},
}
# a value from each document's own step that must reach the page
PROOF = {"filing_approval": "系统故障延误一日", "questioning": "每天傍晚摆摊卖水果", "site_inspection": "占用面积约六平方米",
         "correction_order": "恢复人行道通行", "prior_notice": "500.00元", "hearing_notice": "刘法制",
         "hearing": "家庭困难，请求从轻处罚", "legal_review": "适用依据是否准确", "discussion": "同意按拟处罚意见作出决定",
         "decision": "经复核，不予采纳", "service_receipt": "EMS1234567890", "closure_approval": "执行完毕"}


def context(kind: str, **case: Any) -> dict[str, Any]:
    return {
        "number": NUMBER, "issued_on": date(2026, 11, 30),
        "agency": {"authority_name": "杭州市西湖区北山街道办事处", "team_name": "北山街道综合行政执法队",
                   "reconsideration_body": "杭州市西湖区人民政府", "court": "杭州市西湖区人民法院",
                   "payment_channel": "浙江省统一公共支付平台"},
        "case": {"number": "北山街道综执立字〔2026〕第0003号", "party_name": "张三", "party_type_zh": "公民",
                 "party_id_label": "公民身份号码", "party_id_number": "330106198001011234", "party_address": "杭州市西湖区北山路12号",
                 "party_phone": "13800000000", "party_representative": None, "matter_name": "擅自占道经营",
                 "legal_basis": "《城市市容和环境卫生管理条例》第十四条", "penalty_basis": "《城市市容和环境卫生管理条例》第三十六条第一项",
                 "facts": "当事人于2026年11月20日在北山路12号门前人行道上摆摊销售水果。", "place_text": "北山路12号门前",
                 "violated_at": AT, "discovered_on": date(2026, 11, 20), "filed_on": date(2026, 11, 23), "source_zh": "巡查发现",
                 "evidence": [{"label": "现场照片", "sha256": "ab" * 32, "kind_zh": "视听资料"},
                              {"label": "询问笔录", "sha256": "cd" * 32, "kind_zh": "当事人陈述"}], **case},
        "handlers": [{"name": "王明", "certificate": "33010020001"}, {"name": "赵亮", "certificate": "33010020002"}],
        "step": copy.deepcopy(STEPS[kind]),
    }


def pdf_text(pdf: bytes) -> str:
    out = subprocess.run(["/usr/bin/pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def flat(text: str) -> str:
    """pdftotext breaks lines where the PDF wraps them; compare without whitespace."""
    return re.sub(r"\s+", "", text)


def png(mode: str = "RGBA") -> bytes:
    im = Image.new(mode, (64, 64), (200, 0, 0, 0))
    for x in range(8, 56):
        for y in range(8, 56):
            im.putpixel((x, y), (200, 0, 0, 255))
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def test_every_default_template_validates():
    templates = default_templates()
    assert sorted(templates) == sorted(KINDS) == sorted(TITLES)
    for kind, t in templates.items():
        assert t["kind"] == kind and t["title"] == TITLES[kind]
        assert validate_template(t) == [], kind


@pytest.mark.parametrize("kind", KINDS)
def test_every_document_renders_with_its_chinese_title(kind):
    pdf = render_pdf(default_templates()[kind], context(kind))
    assert pdf.startswith(b"%PDF")
    text = flat(pdf_text(pdf))
    assert TITLES[kind] in text and NUMBER in text and "杭州市西湖区北山街道办事处" in text
    assert PROOF[kind] in text
    # no raw keys, Python values or English enum values reach the paper
    assert not re.search(r"None|True|False|Undefined|step\.|case\.|_fen|\{\{|\{%", text), text


def test_documents_carry_the_wording_the_law_requires():
    prior = flat(pdf_text(render_pdf(default_templates()["prior_notice"], context("prior_notice"))))
    for words in ("第四十四条、第四十五条", "陈述和申辩", "2026年12月3日前", "五个工作日内", "第六十三条、第六十四条",
                  "视为放弃", "罚款人民币500.00元", "现场照片、询问笔录"):
        assert words in prior, words
    decision = flat(pdf_text(render_pdf(default_templates()["decision"], context("decision"))))
    for words in ("六十日内向杭州市西湖区人民政府申请行政复议", "六个月内依法向杭州市西湖区人民法院提起行政诉讼",
                  "第七十三条", "不停止执行", "百分之三", "十五日内", "浙江省统一公共支付平台", "2026年11月30日"):
        assert words in decision, words
    questioning = flat(pdf_text(render_pdf(default_templates()["questioning"], context("questioning"))))
    assert "2026年11月20日14时05分至2026年11月20日14时40分" in questioning  # Shanghai time, not UTC
    assert "问：你在该处摆摊多久了？" in questioning and "申请执法人员回避" in questioning


def test_a_row_with_when_is_shown_only_when_its_value_is_there():
    t = default_templates()["filing_approval"]
    assert "逾期立案说明" in flat(pdf_text(render_pdf(t, context("filing_approval"))))
    ctx = context("filing_approval")
    ctx["step"]["late_reason"] = ""
    assert "逾期立案说明" not in flat(pdf_text(render_pdf(t, ctx)))


def test_missing_values_render_empty_and_a_dash_in_an_empty_field():
    ctx = context("closure_approval", party_phone=None)
    ctx["step"] = {}
    del ctx["case"]["filed_on"]
    text = pdf_text(render_pdf(default_templates()["closure_approval"], ctx))
    assert re.search(r"罚款金额\s+—", text) and re.search(r"立案日期\s+—", text)
    assert "None" not in text and "元" not in text.replace("结案审批表", "")


def test_validate_reports_syntax_errors_unknown_blocks_kinds_and_a_missing_title():
    good = default_templates()["prior_notice"]
    bad = copy.deepcopy(good)
    bad["blocks"][0]["text"] = "{{ case.party_name "
    bad["blocks"].append({"type": "marquee", "text": "x"})
    bad["blocks"].append({"type": "paragraph", "text": "x", "when": "step.("})
    bad["blocks"].append({"type": "fields", "rows": [["只有标签"]]})
    problems = validate_template(bad)
    assert any("blocks[0].text" in p and "syntax" in p for p in problems)
    assert any("unknown block type 'marquee'" in p for p in problems)
    assert any(".when" in p for p in problems)
    assert any("rows[0]" in p for p in problems)
    assert validate_template({**good, "title": " ", "kind": "arrest_warrant"}) == [
        "kind: unknown kind 'arrest_warrant'", "title: missing"]
    assert validate_template({**good, "blocks": []}) == ["blocks: must be a non-empty list"]
    with pytest.raises(ValueError, match="marquee"):
        render_pdf(bad, context("prior_notice"))


@pytest.mark.parametrize("evil", [
    "{{ ''.__class__.__mro__ }}", "{{ cycler.__init__.__globals__ }}", "{{ lipsum.__globals__['os'] }}",
    "{{ case.__class__.__subclasses__() }}", "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{% for k in handlers.__class__.__base__.__subclasses__() %}{{ k }}{% endfor %}",
])
def test_a_template_cannot_reach_python_internals(evil):
    t = copy.deepcopy(default_templates()["prior_notice"])
    t["blocks"] = [{"type": "paragraph", "text": "开始" + evil + "结束"}]
    assert validate_template(t) == []
    try:
        text = pdf_text(render_pdf(t, context("prior_notice")))
    except SecurityError:
        return
    assert "开始结束" in flat(text)
    assert not re.search(r"class|object|module|function|builtins|globals|os\.", text)


def test_the_environment_is_an_immutable_sandbox():
    with pytest.raises(SecurityError):
        _ENV.from_string("{{ handlers.append(1) }}").render(handlers=[])
    assert _ENV.from_string("{{ ''.__class__ }}").render() == ""


def test_markup_in_values_renders_literally():
    ctx = context("decision", party_name="张三<b>&</b> <font size=40>大</font>")
    text = pdf_text(render_pdf(default_templates()["decision"], ctx))
    assert "张三<b>&</b> <font size=40>大</font>" in text


def test_the_cjk_font_is_embedded():
    pdf = render_pdf(default_templates()["decision"], context("decision"))
    assert b"/FontFile2" in pdf
    fonts = {f["/BaseFont"] for page in PdfReader(io.BytesIO(pdf)).pages for f in page["/Resources"]["/Font"].values()}
    assert any("WenQuanYi" in str(name) or "+" in str(name) for name in fonts)


def test_the_seal_is_drawn_only_when_given():
    t, ctx = default_templates()["decision"], context("decision")
    assert b"/Subtype /Image" not in render_pdf(t, ctx)
    sealed = render_pdf(t, ctx, seal_png=png())
    assert b"/Subtype /Image" in sealed and b"/SMask" in sealed  # the alpha is kept as a soft mask
    assert "2026年11月30日" in pdf_text(sealed)  # the date stays readable under the seal


def test_an_adjusted_template_renders_its_new_wording():
    t = copy.deepcopy(default_templates()["prior_notice"])
    t["title"] = "行政处罚告知书"
    t["blocks"][1]["text"] = "本局查明：{{ case.facts }}（浙江样式）"
    assert validate_template(t) == []
    text = flat(pdf_text(render_pdf(t, context("prior_notice"))))
    assert "行政处罚告知书" in text and "本局查明：当事人于2026年11月20日" in text and "（浙江样式）" in text
    assert "本机关认定你（单位）存在以下违法事实" not in text


def test_pages_are_numbered_and_metadata_names_the_document():
    ctx = context("questioning")
    ctx["step"]["qa"] = [{"q": f"第{i}个问题？", "a": "回答内容。" * 20} for i in range(40)]
    pdf = render_pdf(default_templates()["questioning"], ctx)
    reader = PdfReader(io.BytesIO(pdf))
    n = len(reader.pages)
    assert n >= 2
    text = flat(pdf_text(pdf))
    assert f"第1页共{n}页" in text and f"第{n}页共{n}页" in text
    assert reader.metadata.title == "询问笔录" and reader.metadata.subject == NUMBER
    assert render_pdf(default_templates()["questioning"], ctx) == pdf  # deterministic


def test_money_and_dates_in_chinese():
    assert yuan(50000) == "500.00" and yuan(5) == "0.05" and yuan(123456789) == "1234567.89"
    render = lambda src, **kw: _ENV.from_string(src).render(**kw)  # noqa: E731
    assert render("{{ v | yuan }}元", v=50000) == "500.00元"
    assert render("{{ v | money }}", v=None) == "" and render("{{ v | money }}", v=0) == "0.00元"
    assert render("{{ v | cn_date }}", v=date(2026, 11, 30)) == "2026年11月30日"
    assert render("{{ v | cn_date }}", v="2026-03-05") == "2026年3月5日"
    assert render("{{ v | cn_date }}", v=datetime(2026, 11, 30, 6, 5, tzinfo=timezone.utc)) == "2026年11月30日 14时05分"
    assert render("{{ v | cn_date }}", v=datetime(2026, 11, 30, 16, 30, tzinfo=timezone.utc)) == "2026年12月1日 0时30分"
    assert render("{{ v | cn_date(false) }}", v="2026-11-30T23:30:00+08:00") == "2026年11月30日"
    assert render("{{ missing | cn_date }}{{ missing.deeper | yuan }}") == ""
    assert render("{{ h | officers }}", h=[{"name": "王明", "certificate": "3301"}]) == "王明（执法证号：3301）"
    assert render("{{ p | names }}", p=["甲", {"name": "乙"}]) == "甲、乙"
