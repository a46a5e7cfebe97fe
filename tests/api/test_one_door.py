"""One door into the domain (#17): a record through POST /api/v1/sync is checked exactly as
the REST route checks the same act — the same strict payload, the same roles, the same
service deciding who may do what to whose record. Each test here reproduced a finding of
the attack on a fresh instance before the fix."""
from __future__ import annotations


import hashlib

import pytest

from backend import clock
from backend.records import kinds
from tests.api.test_sync import inspection, iso, push, rec
from tests.api.test_tickets import PRIOR_ORDER
from tests.conftest import assert_error


def ticket(number: str, **over) -> dict:
    p = {"number": number, "party": {"type": "citizen", "name": "李四", "id_number": "11010519491231002X"},
         "matter_code": "SR-004", "facts": "随地乱扔烟头", "penalty": {"kind": "fine", "amount_fen": 5000},
         "officers": ["zf001", "zf002"], "lat": 29.97, "lon": 121.62, "accuracy": 5, "issued_at": iso(clock.now()),
         "payment": {"route": "bank"}, "signature_refused": True, "photos": [],
         "statement": {"informed": True, "said": ""},
         # what SR-001 and the other order-first matters need (ignored where the matter does not)
         "prior_order": PRIOR_ORDER}
    p.update(over)
    return p


def pending_consent(r: dict) -> bool:
    """Accepted, waiting only for the second officer's consent (ticket_cosign, §42)."""
    return r["status"] == "incomplete" and r["code"] == "ticket.cosign_pending"


def numbers(client, session, n=1) -> list[str]:
    return client.post("/api/v1/ticket-books", json={"count": n}, headers=session.headers).get_json()["numbers"]


def case_of(client, session, number: str) -> dict:
    tid = client.get(f"/api/v1/tickets/{number}", headers=session.headers).get_json()["id"]
    return next(c for c in client.get("/api/v1/cases?procedure=simple", headers=session.headers).get_json()["items"]
                if c["ticket_id"] == tid)


@pytest.fixture
def zf001(demo, auth):
    return auth.login("zf001")


def test_every_kind_has_a_strict_schema_and_declared_senders():
    declared = kinds()
    assert set(declared) == {"patrol_start", "track_points", "patrol_end", "inspection", "inspection_amend", "ticket", "ticket_cosign", "ticket_void",
                             "task_update", "case_proposal", "case_step"}
    for k in declared.values():
        assert k.roles and set(k.roles) <= {"officer", "auxiliary", "supervisor", "admin"}, k.name
        assert k.schema.opts.unknown == "raise", k.name  # an unknown field is refused, not dropped


