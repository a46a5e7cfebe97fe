"""Supervisor figures, coverage and the patrol log against a data set whose answers are
worked out by hand below (period 2026-11-01 … 2026-11-15, 蛟川街道)."""
from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from backend.auth.models import Officer
from backend.clock import LOCAL_TZ
from backend.cases.models import Case, Payment
from backend.extensions import db
from backend.patrols import service as patrols
from backend.sync.models import SyncRecord
from backend.tasks.models import Task
from backend.tickets import service as tickets
from tests.api.test_tickets import lease, proposal
from tests.conftest import assert_error

PERIOD = "from=2026-11-01&to=2026-11-15"


def utc(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=timezone.utc)


def _officer(username: str) -> Officer:
    return db.session.query(Officer).filter_by(username=username).one()


def _ticket(session, number: str, issued: str, mates: tuple[str, str], **over) -> Case:
    from backend.tickets.models import TicketNumber

    lead, mate = _officer(mates[0]), _officer(mates[1])
    book = db.session.get(TicketNumber, number).book
    # a history built today: each number was leased, before its decision, by the officer who used it
    book.officer_id = lead.id
    if book.leased_at > utc(issued):
        book.leased_at = utc(issued) - timedelta(days=1)
    p = proposal(**over)
    p["officer_ids"] = [lead.id, mate.id]
    ticket, _ = tickets.issue_ticket(ticket_id=str(uuid.uuid4()), number=number, identity_officer=lead, device_id=session.device_id,
                                     issued_at=utc(issued), captured_at=utc(issued), proposal=p)
    return db.session.query(Case).filter_by(ticket_id=ticket.id).one()


