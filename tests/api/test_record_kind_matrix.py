"""Authorization matrix of the record kinds: every kind × role × own/other street × own/other
record, as `test_authorization_matrix.py` is for the REST routes. The table is the
specification: a kind registered without an entry fails, and so does an entry whose roles
differ from what the kind declares. Records go through POST /api/v1/sync with real tokens."""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

import pytest

from backend import clock
from backend.records import kinds
from tests.api.test_sync import inspection, iso, points, push, rec
from tests.api.test_tasks import dispatch

OFFICER, AUXILIARY, SUPERVISOR, ADMIN = "officer", "auxiliary", "supervisor", "admin"
FIELD = frozenset({OFFICER, AUXILIARY, SUPERVISOR})
WHO = {OFFICER: "zf001", AUXILIARY: "fz001", SUPERVISOR: "zd001", ADMIN: "admin"}
OK = {"created", "incomplete"}

# (client, auth, session, role, whose) -> the records to send; the last one is judged.
# whose: "own" (the sender's record, street), "colleague" (zf003's, same street), "other" (招宝山's)
Build = Callable[[Any, Any, Any, str, str], list[dict[str, Any]]]


@dataclass(frozen=True)
class KindSpec:
    roles: frozenset[str]
    build: Build
    colleague: str | None = None  # the code a colleague's record gets (None: not applicable)
    other: str | None = None  # the code another street's record gets


def _now():
    return clock.now().replace(microsecond=0)


def _patrol_of(client, auth, session, whose: str) -> str:
    """A patrol id: the sender's own (in the same batch), or one started by someone else."""
    pid = str(uuid.uuid4())
    if whose == "own":
        return pid
    owner = auth.login({"colleague": "zf003", "other": "zf101"}[whose])
    assert push(client, owner, [rec("patrol_start", {"officers": [owner.username], "started_at": iso(_now() - timedelta(minutes=5))},
                                    rid=pid, at=_now())])[0]["status"] == "created"
    return pid


def _start(session, pid):
    return rec("patrol_start", {"officers": [session.username], "started_at": iso(_now() - timedelta(minutes=5))}, rid=pid, at=_now())


def patrol_start(client, auth, session, role, whose):
    return [_start(session, str(uuid.uuid4()))]


def track_points(client, auth, session, role, whose):
    pid = _patrol_of(client, auth, session, whose)
    first = [_start(session, pid)] if whose == "own" else []
    return first + [rec("track_points", {"patrol_id": pid, "points": points(5, t=_now() - timedelta(minutes=4))}, at=_now())]


def patrol_end(client, auth, session, role, whose):
    pid = _patrol_of(client, auth, session, whose)
    first = [_start(session, pid)] if whose == "own" else []
    return first + [rec("patrol_end", {"patrol_id": pid, "ended_at": iso(_now())}, at=_now())]


def inspection_kind(client, auth, session, role, whose):
    return [rec("inspection", inspection(inspected_at=iso(_now())), at=_now())]


def inspection_amend(client, auth, session, role, whose):
    """Amend an inspection: the sender's own (made first), a colleague's (zf003's) or another street's."""
    owner = {"own": session, "colleague": auth.login("zf003"), "other": auth.login("zf101")}[whose]
    iid = str(uuid.uuid4())
    lon = {"other": 121.68}.get(whose, 121.62)
    push(client, owner, [rec("inspection", inspection(lon=lon, inspected_at=iso(_now())), rid=iid, at=_now())])
    return [rec("inspection_amend", {"inspection_id": iid, "photos": [], "note": "补充说明"}, at=_now())]


def _number(client, auth, session, whose) -> str:
    leaser = session if whose == "own" and session.username.startswith("zf") else \
        auth.login({"own": "zf001", "colleague": "zf003", "other": "zf101"}[whose])
    return client.post("/api/v1/ticket-books", json={"count": 1}, headers=leaser.headers).get_json()["numbers"][0]


def ticket(client, auth, session, role, whose):
    mate = "zf002" if session.username != "zf002" else "zf001"
    number = _number(client, auth, session, whose) if role == OFFICER else "蛟川综执简〔2026〕第000001号"
    return [rec("ticket", {
        "number": number, "party": {"type": "citizen", "name": "李四", "id_number": "11010519491231002X"},
        "matter_code": "SR-004", "facts": "随地乱扔烟头", "penalty": {"kind": "fine", "amount_fen": 5000},
        "officers": [session.username, mate], "lat": 29.97, "lon": 121.62, "accuracy": 5, "issued_at": iso(_now()),
        "payment": {"route": "bank"}, "signature_refused": True, "photos": [],
        "statement": {"informed": True, "said": ""}}, at=_now())]


def ticket_void(client, auth, session, role, whose):
    return [rec("ticket_void", {"number": _number(client, auth, session, whose), "reason": "打印卡纸"}, at=_now())]


def ticket_cosign(client, auth, session, role, whose):
    """Consent to a decision naming the sender (own), one two colleagues made (colleague),
    or one of the other street (other)."""
    from backend.tickets.consents import consent_digest

    if role not in (OFFICER, SUPERVISOR):
        return [rec("ticket_cosign", {"number": "蛟川综执简〔2026〕第000001号", "digest": "0" * 64}, at=_now())]
    lead, mate = {"own": ("zf002", session.username), "colleague": ("zf003", "zf002"), "other": ("zf101", "zf102")}[whose]
    issuer = auth.login(lead)
    number = client.post("/api/v1/ticket-books", json={"count": 1}, headers=issuer.headers).get_json()["numbers"][0]
    payload = {"number": number, "party": {"type": "citizen", "name": "李四", "id_number": "11010519491231002X"},
               "matter_code": "SR-004", "facts": "随地乱扔烟头", "penalty": {"kind": "fine", "amount_fen": 5000},
               "officers": [lead, mate], "lat": 29.97, "lon": 121.62 if whose != "other" else 121.68, "accuracy": 5,
               "issued_at": iso(_now()), "payment": {"route": "bank"}, "signature_refused": True, "photos": [],
               "statement": {"informed": True, "said": ""}}
    assert push(client, issuer, [rec("ticket", payload, at=_now())])[0]["code"] == "ticket.cosign_pending"
    return [rec("ticket_cosign", {"number": number, "digest": consent_digest(payload)}, at=_now())]


