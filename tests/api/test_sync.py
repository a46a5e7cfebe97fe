"""POST /api/v1/sync: exactly once, in order, with clear answers; the change feed; health."""
from __future__ import annotations

import hashlib
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from backend import clock
from backend.extensions import db
from tests import images
from tests.conftest import assert_error

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
LOCAL = "+08:00"


def iso(dt: datetime) -> str:
    return dt.isoformat()


def rec(kind: str, payload: dict, rid: str | None = None, at: datetime = T0) -> dict:
    return {"id": rid or str(uuid.uuid4()), "kind": kind, "captured_at": iso(at), "payload": payload}


def push(client, session, records, expect=200, **batch):
    body = {"device_id": session.device_id, "records": records, **batch}
    resp = client.post("/api/v1/sync", json=body, headers=session.headers)
    assert resp.status_code == expect, resp.get_json()
    return resp.get_json()["results"] if expect == 200 else resp.get_json()


def points(n=30, lon=121.615, lat=29.97, t=T0):
    ms = int(t.timestamp() * 1000)
    return [{"t": ms + 5000 * i, "lat": lat, "lon": lon + 0.00006 * i, "accuracy": 6, "speed": 1.3} for i in range(n)]


def inspection(**over):
    p = {"lat": 29.97, "lon": 121.62, "accuracy": 5, "subject": {"name": "某某小吃店", "address": "某路 8 号"},
         "matter_code": "SR-001", "result": "compliant", "photos": []}
    p.update(over)
    return p


@pytest.fixture
def phone(demo, auth):
    return auth.login("zf001")


def test_a_patrol_with_track_and_end_in_one_batch(client, phone):
    patrol_id = str(uuid.uuid4())
    records = [
        rec("patrol_start", {"officers": ["zf001", "zf002"], "started_at": iso(T0)}, rid=patrol_id),
        rec("track_points", {"patrol_id": patrol_id, "points": points(30)}),
        rec("track_points", {"patrol_id": patrol_id, "points": points(30, lon=121.617, t=T0 + timedelta(seconds=150))}),
        rec("patrol_end", {"patrol_id": patrol_id, "ended_at": iso(T0 + timedelta(minutes=6))}),
    ]
    results = push(client, phone, records, app_version="1.0.0")
    assert [r["status"] for r in results] == ["created"] * 4
    assert results[0]["ref"] == patrol_id
    patrol = client.get(f"/api/v1/patrols/{patrol_id}", headers=phone.headers).get_json()
    assert [o["username"] for o in patrol["officers"]] == ["zf001", "zf002"]
    assert patrol["status"] == "ended" and patrol["fix_count"] == 60 and patrol["distance_m"] > 300
    # the same batch again: the same results, nothing stored twice
    again = push(client, phone, records)
    assert [r["status"] for r in again] == ["duplicate"] * 4
    assert [r["original_status"] for r in again] == ["created"] * 4
    assert client.get(f"/api/v1/patrols/{patrol_id}", headers=phone.headers).get_json()["fix_count"] == 60


def test_changed_payload_under_the_same_id_is_a_conflict_and_both_are_kept(app, client, phone):
    rid = str(uuid.uuid4())
    assert push(client, phone, [rec("inspection", inspection(), rid=rid)])[0]["status"] == "created"
    result = push(client, phone, [rec("inspection", inspection(notes="changed later"), rid=rid)])[0]
    assert result["status"] == "conflict" and result["code"] == "sync.conflict"
    detail = client.get(f"/api/v1/inspections/{rid}", headers=phone.headers).get_json()
    assert detail["notes"] == ""  # never overwritten
    with app.app_context():
        from backend.sync.models import SyncConflict

        kept = db.session.query(SyncConflict).filter_by(record_id=rid).one()
        assert kept.payload["payload"]["notes"] == "changed later"


def test_one_bad_record_does_not_block_the_others_but_blocks_its_dependants(client, phone):
    bad_patrol = str(uuid.uuid4())
    records = [
        rec("inspection", inspection(subject={"name": "店", "credit_code": "91350100M000100Y44"})),
        rec("inspection", inspection()),
        rec("patrol_start", {"officers": ["zf001", "zf101"], "started_at": iso(T0)}, rid=bad_patrol),
        rec("track_points", {"patrol_id": bad_patrol, "points": points(5)}),
        rec("inspection", inspection(patrol_id=bad_patrol)),
    ]
    results = push(client, phone, records)
    assert [r["status"] for r in results] == ["rejected", "created", "rejected", "rejected", "rejected"]
    assert results[0]["code"] == "inspection.bad_uscc" and results[0]["message"]["zh-CN"] and results[0]["message"]["en"]
    assert results[2]["code"] == "sync.unknown_officer"
    assert results[3]["code"] == "sync.dependency_rejected" and results[3]["retryable"] is True
    assert results[4]["code"] == "sync.dependency_rejected"