@pytest.fixture
def dataset(app, client, demo, auth):
    """The records, and why each counts (or not):

    simple cases (tickets) — opened = issued:
      c1  11-02 zf001+zf002 SR-001 fine 150 元, filed 11-02 (due 11-05), paid 11-06 → closed on time
      c2  11-03 zf001+zf003 SR-009 warning, filed 11-10 (due 11-06), closed 11-03 → closed late
      c3  10-30 (before the period) fine 100 元, filed on time, paid 11-04 → closed on time, its payment counts
      c4  11-07 voided → counts nowhere
    general cases:
      g1  opened 11-05 by zf004, HJ-003, open
      g2  opened 08-01 (before), decision due 10-30, decided 11-03, closed 11-08 → closed late
    """
    phone = auth.login("zf001")
    numbers = lease(client, phone, 4)
    with app.app_context():
        c1 = _ticket(phone, numbers[0], "2026-11-02T02:00:00", ("zf001", "zf002"))
        c1.filed_at = utc("2026-11-02T03:00:00")
        db.session.add(Payment(case=c1, amount_fen=15000, channel="bank", paid_on=date(2026, 11, 6)))
        c1.paid_fen, c1.stage, c1.closed_at, c1.close_reason = 15000, "closed", utc("2026-11-06T04:00:00"), "paid"
        c2 = _ticket(phone, numbers[1], "2026-11-03T02:00:00", ("zf001", "zf003"), matter_code="SR-009",
                     penalty={"kind": "warning"})
        c2.filed_at, c2.closed_at = utc("2026-11-10T02:00:00"), utc("2026-11-03T02:30:00")
        c3 = _ticket(phone, numbers[2], "2026-10-30T02:00:00", ("zf002", "zf003"), amount_fen=10000,
                     penalty={"kind": "fine", "amount_fen": 10000})
        c3.filed_at = utc("2026-10-30T05:00:00")
        db.session.add(Payment(case=c3, amount_fen=10000, channel="bank", paid_on=date(2026, 11, 4)))
        c3.paid_fen, c3.stage, c3.closed_at, c3.close_reason = 10000, "closed", utc("2026-11-04T04:00:00"), "paid"
        c4 = _ticket(phone, numbers[3], "2026-11-07T02:00:00", ("zf005", "zf006"))
        c4.stage, c4.closed_at, c4.close_reason = "closed", utc("2026-11-07T03:00:00"), "voided"
        db.session.add(Case(jurisdiction_id=1, procedure="general", stage="investigating", party_name="某餐饮公司", matter_code="HJ-003",
                            opened_at=utc("2026-11-05T01:00:00"), opened_by_id=_officer("zf004").id, decision_due=date(2027, 2, 3)))
        db.session.add(Case(jurisdiction_id=1, procedure="general", stage="closed", party_name="某建材公司", matter_code="HJ-003",
                            opened_at=utc("2026-08-01T01:00:00"), opened_by_id=_officer("zf005").id, decision_due=date(2026, 10, 30),
                            decided_on=date(2026, 11, 3), closed_at=utc("2026-11-08T01:00:00"), close_reason="executed", amount_fen=50000))
        # inspections: three in the period (one of each result), one after it
        zf001 = _officer("zf001")
        for i, (result, when) in enumerate([("compliant", "2026-11-02T03:00:00"), ("rectify", "2026-11-09T03:00:00"),
                                            ("violation", "2026-11-15T15:00:00"), ("compliant", "2026-11-15T16:30:00")]):
            patrols.record_inspection(inspection_id=str(uuid.uuid4()), officer=zf001, device_id=phone.device_id, captured_at=utc(when),
                                      inspected_at=utc(when), lat=29.97, lon=121.62, accuracy_m=5, subject_name=f"商户{i}", result=result,
                                      rectify_deadline=date(2026, 12, 1) if result == "rectify" else None,
                                      follow_up="case" if result == "violation" else None, photos=[])
        # tasks: two dispatched in the period (feedback after 1 h for one), one before
        boss = _officer("zd001")
        for title, sent, back in (("甲", "2026-11-03T01:00:00", "2026-11-03T02:00:00"), ("乙", "2026-11-10T01:00:00", None),
                                  ("丙", "2026-10-20T01:00:00", "2026-10-20T09:00:00")):
            db.session.add(Task(jurisdiction_id=1, title=title, dispatcher_id=boss.id, assignee_id=zf001.id,
                                status="done" if back else "dispatched", dispatched_at=utc(sent), feedback_at=utc(back) if back else None))
        # sync ledger: one record still waiting for photos, one received two days after capture
        for rid, status, captured, received in ((str(uuid.uuid4()), "incomplete", "2026-11-05T01:00:00", "2026-11-05T01:05:00"),
                                                (str(uuid.uuid4()), "created", "2026-11-08T01:00:00", "2026-11-10T01:00:00")):
            db.session.add(SyncRecord(id=rid, device_id=phone.device_id, officer_id=zf001.id, jurisdiction_id=1, kind="inspection",
                                      payload={}, payload_digest="0" * 64, status=status, captured_at=utc(captured),
                                      received_at=utc(received), missing_photos=["ab" * 32] if status == "incomplete" else []))
        db.session.commit()
    return phone


def test_the_figures_match_the_hand_worked_answers(client, auth, dataset):
    boss = auth.login("zd001")
    s = client.get(f"/api/v1/supervision/stats?{PERIOD}", headers=boss.headers).get_json()
    assert (s["simple_cases"], s["general_cases"]) == (2, 1)          # c1, c2 | g1
    assert s["fines_total_fen"] == 15000                              # c1 (c2 is a warning, g1 undecided)
    assert s["fines_collected_fen"] == 25000                          # c1's 150 元 + c3's 100 元, both paid in the period
    assert (s["cases_closed"], s["cases_closed_on_time"]) == (4, 2)   # c1 ✓, c2 ✗ filed late, c3 ✓, g2 ✗ decided late
    assert s["on_time_closure_rate"] == 0.5
    assert s["empowered_matters"] == 35                               # 36 demo matters, 蛟川 lacks GH-002
    assert s["matter_coverage_rate"] == round(3 / 35, 4)              # SR-001, SR-009, HJ-003
    assert len(s["zero_case_matters"]) == 32 and {"code": "GH-002"} not in [{"code": m["code"]} for m in s["zero_case_matters"]]
    assert not {m["code"] for m in s["zero_case_matters"]} & {"SR-001", "SR-009", "HJ-003"}
    assert s["certified_officers"] == 7                               # zf001–zf007 (zf008's certificate lapsed)
    assert s["officer_participation_rate"] == round(4 / 7, 4)         # zf001, zf002, zf003 (tickets), zf004 (g1)
    assert s["inspections"] == 3 and s["inspections_by_result"] == {"compliant": 1, "rectify": 1, "violation": 1}
    assert (s["tasks_dispatched"], s["tasks_with_feedback"], s["median_dispatch_to_feedback_s"]) == (2, 1, 3600)
    assert (s["records_incomplete"], s["records_late"]) == (1, 1)