def task_update(client, auth, session, role, whose):
    assignee = {"own": session.username, "colleague": "zf003", "other": "zf101"}[whose]
    boss = auth.login("zd101" if whose == "other" else "zd001")
    if role in (SUPERVISOR, ADMIN) and whose == "own":
        assignee = "zf001"
    task = dispatch(client, boss, assignee=assignee, **({"lat": 29.97, "lon": 121.68} if whose == "other" else {}))
    return [rec("task_update", {"task_id": task["id"], "status": "accepted"}, at=_now())]


def _filed_case(client, auth, handlers: tuple[str, str], boss: str) -> int:
    """A general case of the handlers' street, filed by its supervisor."""
    from backend.auth.models import Officer
    from backend.extensions import db

    opener = auth.login(handlers[0])
    with client.application.app_context():
        ids = [db.session.query(Officer.id).filter_by(username=u).scalar() for u in handlers]
    case = client.post("/api/v1/cases", headers=opener.headers, json={
        "party": {"name": "某烧烤店"}, "matter_code": "HJ-003", "facts": "油烟直排", "handler_ids": ids}).get_json()
    approved = client.post(f"/api/v1/cases/{case['id']}/steps", headers=auth.login(boss).headers,
                           json={"kind": "filing_approval", "approve": True, "opinion": "同意立案"})
    assert approved.status_code == 201, approved.get_json()
    return case["id"]


def case_proposal(client, auth, session, role, whose):
    partner = "zf002" if session.username != "zf002" else "zf001"
    return [rec("case_proposal", {"party": {"name": "某餐饮店", "type": "organization"}, "matter_code": "HJ-003",
                                  "facts": "未安装油烟净化设施", "officers": [session.username, partner],
                                  "reason": "该事项不适用简易程序"}, at=_now())]


def case_step(client, auth, session, role, whose):
    handlers, boss = {"own": (("zf001", "zf002"), "zd001"), "colleague": (("zf003", "zf004"), "zd001"),
                      "other": (("zf101", "zf102"), "zd101")}[whose]
    case_id = _filed_case(client, auth, handlers, boss)
    return [rec("case_step", {"case_id": case_id, "step": {"kind": "evidence", "source": "other", "label": "现场补充说明"}}, at=_now())]


MATRIX: dict[str, KindSpec] = {
    "case_proposal": KindSpec(frozenset({OFFICER}), case_proposal),
    "case_step": KindSpec(frozenset({OFFICER, SUPERVISOR}), case_step, colleague="case.not_handler", other="auth.other_jurisdiction"),
    "patrol_start": KindSpec(FIELD, patrol_start),
    "track_points": KindSpec(FIELD, track_points, colleague="patrol.not_participant", other="auth.other_jurisdiction"),
    "patrol_end": KindSpec(FIELD, patrol_end, colleague="patrol.not_participant", other="auth.other_jurisdiction"),
    "inspection": KindSpec(FIELD, inspection_kind),
    "inspection_amend": KindSpec(FIELD, inspection_amend, colleague="inspection.not_yours", other="inspection.not_found"),
    "ticket": KindSpec(frozenset({OFFICER}), ticket, colleague="ticket.number_other_device", other="ticket.number_other_device"),
    "ticket_void": KindSpec(frozenset({OFFICER, SUPERVISOR}), ticket_void, colleague="ticket.not_yours", other="auth.other_jurisdiction"),
    "ticket_cosign": KindSpec(frozenset({OFFICER, SUPERVISOR}), ticket_cosign, colleague="ticket.cosign_mismatch", other="auth.other_jurisdiction"),
    "task_update": KindSpec(frozenset({OFFICER, AUXILIARY}), task_update, colleague="task.not_yours", other="task.not_found"),
}


def test_every_record_kind_has_an_entry_and_the_same_senders():
    assert set(kinds()) == set(MATRIX), "a record kind without an authorization entry (or a stale entry)"
    for name, kind in kinds().items():
        assert set(kind.roles) == set(MATRIX[name].roles), name


@pytest.mark.parametrize("role", [OFFICER, AUXILIARY, SUPERVISOR, ADMIN])
@pytest.mark.parametrize("name", sorted(MATRIX))
def test_each_role_may_send_exactly_its_kinds(client, demo, auth, name, role):
    session = auth.login(WHO[role])
    spec = MATRIX[name]
    result = push(client, session, spec.build(client, auth, session, role, "own"))[-1]
    if role in spec.roles:
        assert result["status"] in OK, (name, role, result)
    else:
        assert result["status"] == "rejected" and result["code"] == "auth.role_forbidden", (name, role, result)


@pytest.mark.parametrize("whose", ["colleague", "other"])
@pytest.mark.parametrize("name", sorted(k for k, s in MATRIX.items() if s.colleague or s.other))
def test_a_colleagues_or_another_streets_record_is_refused(client, demo, auth, name, whose):
    spec = MATRIX[name]
    expected = spec.colleague if whose == "colleague" else spec.other
    session = auth.login("zf001")
    result = push(client, session, spec.build(client, auth, session, OFFICER, whose))[-1]
    assert result["status"] == "rejected" and result["code"] == expected, (name, whose, result)
