"""The phone's paper (pwa/src/lib/paper.js) and the server's (backend/tickets/paper.py) fill
the same templates with the same fields into the same words: agency, remedies, payment,
what the party was told and said, and the §30–32 circumstances."""
from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from backend.tickets import paper, rules
from tests.conftest import ROOT

CASES = [
    ("remedies with the district government", "remedies", ["宁波市镇海区人民政府"]),
    ("remedies without a configured body", "remedies", [""]),
    ("a fine to pay at the bank", "payment_notice", ["fine", "bank", None, "中国工商银行宁波镇海支行"]),
    ("a fine taken in cash", "payment_notice", ["fine", "on_the_spot", "浙财 0012345", ""]),
    ("a warning has nothing to pay", "payment_notice", ["warning", "bank", None, "x"]),
    ("told and heard", "informed_notice", ["称临时摆放，已撤离"]),
    ("told, said nothing", "informed_notice", [""]),
    ("a minor with a reason", "circumstances_notice", [{"minor_age": 15, "reason": "监护人到场，当场改正"}]),
    ("§32 grounds and limited capacity", "circumstances_notice", [{"grounds": ["art32_1", "art31_limited"], "capacity": "limited"}]),
    ("a sole trader", "circumstances_notice", [{"individual_business": True}]),
    ("nothing to say", "circumstances_notice", [{}]),
    ("an overdue correction", "prior_order_notice", [{"ordered_on": "2026-11-10", "deadline": "2026-11-17", "reference": "蛟综执责改〔2026〕12号",
                                                      "precondition": "责令限期改正，逾期不改正"}]),
    ("a refusal to correct", "prior_order_notice", [{"ordered_on": "2026-11-20", "deadline": None, "reference": "",
                                                     "precondition": "责令改正，拒不改正"}]),
    ("no order", "prior_order_notice", [None]),
]
JS_NAMES = {"remedies": "remedies", "payment_notice": "paymentNotice", "informed_notice": "informedNotice",
            "circumstances_notice": "circumstancesNotice", "prior_order_notice": "priorOrderNotice"}


def test_the_remedies_name_the_body_and_say_reconsideration_comes_first():
    text = paper.remedies("宁波市镇海区人民政府")
    assert "六十日内向宁波市镇海区人民政府申请行政复议" in text and "应当先申请行政复议" in text and "十五日内" in text
    assert paper.prior_order_notice({"ordered_on": "2026-11-10", "deadline": "2026-11-17", "reference": "蛟综执责改〔2026〕12号",
                                     "precondition": "责令限期改正，逾期不改正"}) == (
        "执法人员已于2026年11月10日责令限期改正（期限至2026年11月17日），当事人逾期不改正（蛟综执责改〔2026〕12号）")
    assert "百分之三" in paper.payment_notice("fine", "bank", None, "某银行") and "15日内" in paper.payment_notice("fine", "bank", None, "某银行")


@pytest.mark.skipif(shutil.which("node") is None and os.environ.get("CI") != "true", reason="node comes with the PWA toolchain")
def test_the_phone_prints_the_same_words(tmp_path):
    spec = tmp_path / "paper.json"
    spec.write_text(json.dumps({"rules": rules.RULE_TABLE, "cases": [
        {"name": n, "fn": JS_NAMES[fn], "args": args} for n, fn, args in CASES]}, ensure_ascii=False))
    run = subprocess.run(["node", str(ROOT / "pwa" / "tests" / "paper_cases.mjs"), str(spec)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    phone = json.loads(run.stdout)
    for name, fn, args in CASES:
        assert phone[name] == getattr(paper, fn)(*args), name