def test_each_figure_drills_down_to_its_records_and_exports(client, auth, dataset):
    boss = auth.login("zd001")
    h = boss.headers
    closed = client.get(f"/api/v1/supervision/stats/on_time_closure_rate?{PERIOD}", headers=h).get_json()["items"]
    assert sorted(r["on_time"] for r in closed) == [False, False, True, True]
    people = client.get(f"/api/v1/supervision/stats/officer_participation_rate?{PERIOD}", headers=h).get_json()["items"]
    assert {r["username"]: r["cases"] for r in people if r["cases"]} == {"zf001": 2, "zf002": 1, "zf003": 1, "zf004": 1}
    csv_resp = client.get(f"/api/v1/supervision/stats/simple_cases?{PERIOD}&format=csv", headers=h)
    assert csv_resp.data.startswith(b"\xef\xbb\xbf") and "text/csv" in csv_resp.content_type  # Excel reads the BOM as UTF-8
    rows = list(csv.DictReader(io.StringIO(csv_resp.data.decode("utf-8-sig"))))
    # for people: Chinese headers, stages in words, money in yuan beside the fen, local times, numbers not ids
    assert len(rows) == 2 and {r["事项编码"] for r in rows} == {"SR-001", "SR-009"}
    assert {r["程序"] for r in rows} == {"简易程序"} and all(r["阶段"] in {"立案", "执行", "结案"} for r in rows)
    fine = next(r for r in rows if r["事项编码"] == "SR-001")
    assert (fine["罚款（元）"], fine["罚款（分）"]) == ("150.00", "15000") and "综执简" in fine["决定书编号"]
    assert fine["立案/作出时间"] == "2026-11-02 10:00:00"  # 02:00 UTC is 10:00 in Shanghai
    assert not any(k in rows[0] for k in ("amount_fen", "ticket_id", "stage"))
    xlsx = client.get(f"/api/v1/supervision/stats/zero_case_matters?{PERIOD}&format=xlsx", headers=h)
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.max_row == 33 and sheet.cell(1, 1).value == "编码"  # header + 32 matters
    inspected = load_workbook(io.BytesIO(client.get(f"/api/v1/supervision/stats/inspections?{PERIOD}&format=xlsx", headers=h).data)).active
    heads = [c.value for c in inspected[1]]
    assert heads[:5] == ["检查时间", "执法人员", "检查对象", "结果", "网格"]
    assert isinstance(inspected.cell(2, 1).value, datetime)  # a real date, not text
    assert {inspected.cell(r, 4).value for r in range(2, 5)} == {"合格", "责令整改", "发现违法"}
    assert all(inspected.cell(r, 2).value and not str(inspected.cell(r, 2).value).isdigit() for r in range(2, 5))  # names
    # an empty table still has its header row
    empty = client.get("/api/v1/supervision/stats/inspections?from=2020-01-01&to=2020-01-02&format=csv", headers=h).data.decode("utf-8-sig")
    assert empty.strip() == "检查时间,执法人员,检查对象,结果,网格,纬度,经度,照片"
    drill = client.get(f"/api/v1/supervision/stats/inspections?{PERIOD}", headers=h).get_json()
    assert drill["columns"][:2] == ["inspected_at", "officer"] and all(r["officer"] for r in drill["items"])
    words = client.get("/api/v1/supervision/dictionary", headers=h).get_json()
    assert words["columns"]["officer"]["zh-CN"] == "执法人员" and words["values"]["rectify"]["zh-CN"] == "责令整改"
    geo = json.loads(client.get(f"/api/v1/supervision/inspections/export?{PERIOD}&format=geojson", headers=h).data)
    assert len(geo["features"]) == 3 and geo["features"][0]["geometry"]["type"] == "Point"
    props = geo["features"][0]["properties"]
    assert props["time"].endswith("+08:00") and props["inspected_at"].endswith("+08:00")  # times with their offset
    assert props["desc"] in {"合格", "责令整改", "发现违法"} and props["officer"]
    import gpxpy
    from lxml import etree

    gpx = gpxpy.parse(client.get(f"/api/v1/supervision/inspections/export?{PERIOD}&format=gpx", headers=h).data.decode())
    assert len(gpx.waypoints) == 3
    kml = etree.fromstring(client.get(f"/api/v1/supervision/inspections/export?{PERIOD}&format=kml", headers=h).data)
    assert len(kml.findall(".//{http://www.opengis.net/kml/2.2}Placemark")) == 3