def test_a_rejected_record_can_be_fixed_and_sent_again_under_its_id(client, phone):
    rid = str(uuid.uuid4())
    first = push(client, phone, [rec("inspection", inspection(result="rectify"), rid=rid)])[0]
    assert first["status"] == "rejected" and first["code"] == "inspection.deadline_required"
    fixed = push(client, phone, [rec("inspection", inspection(result="rectify", rectify_by="2026-11-27"), rid=rid)])[0]
    assert fixed["status"] == "created"


def test_track_points_before_their_patrol_are_retryable(client, phone):
    patrol_id = str(uuid.uuid4())
    early = rec("track_points", {"patrol_id": patrol_id, "points": points(5)})
    r = push(client, phone, [early])[0]
    assert r["status"] == "rejected" and r["code"] == "patrol.not_found" and r["retryable"] is True
    push(client, phone, [rec("patrol_start", {"officers": [], "started_at": iso(T0)}, rid=patrol_id)])
    assert push(client, phone, [early])[0]["status"] == "created"


def test_records_wait_for_their_photos(app, client, demo, auth):
    phone = auth.login("zf001")
    data = images.jpeg(lat=29.97, lon=121.62, taken="2026:11:20 09:00:00")
    sha = hashlib.sha256(data).hexdigest()
    rid = str(uuid.uuid4())
    r = push(client, phone, [rec("inspection", inspection(photos=[sha]), rid=rid)])[0]
    assert r["status"] == "incomplete" and r["missing_photos"] == [sha]
    boss = auth.login("zd001")
    waiting = client.get("/api/v1/sync/incomplete", headers=boss.headers).get_json()["items"]
    assert [w["id"] for w in waiting] == [rid] and waiting[0]["age_s"] >= 0
    assert client.put(f"/api/v1/media/{sha}", data=data, headers=phone.headers, content_type="image/jpeg").status_code == 201
    assert client.get("/api/v1/sync/incomplete", headers=boss.headers).get_json()["items"] == []
    again = push(client, phone, [rec("inspection", inspection(photos=[sha]), rid=rid)])[0]
    assert again["status"] == "duplicate" and again["original_status"] == "created"


def test_tickets_and_voids_travel_by_the_contract(client, phone, auth):
    numbers = client.post("/api/v1/ticket-books", json={"count": 2}, headers=phone.headers).get_json()["numbers"]
    now = clock.now()
    ticket = {"number": numbers[0], "party": {"type": "citizen", "name": "李四", "id_number": "11010519491231002X"},
              "matter_code": "SR-004", "facts": "随地乱扔烟头", "penalty": {"kind": "fine", "amount_fen": 5000},
              "officers": ["zf001", "zf002"], "lat": 29.97, "lon": 121.62, "accuracy": 5, "issued_at": iso(now),
              "payment": {"route": "on_site", "receipt_no": "浙财 0099"}, "signature_refused": True, "photos": [],
              "statement": {"informed": True, "said": "认可"}}
    results = push(client, phone, [rec("ticket", ticket, at=now), rec("ticket_void", {"number": numbers[1], "reason": "打印卡纸"}, at=now)])
    # the decision waits for zf002's consent (§42), the spoiled number is simply voided
    assert [r["status"] for r in results] == ["incomplete", "created"] and results[0]["ref"] == numbers[0]
    assert results[0]["code"] == "ticket.cosign_pending"
    from backend.tickets.consents import consent_digest

    consent = rec("ticket_cosign", {"number": numbers[0], "digest": consent_digest(ticket)}, at=now)
    assert push(client, auth.login("zf002"), [consent])[0]["status"] == "created"
    t = client.get(f"/api/v1/tickets/{numbers[0]}", headers=phone.headers).get_json()
    assert t["payment"]["route"] == "on_the_spot" and t["signature"]["refused_note"]
    feed = client.get("/api/v1/sync/changes?limit=1000", headers=phone.headers).get_json()["items"]
    cases = [i for i in feed if i["kind"] == "case"]
    assert cases and cases[-1]["data"]["ticket_number"] == numbers[0] and cases[-1]["data"]["stage"] == "closed"
    over = dict(ticket, number=numbers[1], penalty={"kind": "fine", "amount_fen": 30000})
    r = push(client, phone, [rec("ticket", over, at=now)])[0]
    assert r["status"] == "rejected" and r["code"] in {"ticket.number_voided", "ticket.amount_over_cap"}


