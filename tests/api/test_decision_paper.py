"""The printed decision (#16, §52; 行政复议法 §20, §23; 行政强制法 §45) read the way an office
tool reads it: `pdftotext` of the server's PDF, and the HTML, carry every element the law
requires — in the name of the 行政主体, with the reconsideration body and the payment channel."""
from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from backend import clock
from tests.api.test_one_door import numbers, ticket
from tests.api.test_sync import push, rec


@pytest.fixture
def decision(client, demo, auth):
    zf001 = auth.login("zf001")
    (number,) = numbers(client, zf001)
    payload = ticket(number, party={"type": "citizen", "name": "李四", "id_number": "11010519491231002X", "address": "蛟川街道某路 1 号"},
                     matter_code="SR-001", facts="超出店门在人行道摆放水果经营，占用道路约 6 平方米", penalty={"kind": "fine", "amount_fen": 15000},
                     place_text="蛟川街道某路与某街交叉口", statement={"informed": True, "said": "称临时摆放，已当场撤离"})
    assert push(client, zf001, [rec("ticket", payload, at=clock.now())])[0]["code"] == "ticket.cosign_pending"
    return zf001, number


# what §52 and the reconsideration and enforcement laws require on the paper, as printed
REQUIRED = {
    "the 行政主体 (§24), not the team": "宁波市镇海区人民政府蛟川街道办事处",
    "the number of the pre-formatted form": None,  # filled in below
    "the party": "李四",
    "the violation": "超出店门在人行道摆放水果经营",
    "the ignored order the basis presupposes (ZJ §17 ¶3)": "责令限期改正（期限至2024年6月8日），当事人逾期不改正（蛟综执责改〔2024〕7号）",
    "the time of the violation": "违法时间",
    "the place": "蛟川街道某路与某街交叉口",
    "the legal basis broken": "违反规定",
    "the basis of the penalty": "处罚依据",
    "the penalty and amount": "罚款 人民币 150.00 元",
    "the officers and their certificates, shown": "浙综执 33021100401",
    "the officers' signature lines": "执法人员签名",
    "told the facts, grounds and rights, and what the party said (§44–45)": "称临时摆放，已当场撤离",
    "the reconsideration body (§20 ¶3)": "向宁波市镇海区人民政府申请行政复议",
    "reconsideration comes first (§23)": "应当先申请行政复议",
    "60 days, then 15 days to sue": "十五日内",
    "where to pay": "中国工商银行宁波镇海支行",
    "within 15 days": "15日内",
    "the 3 % daily surcharge (行政强制法 §45)": "百分之三",
}


def _check(text: str, number: str) -> None:
    flat = "".join(text.split())  # line wrapping may split any phrase
    missing = [what for what, phrase in REQUIRED.items() if "".join((phrase or number).split()) not in flat]
    assert not missing, missing


@pytest.mark.skipif(shutil.which("pdftotext") is None and os.environ.get("CI") != "true",
                    reason="pdftotext comes with poppler-utils (make test installs it)")
def test_pdftotext_of_the_server_pdf_shows_every_element_the_law_requires(client, decision, tmp_path):
    zf001, number = decision
    pdf = client.get(f"/api/v1/tickets/{number}/print?format=pdf", headers=zf001.headers)
    assert pdf.status_code == 200
    path = tmp_path / "decision.pdf"
    path.write_bytes(pdf.get_data())
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True).stdout
    _check(text, number)
    assert "综合行政执法队" not in text  # the team is not the one who decides


def test_the_printed_html_shows_the_same_elements(client, decision):
    import re

    zf001, number = decision
    html = client.get(f"/api/v1/tickets/{number}/print?format=html", headers=zf001.headers).get_data(as_text=True)
    _check(re.sub(r"<[^>]+>", "", html), number)