def test_officers_see_no_figures_and_supervisors_only_their_street(client, auth, dataset):
    assert_error(client.get(f"/api/v1/supervision/stats?{PERIOD}", headers=auth.login("zf001").headers), 403, "auth.role_forbidden")
    other = client.get(f"/api/v1/supervision/stats?{PERIOD}", headers=auth.login("zd101").headers).get_json()
    assert other["simple_cases"] == 0 and other["jurisdiction_id"] == 2
    assert_error(client.get(f"/api/v1/supervision/stats?{PERIOD}&jurisdiction_id=1", headers=auth.login("zd101").headers),
                 403, "auth.other_jurisdiction")
    assert_error(client.get("/api/v1/supervision/stats?from=2026-11-15&to=2026-11-01", headers=auth.login("zd001").headers), 422)


def _walk(app, session, usernames, start: datetime, lon0: float, n: int = 60):
    """A patrol through the demo grids, one fix every 10 s heading east."""
    pid = str(uuid.uuid4())
    with app.app_context():
        lead = _officer(usernames[0])
        patrols.start_patrol(patrol_id=pid, officer=lead, device_id=session.device_id, started_at=start, captured_at=start,
                             officer_ids=[_officer(u).id for u in usernames])
        t0 = int(start.timestamp() * 1000)
        pts = [{"t": t0 + 10000 * i, "lat": 29.9700, "lon": lon0 + 0.0001 * i, "accuracy": 5, "speed": 1.2} for i in range(n)]
        patrols.add_track_points(patrol_id=pid, batch_id=str(uuid.uuid4()), device_id=session.device_id, points=pts, officer=lead)
        patrols.end_patrol(patrol_id=pid, ended_at=start + timedelta(seconds=10 * n), officer=lead)
        db.session.commit()
    return pid