def test_batch_limits_and_device_checks(app, client, phone, monkeypatch):
    assert_error(client.post("/api/v1/sync", json={"device_id": "dev-someone-else", "records": []}, headers=phone.headers),
                 403, "sync.device_mismatch")
    many = [rec("inspection", inspection()) for _ in range(501)]
    err = push(client, phone, many, expect=413)
    assert err["code"] == "sync.batch_too_large" and err["details"]["limit_records"] == 500 and "500" in err["message"]["zh-CN"]
    monkeypatch.setitem(app.config, "SYNC_MAX_BYTES", 2000)
    err = push(client, phone, [rec("inspection", inspection(notes="x" * 3000))], expect=413)
    assert err["code"] == "sync.body_too_large" and err["details"]["limit_bytes"] == 2000
    monkeypatch.setitem(app.config, "SYNC_MAX_BYTES", 8 * 1024 * 1024)
    assert push(client, phone, [rec("spaceship", {"x": 1})])[0]["code"] == "sync.unknown_kind"
    bad = client.post("/api/v1/sync", json={"device_id": phone.device_id, "records": [{"id": "x", "kind": "inspection"}]},
                      headers=phone.headers)
    assert_error(bad, 422, "validation_error")


def test_clock_skew_and_device_health(client, demo, auth):
    phone = auth.login("zf001")
    sent = clock.now() - timedelta(minutes=7)  # the phone's clock is 7 minutes slow
    push(client, phone, [rec("inspection", inspection())], sent_at=iso(sent), app_version="1.2.3",
         health={"queue_depth": 45, "oldest_unsynced_age_s": 90000, "storage_persistent": False})
    boss = auth.login("zd001")
    devices = client.get("/api/v1/devices/health", headers=boss.headers).get_json()["items"]
    mine = next(d for d in devices if d["device_id"] == phone.device_id)
    assert 400 < mine["clock_skew_s"] < 440 and mine["app_version"] == "1.2.3"
    assert set(mine["alarms"]) >= {"queue_long", "storage_not_persistent"}
    # the next sync updates the same row; a batch that names no app version keeps the last one
    push(client, phone, [rec("inspection", inspection())], health={"queue_depth": 0, "storage_persistent": True})
    mine = next(d for d in client.get("/api/v1/devices/health", headers=boss.headers).get_json()["items"]
                if d["device_id"] == phone.device_id)
    assert mine["app_version"] == "1.2.3" and mine["queue_depth"] == 0 and not set(mine["alarms"]) & {"queue_long", "storage_not_persistent"}


def test_change_feed_pages_and_resumes(client, phone):
    client.post("/api/v1/ticket-books", json={"count": 2}, headers=phone.headers)
    push(client, phone, [rec("inspection", inspection()), rec("inspection", inspection())])
    seen, cursor = [], None
    for _ in range(100):
        q = "/api/v1/sync/changes?limit=3" + (f"&since={cursor}" if cursor else "")
        body = client.get(q, headers=phone.headers).get_json()
        seen += [(i["kind"], i["id"]) for i in body["items"]]
        cursor = body["cursor"]
        if body["next"] is None:
            break
    assert len(seen) == len(set(seen))
    kinds = {k for k, _ in seen}
    assert {"matter", "grid", "ticket_book", "record"} <= kinds
    # nothing new: an empty page at the same cursor
    assert client.get(f"/api/v1/sync/changes?since={cursor}", headers=phone.headers).get_json()["items"] == []
    push(client, phone, [rec("inspection", inspection())])
    fresh = client.get(f"/api/v1/sync/changes?since={cursor}", headers=phone.headers).get_json()["items"]
    assert [i["kind"] for i in fresh] == ["record"]


def _stored_inspections(app, ids):
    from sqlalchemy import select

    from backend.patrols.models import Inspection
    from backend.sync.models import SyncRecord

    with app.app_context():
        rows = {i.id: i for i in db.session.scalars(select(Inspection).where(Inspection.id.in_(ids)))}
        ledger = {r.id: r for r in db.session.scalars(select(SyncRecord).where(SyncRecord.id.in_(ids)))}
        out = {rid: None if rid not in rows else
               {k: getattr(rows[rid], k) for k in ("grid_id", "matter_id", "result", "reinspect_due", "subject_name", "photos",
                                                    "payload_digest", "patrol_id")} for rid in ids}
        codes = {rid: (ledger[rid].status, ledger[rid].code) for rid in ids if rid in ledger}
        db.session.remove()
    return out, codes


