"""The register's subjects named by a sync batch of inspections (`subjects.Resolver`) are the
ones record-by-record resolution (`subjects.resolve`) gives: the same records share a
subject, and each subject ends with the same fields, whatever the batch's order of new
names, credit codes found later, addresses filled in, picked subjects and refusals."""
from __future__ import annotations

import uuid

from backend.identity_numbers import uscc_check_char
from tests.api.test_sync import inspection, push, rec


def _code(n: int) -> str:
    first17 = f"91330206MA2AAA{n:03d}"
    return first17 + uscc_check_char(first17)


C1, C2, C3, C4 = (_code(n) for n in (101, 102, 103, 104))


def _sequence(picked: int) -> list[dict]:
    """Subjects as a day's inspections name them (comments: what resolving them in order gives)."""
    return [
        {"name": "甲店", "address": "一路1号"},                      # new S1
        {"name": "甲店", "address": "一路1号"},                      # S1
        {"name": " 甲店 ", "address": "一路1号 "},                   # S1: spaces do not count
        {"name": "乙公司", "address": "二路2号", "credit_code": C1},  # new S2, a company
        {"name": "乙公司分店", "address": "别处", "credit_code": C1},  # S2 by its code
        {"name": "丙摊", "address": ""},                             # new S3, no address yet
        {"name": "丙摊", "address": "", "credit_code": C2},           # S3 by name and address, which takes the code
        {"name": "丙摊新名", "address": "三路3号", "credit_code": C2},  # S3 by code, which takes the address
        {"name": "丙摊", "address": "三路3号"},                       # new S4: S3 (its address now) has a code, this one none
        {"name": "丙摊", "address": ""},                             # new S5: S3 has an address now
        {"name": "甲店", "address": "一路1号", "credit_code": C3},     # S1, which takes the code
        {"name": "甲店", "address": "一路1号", "credit_code": C4},     # new S6: S1 has another code
        {"name": "甲店", "address": "一路1号"},                      # new S7: both namesakes have codes
        {"id": picked, "name": "登记户", "address": "四路4号"},          # the picked one, which takes the address
        {"id": 2_000_000_000, "name": "无此户", "address": ""},          # refused: not in the register
        {"name": "登记户", "address": "四路4号"},                       # the picked one by its new address
    ]


def _register_one(app, client, phone, name: str) -> int:
    out = push(client, phone, [rec("inspection", inspection(subject={"name": name, "address": ""}))])[0]
    from backend.extensions import db
    from backend.patrols.models import Inspection

    with app.app_context():
        subject_id = db.session.get(Inspection, out["ref"]).subject_id
        db.session.remove()
    return subject_id


def _outcome(app, results: list[dict]) -> tuple[list, list]:
    """Which records share a subject (as first-seen order numbers) and each subject's fields."""
    from backend.extensions import db
    from backend.patrols.models import Inspection
    from backend.subjects.models import Subject

    with app.app_context():
        order: dict[int, int] = {}
        shares, fields = [], []
        for r in results:
            if r["status"] != "created":
                shares.append((r["status"], r.get("code")))
                continue
            sid = db.session.get(Inspection, r["ref"]).subject_id
            if sid not in order:
                order[sid] = len(order)
                s = db.session.get(Subject, sid)
                fields.append((s.name, s.address, s.credit_code, s.kind, s.initials, s.merged_into_id, s.lat is not None))
            shares.append(order[sid])
        db.session.remove()
    return shares, fields


def test_a_batch_names_the_same_subjects_as_one_record_at_a_time(app, client, demo, auth):
    """Street one takes the day in one request (the batch path); street two, with the same
    register to start from, one record per request; both end the same."""
    outcomes = []
    for username, one_by_one in (("zf001", False), ("zf101", True)):
        phone = auth.login(username, device_id=f"dev-{username}-subjects")
        picked = _register_one(app, client, phone, "登记户")
        records = [rec("inspection", inspection(subject=s, lat=29.97 + 0.0001 * k), rid=str(uuid.uuid4()))
                   for k, s in enumerate(_sequence(picked))]
        if one_by_one:
            results = [push(client, phone, [r])[0] for r in records]
        else:
            results = push(client, phone, records)
        outcomes.append(_outcome(app, results))
    assert outcomes[0] == outcomes[1]
    shares, fields = outcomes[0]
    assert shares == [0, 0, 0, 1, 1, 2, 2, 2, 3, 4, 0, 5, 6, 7, ("rejected", "subject.not_found"), 7]
    assert fields[2][:3] == ("丙摊", "三路3号", C2) and fields[0][2] == C3 and fields[1][3] == "company"
    assert fields[7][:2] == ("登记户", "四路4号")