def test_coverage_marks_patrolled_and_uncovered_grids(app, client, auth, demo):
    phone = auth.login("zf001")
    pid = _walk(app, phone, ["zf001", "fz001"], utc("2026-11-10T01:00:00"), 121.615)
    boss = auth.login("zd001")
    fc = client.get("/api/v1/supervision/coverage?from=2026-11-10&to=2026-11-10", headers=boss.headers).get_json()
    n = len(fc["features"])
    assert fc["type"] == "FeatureCollection" and n == 24  # 蛟川's demo grids
    props = {f["properties"]["code"]: f["properties"] for f in fc["features"]}
    visited = [p for p in props.values() if p["last_patrolled_at"]]
    assert visited and all(p["patrol_minutes"] > 0 and not p["uncovered"] for p in visited)
    assert sum(p["patrol_minutes"] for p in visited) == pytest.approx(59 * 10 / 60, abs=0.5)  # 590 s of walking
    assert fc["properties"]["uncovered"] == n - len(visited)
    # a week later, with a 3-day window, the same grids count as uncovered again
    later = client.get("/api/v1/supervision/coverage?from=2026-11-17&to=2026-11-17&uncovered_after_days=3", headers=boss.headers).get_json()
    assert later["properties"]["uncovered"] == n
    assert {f["properties"]["code"] for f in later["features"] if f["properties"]["last_patrolled_at"]} == \
        {code for code, p in props.items() if p["last_patrolled_at"]}  # still named: within the 90-day lookback
    much_later = client.get("/api/v1/supervision/coverage?from=2027-03-01&to=2027-03-01", headers=boss.headers).get_json()
    assert much_later["properties"]["last_patrolled_lookback_days"] == 90
    assert all(f["properties"]["last_patrolled_at"] is None for f in much_later["features"])
    log = client.get("/api/v1/supervision/patrols?from=2026-11-10&to=2026-11-10&officer=fz001", headers=boss.headers).get_json()
    (track,) = log["tracks"]["features"]
    assert track["properties"]["patrol_id"] == pid and track["properties"]["officers"] == ["zf001", "fz001"]
    assert track["properties"]["distance_m"] > 500 and track["geometry"]["type"] == "MultiLineString"
    assert client.get("/api/v1/supervision/patrols?from=2026-11-10&to=2026-11-10&officer=zf003",
                      headers=boss.headers).get_json()["tracks"]["features"] == []
    per = {r["username"]: r for r in client.get("/api/v1/supervision/officers?from=2026-11-10&to=2026-11-10",
                                                headers=boss.headers).get_json()["items"]}
    assert set(per["zf001"]["covered"]) <= set(per["zf001"]["assigned"]) and per["zf003"]["covered"] == []


def test_stats_answer_names_its_period(client, auth, demo):
    body = client.get(f"/api/v1/supervision/stats?{PERIOD}", headers=auth.login("zd001").headers).get_json()
    assert (body["from"], body["to"], body["jurisdiction_id"]) == ("2026-11-01", "2026-11-15", 1)
    assert body["on_time_closure_rate"] is None  # nothing closed: no rate, rather than a made-up 0 or 100 %


def test_patrol_log_serves_the_stored_display_track_at_each_zoom(app, client, auth, demo):
    """The log reads the track stored with the summary; it must equal the track built from
    the raw fixes, coarser zooms must thin it, finer ones go back to the fixes, and a gap
    after poor-accuracy fixes is told apart from a plain stop in reporting."""
    from geo.export import to_geojson

    phone = auth.login("zf001")
    start = utc("2026-11-10T01:00:00")
    pid = str(uuid.uuid4())
    with app.app_context():
        lead = _officer("zf001")
        patrols.start_patrol(patrol_id=pid, officer=lead, device_id=phone.device_id, started_at=start, captured_at=start)
        t0 = int(start.timestamp() * 1000)
        # a zig-zag east (so simplification keeps some vertices), the last three fixes poor,
        # then ten minutes without fixes (lost the sky), then a second stretch, ten minutes
        # without fixes after good ones (screen off), and a third stretch
        pts = [{"t": t0 + 5000 * i, "lat": 29.9700 + (0.00012 if i % 6 < 3 else 0), "lon": 121.615 + 0.00005 * i,
                "accuracy": 80 if 37 <= i < 40 else 5} for i in range(40)]
        t1 = t0 + 5000 * 39 + 600_000
        pts += [{"t": t1 + 5000 * i, "lat": 29.9702, "lon": 121.617 + 0.00005 * i, "accuracy": 5} for i in range(20)]
        t2 = t1 + 5000 * 19 + 600_000
        pts += [{"t": t2 + 5000 * i, "lat": 29.9704, "lon": 121.619 + 0.00005 * i, "accuracy": 5} for i in range(20)]
        patrols.add_track_points(patrol_id=pid, batch_id=str(uuid.uuid4()), device_id=phone.device_id, points=pts, officer=lead)
        db.session.commit()
    boss = auth.login("zd001")

    def log(simplify: float) -> dict:
        resp = client.get(f"/api/v1/supervision/patrols?from=2026-11-10&to=2026-11-10&officer=zf001&simplify={simplify}",
                          headers=boss.headers)
        assert resp.status_code == 200
        (track,) = resp.get_json()["tracks"]["features"]
        return track

    default = log(5)
    with app.app_context():
        patrol = db.session.get(patrols.Patrol, pid)
        assert patrol.display_coordinates is not None and not patrol.summary_stale  # built with the summary
        expected = to_geojson(patrols.track_segments(patrol, 5.0))
    assert default["geometry"]["coordinates"] == expected["geometry"]["coordinates"]
    assert default["properties"]["times"] == expected["properties"]["times"]
    assert len(default["geometry"]["coordinates"]) == 3  # one line per gap-free stretch
    assert [g["kind"] for g in default["properties"]["gaps"]] == ["no_signal", "no_fixes"]

    def vertices(track: dict) -> list:
        return [tuple(c) for line in track["geometry"]["coordinates"] for c in line]

    coarse, fine = log(60), log(0)
    assert len(vertices(coarse)) < len(vertices(default)) < len(vertices(fine))
    assert set(vertices(coarse)) <= set(vertices(default))
    assert len(vertices(fine)) == 77  # all 80 fixes but the 3 poor ones that cleaning drops: none simplified away
    assert all(len(c) == len(t) for c, t in zip(coarse["geometry"]["coordinates"], coarse["properties"]["times"]))


