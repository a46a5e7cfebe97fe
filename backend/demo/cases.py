"""Demo general-procedure cases for the desk (`flask seed-demo`, not the tests' fixture):
worked through the real steps (`cases.general.take_step`, every safeguard checked) with the
product's clock moved back to the days they happened, so the desk opens on cases at every
stage — one waiting for approval, one under investigation, one in its notice window, one
executing, one closed and archived. Idempotent: nothing is added if the street has any."""
from __future__ import annotations

from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from .. import clock
from ..auth.models import Officer
from ..cases import general
from ..cases.models import Case
from ..catalog.models import Jurisdiction
from ..extensions import db

STREET = "330211004"


def _at(day: Any, hour: int = 10) -> None:
    clock.set_clock(datetime.combine(day, time(hour, 0), tzinfo=clock.LOCAL_TZ))


def seed_demo_cases() -> int:
    street = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == STREET))
    if street is None or db.session.scalar(select(Case.id).where(Case.jurisdiction_id == street.id, Case.procedure == "general").limit(1)):
        return 0
    people = {o.username: o for o in db.session.scalars(select(Officer).where(Officer.username.in_(
        ["zf001", "zf002", "zd001"])))}
    who = {u: SimpleNamespace(officer=o, officer_id=o.id, role=o.role, jurisdiction_id=o.jurisdiction_id, is_global_admin=False) for u, o in people.items()}
    h1, boss = who["zf001"], who["zd001"]
    handlers = [people["zf001"].id, people["zf002"].id]
    saved = clock.offset()
    today = clock.local_today()
    try:
        def case(party: dict[str, Any], matter: str, facts: str, discovered: Any) -> Case:
            _at(discovered, 9)
            c = general.open_case(h1, party=party, matter_code=matter, facts_text=facts, source_kind="manual", source_ref=None,
                                  discovered_on=discovered, handler_ids=handlers, major=False, place_text="蛟川街道俞范东路",
                                  violated_at=datetime.combine(discovered - timedelta(days=1), time(19, 0), tzinfo=clock.LOCAL_TZ),
                                  evidence=[{"source": "document", "label": "群众投诉材料"}])
            return c

        def step(c: Case, actor: Any, kind: str, **data: Any) -> Any:
            return general.take_step(c, actor, kind, data)

        def investigate(c: Case, day: Any) -> None:
            step(c, boss, "filing_approval", approve=True, opinion="同意立案", reason="涉嫌违法，符合立案条件")
            step(c, h1, "questioning", on=day, started_at=datetime.combine(day, time(10, 0), tzinfo=clock.LOCAL_TZ).isoformat(),
                 ended_at=datetime.combine(day, time(10, 30), tzinfo=clock.LOCAL_TZ).isoformat(), place="执法队询问室",
                 interviewee={"name": c.party_name, "relation": "当事人"}, rights_told=True,
                 qa=[{"q": "你是否知道油烟须经净化设施处理后排放？", "a": "知道，但设备坏了没修。"}], signed=True)

        def notify(c: Case, amount: int) -> None:
            notice = step(c, h1, "prior_notice", penalty_kind="fine", amount_fen=amount, grounds="经调查，违法事实清楚")
            step(c, h1, "service", document_id=notice.document.id, method="direct", recipient=c.party_name, signed=True)

        company = {"type": "organization", "name": "宁波市北仑区某某餐饮有限公司", "id_number": "91330206MA2AAAAA0X",
                   "address": "蛟川街道俞范东路8号", "phone": "057486000000", "representative": "陈某"}
        # 1. closed and archived: from discovery 40 days ago to payment and 结案
        d0 = today - timedelta(days=40)
        done = case(company, "HJ-003", "当事人经营的餐馆未安装油烟净化设施，油烟直排。", d0)
        investigate(done, d0)
        notify(done, 1_000_000)
        _at(d0 + timedelta(days=1), 16)
        step(done, h1, "waiver", note="当事人书面表示放弃陈述、申辩")
        step(done, boss, "decision", penalty_kind="fine", amount_fen=1_000_000, statement_summary="当事人放弃陈述、申辩。")
        step(done, h1, "service", document_id=done.documents[-1].id, method="direct", recipient="陈某", signed=True)
        _at(d0 + timedelta(days=10), 11)
        from ..cases import service as cases

        cases.record_payment(done, boss, amount_fen=1_000_000, channel="bank", paid_on=clock.local_today(), receipt="DEMO-BK-0001")
        _at(d0 + timedelta(days=14), 10)
        step(done, boss, "closure", reason="paid", summary="当事人已缴清罚款，本案执行完毕。")
        step(done, boss, "archive", location="2026-一般-0001")
        # 2. executing: decided and served 12 days ago, payment due soon
        d1 = today - timedelta(days=16)
        paying = case(dict(company, name="宁波某某烧烤店（个体工商户）", id_number="92330206MA2BBBBB1Y"), "HJ-003",
                      "当事人经营的烧烤店油烟超标排放。", d1)
        investigate(paying, d1)
        notify(paying, 800_000)
        _at(d1 + timedelta(days=1), 16)
        step(paying, h1, "waiver", note="当事人书面表示放弃陈述、申辩")
        step(paying, boss, "decision", penalty_kind="fine", amount_fen=800_000, statement_summary="当事人放弃陈述、申辩。")
        step(paying, h1, "service", document_id=paying.documents[-1].id, method="direct", recipient="店主", signed=True)
        # 3. notified today: the party's window is open
        _at(today, 9)
        waiting = case({"type": "citizen", "name": "王某某", "address": "蛟川街道新碶村"}, "HJ-004", "渣土运输车辆未密闭，沿途遗撒。", today)
        investigate(waiting, today)
        notify(waiting, 300_000)
        # 4. under investigation; 5. waiting for the squad leader's approval
        inv = case({"type": "citizen", "name": "李某某"}, "HJ-004", "运输车辆未采取密闭措施。", today)
        investigate(inv, today)
        case({"type": "organization", "name": "宁波某某建设工程有限公司"}, "HJ-005", "施工工地未采取有效扬尘防治措施。", today)
        db.session.commit()
    finally:
        clock.set_offset(saved)
    return 5