def _mixed_run(phone_ids, photo, dup_id, conflict_id, bad_patrol_id):
    """A run of inspections of every kind of outcome, at points over several grids."""
    ids = phone_ids
    return [
        rec("inspection", inspection(lon=121.612, lat=29.968), rid=ids[0]),
        rec("inspection", inspection(lon=121.625, lat=29.975, result="rectify", rectify_by="2026-11-27", photos=[photo]), rid=ids[1]),
        rec("inspection", inspection(result="bogus"), rid=ids[2]),                      # refused by the schema
        rec("inspection", inspection(matter_code="NO-SUCH"), rid=ids[3]),                # refused by the service
        rec("inspection", inspection(), rid=dup_id),                                     # sent before: duplicate
        rec("inspection", inspection(subject={"name": "另一家店"}), rid=conflict_id),    # sent before, other content
        rec("inspection", inspection(patrol_id=bad_patrol_id), rid=ids[4]),              # its patrol was refused above
        rec("inspection", inspection(lon=121.64, lat=29.99, result="violation", follow_up="case"), rid=ids[5]),
    ]


def test_a_run_of_inspections_goes_in_at_once_with_the_same_answers_as_one_by_one(app, client, demo, auth, monkeypatch):
    """The batch path for inspections (sync.service._push_inspections) must answer and
    store exactly what the record-by-record path does, in the same order."""
    from backend.audit import service as audit
    from backend.sync import service as sync

    photo = hashlib.sha256(b"not uploaded yet").hexdigest()
    outcomes = {}
    taken = []
    real = sync._push_inspections
    monkeypatch.setattr(sync, "_push_inspections", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])
    for path in ("batch", "one_by_one"):
        phone = auth.login("zf001", device_id=f"dev-{path}")
        if path == "one_by_one":
            assert any(t is not None and len(t) == 8 for t in taken), "the batch path took the run"
            monkeypatch.setattr(sync, "_push_inspections", lambda *a, **k: None)
        dup_id, conflict_id, bad_patrol = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        assert [r["status"] for r in push(client, phone, [rec("inspection", inspection(), rid=dup_id),
                                                          rec("inspection", inspection(), rid=conflict_id)])] == ["created"] * 2
        ids = [str(uuid.uuid4()) for _ in range(6)]
        records = [rec("patrol_start", {"started_at": "not a time"}, rid=bad_patrol)] + _mixed_run(ids, photo, dup_id, conflict_id, bad_patrol)
        results = push(client, phone, records)
        answers = [(r["status"], r.get("code"), r.get("missing_photos")) for r in results]
        assert [r["id"] for r in results] == [r["id"] for r in records]
        stored, ledger = _stored_inspections(app, ids)
        outcomes[path] = (answers, [stored[i] and {k: v for k, v in stored[i].items() if k != "payload_digest"} for i in ids],
                          [ledger.get(i) for i in ids])
        with app.app_context():
            assert all(broken is None for _, broken in audit.verify_all())
            db.session.remove()
    assert outcomes["batch"] == outcomes["one_by_one"]
    answers, stored, _ = outcomes["batch"]
    assert [a[0] for a in answers] == ["rejected", "created", "incomplete", "rejected", "rejected", "duplicate", "conflict",
                                       "rejected", "created"]
    assert answers[3][1] == "sync.bad_payload" and answers[4][1] == "inspection.unknown_matter"
    assert answers[7][1] == "sync.dependency_rejected" and answers[2][2] == [photo]
    with app.app_context():
        from backend.catalog import service as catalog

        assert stored[0]["grid_id"] == catalog.grid_at(121.612, 29.968).id  # the in-memory index agrees with the spatial query
        assert stored[1]["grid_id"] == catalog.grid_at(121.625, 29.975).id and stored[1]["grid_id"] != stored[0]["grid_id"]
        db.session.remove()


def test_the_batch_path_keeps_a_digest_the_rest_api_agrees_with(app, client, phone):
    """An inspection stored by the batch path and sent again through the same path is a
    duplicate; the stored content digest is the one `record_inspection` computes."""
    ids = [str(uuid.uuid4()), str(uuid.uuid4())]
    records = [rec("inspection", inspection(), rid=ids[0]), rec("inspection", inspection(lon=121.63), rid=ids[1])]
    assert [r["status"] for r in push(client, phone, records)] == ["created", "created"]
    assert [r["status"] for r in push(client, phone, records)] == ["duplicate", "duplicate"]
    from backend.auth.models import Officer
    from backend.patrols import service as patrols
    from backend.patrols.records import inspection_args
    from backend.records import kinds, load_payload

    with app.app_context():
        officer = db.session.query(Officer).filter_by(username="zf001").one()
        payload = load_payload(kinds()["inspection"], records[1]["payload"])
        args = inspection_args(ids[1], payload, datetime.fromisoformat(records[1]["captured_at"]))
        inspection_row, created = patrols.record_inspection(officer=officer, device_id=phone.device_id, **args)
        assert created is False and inspection_row.id == ids[1]  # same content by the single path's own digest
        db.session.remove()