def test_coverage_sees_changed_grids_and_assignments_at_once(app, client, auth, demo):
    """The grid outlines and assignments are cached per process (supervision.service.
    _coverage_grids); a renamed grid or a new assignment must show in the next answer."""
    from sqlalchemy import select

    from backend.catalog.models import Grid, grid_officers

    boss = auth.login("zd001")

    def props() -> dict:
        fc = client.get("/api/v1/supervision/coverage?from=2026-11-10&to=2026-11-10", headers=boss.headers).get_json()
        return {f["properties"]["code"]: f["properties"] for f in fc["features"]}

    before = props()
    code = sorted(before)[0]
    newcomer = "zf003" if "zf003" not in before[code]["officers"] else "fz001"
    with app.app_context():
        grid = db.session.scalar(select(Grid).where(Grid.code == code))
        grid.name = "改名后的网格"
        db.session.execute(grid_officers.insert().values(grid_id=grid.id, officer_id=_officer(newcomer).id))
        db.session.commit()
        db.session.remove()
    after = props()
    assert after[code]["name"] == "改名后的网格" and newcomer in after[code]["officers"]
    assert {c: p for c, p in after.items() if c != code} == {c: p for c, p in before.items() if c != code}


def test_grid_coverage_figures_land_on_their_grids(app, client, auth, demo):
    """`grid_coverage` (the domain function) against figures worked out by hand: the
    minutes walked in each grid come from the fixes' own grid visits, an inspection counts
    in the grid it stands in and only within the period; the GeoJSON text the endpoint
    sends carries the same figures, grid by grid, in code order."""
    from backend.catalog import service as catalog
    from backend.supervision import service as supervision

    N = 150
    phone = auth.login("zf001")
    start = utc("2026-11-10T01:00:00")
    _walk(app, phone, ["zf001"], start, 121.615, n=N)  # N fixes 10 s apart, 11 m each
    with app.app_context():
        lead = _officer("zf001")
        jid = lead.jurisdiction_id
        # where the walk's fixes fall, worked out here from the grid outlines: fix i is at
        # lon0 + 0.0001 i; the seconds between two fixes count for the grid of the first
        cells = [catalog.grid_at(121.615 + 0.0001 * i, 29.97, jid) for i in range(N)]
        seconds: dict[int, float] = {}
        for a, b in zip(cells, cells[1:]):
            if a is not None and a == b:
                seconds[a.id] = seconds.get(a.id, 0) + 10
        first_grid = cells[0]
        assert first_grid is not None
        for k, at in enumerate(("2026-11-10T02:00:00", "2026-11-10T03:00:00", "2026-11-11T03:00:00")):  # the last: next day
            patrols.record_inspection(inspection_id=str(uuid.uuid4()), officer=lead, device_id=phone.device_id,
                                      captured_at=utc(at), inspected_at=utc(at), lat=29.97, lon=121.615, accuracy_m=5,
                                      subject_name=f"店{k}", result="compliant")
        day = date(2026, 11, 10)
        rows = supervision.grid_coverage(jid, day, day, uncovered_after_days=1)
        by_id = {r.grid_id: r for r in rows}
        codes = dict(db.session.execute(db.select(catalog.Grid.id, catalog.Grid.code).where(catalog.Grid.jurisdiction_id == jid)).all())
        assert [codes[r.grid_id] for r in rows] == sorted(codes.values())  # every grid of the street, in code order
        assert by_id[first_grid.id].inspections == 2 and sum(r.inspections for r in rows) == 2
        for gid, expected in seconds.items():  # visits are split at grid borders: ±one fix interval per border
            assert by_id[gid].patrol_minutes == pytest.approx(expected / 60, abs=10 / 60 + 0.05)
            assert by_id[gid].last_patrolled_at is not None and not by_id[gid].uncovered
        untouched = [r for r in rows if r.grid_id not in {c.id for c in cells if c}]
        assert len(seconds) >= 2, seconds
        assert untouched and all(r.patrol_minutes == 0 and r.last_patrolled_at is None and r.uncovered for r in untouched)
        fc = json.loads(supervision.coverage_geojson(jid, day, day, uncovered_after_days=1))
    assert [f["properties"]["id"] for f in fc["features"]] == [r.grid_id for r in rows]
    for f, r in zip(fc["features"], rows):
        p = f["properties"]
        assert f["id"] == p["code"] == codes[r.grid_id] and f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert (p["patrol_minutes"], p["inspections"], p["uncovered"]) == (r.patrol_minutes, r.inspections, r.uncovered)
        assert p["last_patrolled_at"] == (r.last_patrolled_at.isoformat() if r.last_patrolled_at else None)
    assert fc["properties"]["uncovered"] == sum(r.uncovered for r in rows)