@pytest.mark.parametrize("over, field", [
    ({"lat": 500, "lon": 1000}, "lat"),
    ({"photos": ["../../etc/passwd"]}, "photos"),
    ({"notes": "x" * 4001}, "notes"),
    ({"subject": {"name": "x" * 129}}, "subject"),
])
def test_an_inspection_outside_the_contract_is_refused_naming_the_field(client, zf001, over, field):
    r = push(client, zf001, [rec("inspection", inspection(**over), at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "sync.bad_payload" and field in r["details"]["fields"], r
    assert r["message"]["zh-CN"] and r["message"]["en"]
    assert client.get("/api/v1/inspections", headers=zf001.headers).get_json()["items"] == []


@pytest.mark.parametrize("over, field", [
    ({"lat": 500, "lon": 1000}, "lon"),
    ({"facts": "事" * 1_000_000}, "facts"),  # each print of it cost seconds of CPU
    ({"signature": "nosuchsignature", "signature_refused": False}, "signature"),
    ({"photos": ["../../etc/passwd"]}, "photos"),
    ({"officers": ["zf001"] * 11}, "officers"),
    ({"penalty": {"kind": "fine", "amount_fen": 10**12}}, "penalty"),
])
def test_a_ticket_outside_the_contract_is_refused_and_its_number_stays_free(client, zf001, over, field):
    (number,) = numbers(client, zf001)
    r = push(client, zf001, [rec("ticket", ticket(number, **over), at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "sync.bad_payload" and field in r["details"]["fields"], r
    book = client.get("/api/v1/ticket-books", headers=zf001.headers).get_json()["items"][0]
    assert book["status"][number] == "outstanding"  # nothing stored; the form can still be used


def test_an_auxiliary_cannot_void_a_colleagues_ticket_by_sync_any_more_than_by_rest(client, zf001, auth):
    (number,) = numbers(client, zf001)
    assert pending_consent(push(client, zf001, [rec("ticket", ticket(number), at=clock.now())])[0])
    aux = auth.login("fz001")
    assert_error(client.post(f"/api/v1/ticket-numbers/{number}/void", json={"reason": "作废"}, headers=aux.headers),
                 403, "auth.role_forbidden")
    r = push(client, aux, [rec("ticket_void", {"number": number, "reason": "作废"}, at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "auth.role_forbidden"
    assert client.get(f"/api/v1/tickets/{number}", headers=zf001.headers).get_json()["status"] == "issued"


def test_a_colleague_cannot_void_my_decision_by_sync_either(client, zf001, auth):
    (number,) = numbers(client, zf001)
    push(client, zf001, [rec("ticket", ticket(number), at=clock.now())])
    other = auth.login("zf003")
    r = push(client, other, [rec("ticket_void", {"number": number, "reason": "作废"}, at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "ticket.not_yours"


def test_a_paid_decision_is_voided_only_by_a_supervisor_and_a_closed_case_not_at_all(client, zf001, auth):
    cash, bank = numbers(client, zf001, 2)
    paid = ticket(cash, penalty={"kind": "fine", "amount_fen": 5000}, payment={"route": "on_site", "receipt_no": "浙财 0001"})
    assert pending_consent(push(client, zf001, [rec("ticket", paid, at=clock.now())])[0])
    r = push(client, zf001, [rec("ticket_void", {"number": cash, "reason": "当事人有异议"}, at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "ticket.paid_void_needs_supervisor", r
    boss = auth.login("zd001")
    err = assert_error(client.post(f"/api/v1/ticket-numbers/{cash}/void", json={"reason": "复核撤销"}, headers=boss.headers),
                       422, "ticket.refund_required")
    assert "refund" in err["details"]["fields"]
    voided = client.post(f"/api/v1/ticket-numbers/{cash}/void", headers=boss.headers,
                         json={"reason": "复核撤销", "refund": {"amount_fen": 5000, "receipt": "退库 0001"}})
    assert voided.status_code == 200, voided.get_json()
    case = case_of(client, boss, cash)
    assert case["close_reason"] == "voided" and case["refunded_fen"] == 5000
    # a decision whose case was closed by payment at the bank cannot be voided at all
    push(client, zf001, [rec("ticket", ticket(bank), at=clock.now())])
    case = case_of(client, boss, bank)
    client.post(f"/api/v1/cases/{case['id']}/payments", headers=zf001.headers,
                json={"amount_fen": 5000, "channel": "bank", "paid_on": clock.local_today().isoformat()})
    assert_error(client.post(f"/api/v1/ticket-numbers/{bank}/void", json={"reason": "x"}, headers=boss.headers,), 409, "ticket.case_closed")


def _patrol(client, session, start, minutes=5, n=30):
    import uuid
    from datetime import timedelta

    from tests.api.test_sync import points

    pid = str(uuid.uuid4())
    results = push(client, session, [
        rec("patrol_start", {"officers": [session.username], "started_at": iso(start)}, rid=pid, at=start),
        rec("track_points", {"patrol_id": pid, "points": points(n, t=start)}, at=start),
        rec("patrol_end", {"patrol_id": pid, "ended_at": iso(start + timedelta(minutes=minutes))}, at=start)])
    assert [r["status"] for r in results] == ["created"] * 3, results
    return pid


def test_fixes_from_outside_the_patrols_time_are_refused_with_a_count(client, zf001):
    from datetime import datetime, timedelta, timezone

    start = clock.now().replace(microsecond=0) - timedelta(hours=1)
    pid = _patrol(client, zf001, start)
    before = client.get(f"/api/v1/patrols/{pid}", headers=zf001.headers).get_json()
    old = int(datetime(2020, 6, 1, tzinfo=timezone.utc).timestamp() * 1000)
    garbage = [{"t": old + 1000 * i, "lat": 31.23, "lon": 121.47 + 0.01 * i, "accuracy": 5} for i in range(35)]  # 138 km away, 2020
    r = push(client, zf001, [rec("track_points", {"patrol_id": pid, "points": garbage}, at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "track.outside_patrol" and r["details"]["count"] == 35, r
    after = client.get(f"/api/v1/patrols/{pid}", headers=zf001.headers).get_json()
    assert after["distance_m"] == before["distance_m"] and after["fix_count"] == before["fix_count"]
    # within the allowance (a phone clock a minute off) they are taken
    late = [{"t": int((start + timedelta(minutes=6)).timestamp() * 1000), "lat": 29.97, "lon": 121.617, "accuracy": 5}]
    assert push(client, zf001, [rec("track_points", {"patrol_id": pid, "points": late}, at=clock.now())])[0]["status"] == "created"


def test_track_points_take_iso_8601_times_with_offset_as_the_contract_says(client, zf001):
    import uuid
    from datetime import timedelta

    start = clock.now().replace(microsecond=0) - timedelta(minutes=30)
    pid = str(uuid.uuid4())
    push(client, zf001, [rec("patrol_start", {"officers": ["zf001"], "started_at": iso(start)}, rid=pid, at=start)])
    local = start.astimezone(clock.LOCAL_TZ)
    pts = [{"t": (local + timedelta(seconds=10 * i)).isoformat(), "lat": 29.97, "lon": 121.615 + 0.0001 * i, "accuracy": 5}
           for i in range(20)]
    r = push(client, zf001, [rec("track_points", {"patrol_id": pid, "points": pts}, at=clock.now())])[0]
    assert r["status"] == "created", r
    assert client.get(f"/api/v1/patrols/{pid}", headers=zf001.headers).get_json()["fix_count"] == 20
    naive = [dict(pts[0], t=pts[0]["t"][:19])]
    r = push(client, zf001, [rec("track_points", {"patrol_id": pid, "points": naive}, at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "track.bad_points" and r["details"]["field"] == "t"


def test_payments_and_pauses_are_recorded_by_the_deciding_officers_or_a_supervisor(client, zf001, auth):
    (number,) = numbers(client, zf001)
    push(client, zf001, [rec("ticket", ticket(number), at=clock.now())])
    boss = auth.login("zd001")
    case = case_of(client, boss, number)
    today = clock.local_today().isoformat()
    colleague = auth.login("zf003")  # same street, not on the decision
    assert_error(client.post(f"/api/v1/cases/{case['id']}/payments", headers=colleague.headers,
                             json={"amount_fen": 5000, "channel": "bank", "paid_on": today}), 403, "case.not_yours")
    assert_error(client.post(f"/api/v1/cases/{case['id']}/pauses", headers=colleague.headers,
                             json={"kind": "reconsideration", "start": today}), 403, "case.not_yours")
    # an open-ended pause from 1970 would stop the surcharge for ever: refused, naming the field
    err = assert_error(client.post(f"/api/v1/cases/{case['id']}/pauses", headers=zf001.headers,
                                   json={"kind": "reconsideration", "start": "1970-01-01"}), 422, "case.bad_pause")
    assert err["details"]["field"] == "start"
    assert client.post(f"/api/v1/cases/{case['id']}/pauses", headers=auth.login("zf002").headers,  # the co-signer decided too
                       json={"kind": "reconsideration", "start": today}).status_code == 200
    paid = client.post(f"/api/v1/cases/{case['id']}/payments", headers=boss.headers,
                       json={"amount_fen": 5000, "channel": "bank", "paid_on": today})
    assert paid.status_code == 200 and paid.get_json()["stage"] == "closed"
    events = [e["kind"] for e in client.get(f"/api/v1/cases/{case['id']}", headers=boss.headers).get_json()["events"]]
    assert events.count("payment") == 1 and events.count("reconsideration") == 1  # nothing of the refused ones


def test_the_printed_decision_masks_personal_data_exactly_as_the_json_does(client, zf001, auth):
    import io

    from pypdf import PdfReader

    (number,) = numbers(client, zf001)
    push(client, zf001, [rec("ticket", ticket(number, party={"type": "citizen", "name": "李四", "id_number": "11010519491231002X",
                                                             "phone": "13812345678"}), at=clock.now())])
    full, masked = "11010519491231002X", "1101************2X"
    for who, shown in (("zf001", full), ("zf003", masked), ("admin", masked), ("zd001", full)):
        s = auth.login(who)
        assert client.get(f"/api/v1/tickets/{number}", headers=s.headers).get_json()["party"]["id_number"] == shown, who
        html = client.get(f"/api/v1/tickets/{number}/print?format=html", headers=s.headers).get_data(as_text=True)
        assert shown in html and (shown == full or full not in html), who
        pdf = client.get(f"/api/v1/tickets/{number}/print?format=pdf", headers=s.headers).data
        text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
        assert full not in text if shown == masked else full in text, who


def test_exported_cells_never_run_as_formulas(app, client, zf001, auth):
    """A shop's name from the field ends up in the desk's spreadsheets: CSV cells that
    would start a formula are neutralised, XLSX cells are text, never formulas."""
    import csv
    import io

    from openpyxl import load_workbook

    names = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(1,1)", "\t=1", "正常商户"]
    now = clock.now()
    push(client, zf001, [rec("inspection", inspection(subject={"name": n}, inspected_at=iso(now)), at=now) for n in names])
    boss = auth.login("zd001")
    day = clock.local_today().isoformat()
    url = f"/api/v1/supervision/stats/inspections?from={day}&to={day}"
    rows = list(csv.DictReader(io.StringIO(client.get(url + "&format=csv", headers=boss.headers).data.decode("utf-8-sig"))))
    got = sorted(r["检查对象"] for r in rows)
    assert got == sorted(["'" + n for n in names[:5]] + ["正常商户"]), got
    sheet = load_workbook(io.BytesIO(client.get(url + "&format=xlsx", headers=boss.headers).data)).active
    col = [c.value for c in sheet[1]].index("检查对象") + 1
    cells = [sheet.cell(r, col) for r in range(2, sheet.max_row + 1)]
    assert sorted(c.value for c in cells) == sorted(names) and all(c.data_type == "s" for c in cells)


def test_a_phone_cannot_date_a_decision_before_its_number_was_leased(client, zf001):
    from datetime import datetime, timedelta, timezone

    (number,) = numbers(client, zf001)  # leased today
    old = iso(datetime(2025, 3, 1, 10, 0, tzinfo=timezone.utc))  # an officer whose certificate lapsed in 2025 co-signed this
    r = push(client, zf001, [rec("ticket", ticket(number, issued_at=old), at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "ticket.issued_before_lease" and r["details"]["field"] == "issued_at"
    future = iso(clock.now() + timedelta(hours=2))
    r = push(client, zf001, [rec("ticket", ticket(number, issued_at=future), at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "time.in_future"
    r = push(client, zf001, [rec("ticket", ticket(number, issued_at=iso(clock.now() - timedelta(minutes=5))), at=clock.now())])[0]
    assert pending_consent(r)  # a phone a few minutes slow is fine


def test_a_borrowed_device_id_gives_no_one_a_colleagues_numbers(client, zf001, auth):
    (number,) = numbers(client, zf001)
    thief = auth.login("zf003", device_id=zf001.device_id)  # the id shows in a shared patrol or a photo's custody log
    assert client.get("/api/v1/ticket-books", headers=thief.headers).get_json()["items"] == []
    r = push(client, thief, [rec("ticket", ticket(number, officers=["zf003", "zf002"]), at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "ticket.number_not_yours"
    assert client.get("/api/v1/ticket-books", headers=zf001.headers).get_json()["items"][0]["status"][number] == "outstanding"


def test_a_street_supervisor_cannot_revoke_the_district_admins_or_another_streets_device(client, demo, auth):
    admin = auth.login("admin")
    for boss in ("zd001", "zd101"):
        assert_error(client.post(f"/api/v1/devices/{admin.device_id}/revoke", json={"reason": "试试"},
                                 headers=auth.login(boss).headers), 403, "auth.other_jurisdiction")
    assert client.get("/api/v1/me", headers=admin.headers).status_code == 200  # still working
    phone = auth.login("zf001")
    assert_error(client.post(f"/api/v1/devices/{phone.device_id}/revoke", json={"reason": "丢失"},
                             headers=auth.login("zd101").headers), 403, "auth.other_jurisdiction")
    assert client.post(f"/api/v1/devices/{phone.device_id}/revoke", json={"reason": "丢失"},
                       headers=auth.login("zd001").headers).status_code == 200
    assert client.get("/api/v1/me", headers=phone.headers).status_code == 401


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/sync"])
def test_json_nested_5000_deep_is_a_400_not_a_500(client, zf001, path):
    deep = "[" * 5000 + "]" * 5000
    err = assert_error(client.post(path, data=deep, content_type="application/json", headers=zf001.headers), 400, "request.too_deep")
    assert err["message"]["en"]


def test_out_of_range_numbers_and_unknown_references_are_4xx_naming_the_field(client, zf001, auth):
    assert_error(client.get("/api/v1/patrols?officer=" + "9" * 20, headers=zf001.headers), 422, "validation_error")
    err = assert_error(client.post("/api/v1/cases", headers=zf001.headers,
                                   json={"party_name": "某某公司", "matter_code": "HJ-003", "facts": "x", "inspection_id": "9" * 36}),
                       422, "case.unknown_inspection")
    assert err["details"]["field"] == "inspection_id"
    assert_error(client.post("/api/v1/cases/1/payments", headers=auth.login("zd001").headers,
                             json={"amount_fen": 10**15, "channel": "bank", "paid_on": "2026-11-01"}), 422, "validation_error")


def test_quoting_another_streets_photo_hash_unlocks_nothing(client, zf001, auth):
    from tests import images

    data = images.jpeg_without_exif(120, 90)
    sha = hashlib.sha256(data).hexdigest()
    other = auth.login("zf101")  # 招宝山街道
    assert client.put(f"/api/v1/media/{sha}", data=data, headers=other.headers, content_type="image/jpeg").status_code == 201
    r = push(client, zf001, [rec("inspection", inspection(photos=[sha]), at=clock.now())])[0]
    assert r["status"] == "rejected" and r["code"] == "media.not_yours" and r["details"]["field"] == "photos"
    boss = auth.login("zd001")
    assert_error(client.get(f"/api/v1/media/{sha}/thumb", headers=boss.headers), 403, "media.forbidden")
    # its own street may cite it
    assert push(client, other, [rec("inspection", inspection(lon=121.68, photos=[sha]), at=clock.now())])[0]["status"] == "created"


def test_a_signature_reads_as_signed_only_once_its_image_has_arrived(client, zf001):
    from tests import images

    data = images.jpeg_without_exif(200, 80)
    sha = hashlib.sha256(data).hexdigest()
    (number,) = numbers(client, zf001)
    r = push(client, zf001, [rec("ticket", ticket(number, signature=sha, signature_refused=False), at=clock.now())])[0]
    assert r["status"] == "incomplete" and r["missing_photos"] == [sha]
    assert client.get(f"/api/v1/tickets/{number}", headers=zf001.headers).get_json()["signature"]["verified"] is False
    html = client.get(f"/api/v1/tickets/{number}/print?format=html", headers=zf001.headers).get_data(as_text=True)
    assert "当事人已签名" not in html and "尚未上传核验" in html
    assert client.put(f"/api/v1/media/{sha}", data=data, headers=zf001.headers, content_type="image/jpeg").status_code == 201
    assert client.get(f"/api/v1/tickets/{number}", headers=zf001.headers).get_json()["signature"]["verified"] is True
    assert "当事人已签名" in client.get(f"/api/v1/tickets/{number}/print?format=html", headers=zf001.headers).get_data(as_text=True)


def test_device_ids_are_shown_whole_only_to_those_who_manage_devices(client, zf001, auth):
    from datetime import timedelta

    from tests import images

    pid = _patrol(client, zf001, clock.now().replace(microsecond=0) - timedelta(hours=1))
    push(client, zf001, [rec("patrol_start", {"officers": ["zf001", "zf002"], "started_at": iso(clock.now() - timedelta(minutes=9))},
                             at=clock.now())])
    shared = client.get("/api/v1/patrols?limit=50", headers=auth.login("zf002").headers).get_json()["items"]
    assert shared and all(p["device_id"] == "…" + zf001.device_id[-4:] for p in shared)  # a colleague on the patrol
    boss = auth.login("zd001")
    assert client.get(f"/api/v1/patrols/{pid}", headers=boss.headers).get_json()["device_id"] == zf001.device_id
    data = images.jpeg_without_exif(90, 60)
    sha = hashlib.sha256(data).hexdigest()
    client.put(f"/api/v1/media/{sha}", data=data, headers=zf001.headers, content_type="image/jpeg")
    push(client, zf001, [rec("inspection", inspection(photos=[sha]), at=clock.now())])
    seen = {e["device_id"] for e in client.get(f"/api/v1/media/{sha}/custody", headers=zf001.headers).get_json()["items"]}
    assert zf001.device_id not in seen and "…" + zf001.device_id[-4:] in seen
    seen = {e["device_id"] for e in client.get(f"/api/v1/media/{sha}/custody", headers=boss.headers).get_json()["items"]}
    assert zf001.device_id in seen


def test_a_request_that_fails_after_its_service_ran_changes_nothing(app, client, demo, auth, monkeypatch):
    """One transaction boundary: services flush, the request commits once. A refusal raised
    after the service did its work (here: while the answer is built) leaves nothing behind —
    before, the service had committed and the decision was published behind a 4xx."""
    from backend.audit.models import AuditEntry
    from backend.errors import ApiError
    from backend.extensions import db
    from backend.tickets import service as tickets
    from backend.tickets.models import Ticket

    zf001 = auth.login("zf001")
    (number,) = numbers(client, zf001)
    push(client, zf001, [rec("ticket", ticket(number), at=clock.now())])

    def refuse(*args, **kwargs):
        raise ApiError("test.refused", "拒绝", "Refused", status=422)

    monkeypatch.setattr(tickets, "ticket_to_dict", refuse)
    boss = auth.login("zd001")
    assert_error(client.post(f"/api/v1/tickets/{number}/publication", json={"publish": True}, headers=boss.headers), 422, "test.refused")
    with app.app_context():
        row = db.session.query(Ticket).filter_by(number=number).one()
        assert row.publish is False and row.published_at is None
        assert db.session.query(AuditEntry).filter_by(action="ticket.published").count() == 0
        db.session.remove()