def test_patrol_log_filters_by_grid_and_officer(app, client, auth, demo):
    """Two walks in different grids on one day: the log without a filter shows both, a
    grid filter only the walk that crossed it, an officer filter only that officer's, and
    another street's supervisor neither."""
    a = _walk(app, auth.login("zf001"), ["zf001"], utc("2026-11-10T01:00:00"), 121.615)
    b = _walk(app, auth.login("zf002"), ["zf002"], utc("2026-11-10T02:00:00"), 121.640)
    boss = auth.login("zd001")

    def log(query: str) -> dict:
        resp = client.get(f"/api/v1/supervision/patrols?from=2026-11-10&to=2026-11-10{query}", headers=boss.headers)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return {f["properties"]["patrol_id"]: f["properties"] for f in resp.get_json()["tracks"]["features"]}

    both = log("")
    assert set(both) == {a, b} and both[a]["officers"] == ["zf001"] and both[b]["officers"] == ["zf002"]
    only_a = set(both[a]["grids"]) - set(both[b]["grids"])
    assert only_a, (both[a]["grids"], both[b]["grids"])
    assert set(log(f"&grid={sorted(only_a)[0]}")) == {a}
    assert set(log("&officer=zf002")) == {b}
    assert set(log("&officer=zf002&officer=zf001")) == {a, b}
    assert set(log(f"&officer=zf002&grid={sorted(only_a)[0]}")) == set()
    other = client.get("/api/v1/supervision/patrols?from=2026-11-10&to=2026-11-10", headers=auth.login("zd101").headers).get_json()
    assert other["tracks"]["features"] == []


def test_the_consoles_default_day_is_the_local_day_at_any_hour(app, client, at_any_hour, auth, demo):
    """Without dates, figures, coverage and the patrol log are for today in Asia/Shanghai —
    at 00:30 that is not UTC's day — and a patrol walked before local midnight is not today's."""
    phone = auth.login("zf001")
    now = at_any_hour.now()
    today = at_any_hour.today()
    midnight = datetime.combine(today, datetime.min.time(), tzinfo=LOCAL_TZ)
    recent = _walk(app, phone, ["zf001"], max(now - timedelta(minutes=25), midnight + timedelta(minutes=1)), 121.615, n=30)
    before_midnight = _walk(app, phone, ["zf001"], midnight - timedelta(minutes=40), 121.625, n=30)  # ends 35 min before midnight
    boss = auth.login("zd001")
    fc = client.get("/api/v1/supervision/coverage", headers=boss.headers).get_json()
    assert fc["properties"]["from"] == fc["properties"]["to"] == today.isoformat()
    walked = {f["properties"]["code"] for f in fc["features"] if f["properties"]["patrol_minutes"] > 0}
    assert walked and all(not f["properties"]["uncovered"] for f in fc["features"] if f["properties"]["code"] in walked)
    log = client.get("/api/v1/supervision/patrols", headers=boss.headers).get_json()
    assert [t["properties"]["patrol_id"] for t in log["tracks"]["features"]] == [recent]
    yesterday = (today - timedelta(days=1)).isoformat()
    log = client.get(f"/api/v1/supervision/patrols?from={yesterday}&to={yesterday}", headers=boss.headers).get_json()
    assert [t["properties"]["patrol_id"] for t in log["tracks"]["features"]] == [before_midnight]
    stats = client.get("/api/v1/supervision/stats", headers=boss.headers).get_json()
    assert (stats["from"], stats["to"]) == (today.isoformat(), today.isoformat())


def test_the_live_layer_shows_who_is_on_patrol_where_and_since_when(client, auth, demo):
    """在岗: an open patrol's officers at their phone's last fix, its age, the phone's queue and
    battery; an ended patrol and another street are not on it."""
    from backend import clock
    from tests.api.test_sync import iso, points, push, rec

    phone = auth.login("zf001")
    now = clock.now().replace(microsecond=0)
    start = now - timedelta(minutes=10)
    live_id, done_id = str(uuid.uuid4()), str(uuid.uuid4())
    push(client, phone, [
        rec("patrol_start", {"officers": ["zf001", "zf002"], "started_at": iso(start)}, rid=live_id, at=start),
        rec("track_points", {"patrol_id": live_id, "points": points(30, lon=121.615, t=start)}, at=start),
        rec("track_points", {"patrol_id": live_id, "points": points(10, lon=121.620, t=now - timedelta(minutes=2))}, at=now),
        rec("patrol_start", {"officers": ["zf003"], "started_at": iso(start)}, rid=done_id, at=start),
        rec("patrol_end", {"patrol_id": done_id, "ended_at": iso(now)}, at=now),
    ], health={"queue_depth": 3, "battery": 0.42, "storage_persistent": True})
    items = client.get("/api/v1/supervision/live", headers=auth.login("zd001").headers).get_json()["items"]
    assert sorted(r["username"] for r in items) == ["zf001", "zf002"]  # zf003's patrol ended
    me = next(r for r in items if r["username"] == "zf001")
    last = points(10, lon=121.620, t=now - timedelta(minutes=2))[-1]
    assert (round(me["lat"], 6), round(me["lon"], 6)) == (round(last["lat"], 6), round(last["lon"], 6))
    assert 60 <= me["age_s"] <= 200 and me["with"] == ["李娜"] and me["patrol_id"] == live_id
    assert me["queue_depth"] == 3 and me["battery"] == 0.42
    assert client.get("/api/v1/supervision/live", headers=auth.login("zd101").headers).get_json()["items"] == []
    assert_error(client.get("/api/v1/supervision/live", headers=phone.headers), 403, "auth.role_forbidden")
