"""The residents' reports in the supervisor's figures (发现 → 交办 → 处置 → 反馈 → 考核 → 评价):
received, 响应率, 办结率, 满意率, and the reports handed to each officer, against a data set
whose answers are worked out by hand below (period 2026-11-01 … 2026-11-15, 蛟川街道)."""
from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from openpyxl import load_workbook

from backend.auth.models import Officer
from backend.cases.models import Case
from backend.complaints import service as complaints
from backend.complaints.models import Complaint
from backend.extensions import db
from backend.tasks.models import Task
from tests.conftest import assert_error

PERIOD = "from=2026-11-01&to=2026-11-15"
NOW = "2026-11-16T12:00:00+08:00"  # the day after the period, at noon


def utc(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=timezone.utc)


def _officer(username: str) -> Officer:
    return db.session.query(Officer).filter_by(username=username).one()


def _complaint(code: str, received: str, *, jurisdiction_id: int, triaged_after_h: float | None = None, status: str = "received",
               **over) -> Complaint:
    at = utc(received)
    c = Complaint(jurisdiction_id=jurisdiction_id, code=code, channel=over.pop("channel", "web"), description=f"举报{code}：占道经营",
                  address="俞范东路8号", reporter_phone="13800001234", received_at=at, status=status,
                  triaged_at=at + timedelta(hours=triaged_after_h) if triaged_after_h is not None else None, **over)
    db.session.add(c)
    db.session.flush()
    return c


def _task(c: Complaint, assignee: str, status: str) -> Task:
    t = Task(jurisdiction_id=c.jurisdiction_id, title=f"群众举报：{c.code}", dispatcher_id=_officer("zd001").id,
             assignee_id=_officer(assignee).id, status=status, dispatched_at=c.triaged_at,
             feedback_at=c.triaged_at + timedelta(hours=2) if status in ("done", "closed") else None)
    db.session.add(t)
    db.session.flush()
    c.task_id, c.status = t.id, "dispatched"
    return t


def _case(c: Complaint, stage: str) -> Case:
    case = Case(jurisdiction_id=c.jurisdiction_id, procedure="general", stage=stage, party_name="某烧烤店", matter_code="HJ-003",
                opened_at=c.triaged_at, opened_by_id=_officer("zd001").id,
                closed_at=c.triaged_at + timedelta(days=3) if stage == "closed" else None)
    db.session.add(case)
    db.session.flush()
    c.case_id, c.status = case.id, "case"
    return case


@pytest.fixture
def dataset(app, demo, clock_control):
    """The reports, and why each counts (or not); the response time is 24 h, now is 11-16 12:00.

    蛟川 (times local, Asia/Shanghai):
      K1  11-01 00:00:00  triaged after exactly 24 h → task zf001, done     ★5   on time, resolved, satisfied
      K2  11-03 10:00     triaged after 30 h         → task zf002, handling       late
      K3  11-05 10:00     triaged after 1 h          → case, closed        ★3   on time, resolved, not satisfied
      K4  11-06 10:00     triaged after 5 h          → rejected (reason)   ★4   on time, resolved, satisfied
      K5  11-07 10:00     triaged after 3 h          → merged into X1 (resolved)  on time, resolved through X1
      K6  11-08 10:00     never triaged (its 24 h are up)                         late
      K7  11-15 23:59:59  triaged after 10 h (11-16) → task zf001, closed  ★2   on time, resolved, not satisfied;
                          its task was dispatched on 11-16: not handed over in the period
      K8  11-09 10:00     triaged after 10 h         → case, investigating        on time
      K9  11-15 20:00     not triaged, 16 h old: not due yet                      outside the response rate
      X1  10-31 23:59:59  (received before the period; triaged 11-01 00:59:59) → task zf001, done ★5:
                          not in the period's reports, but its task was handed over in the period
      X2  11-16 00:00:00  (after the period)                                      counts nowhere
    the other street (镇海 …):
      Y1  11-05 10:00     triaged after 1 h → rejected                     ★1   only in its own street's figures

    received 9 (K1–K9); response due 8 (K9 is not), on time 6 (K1 K3 K4 K5 K7 K8) → 75%（6/8）
    resolved 5 (K1 K3 K4 K5 K7) → 5/9; rated 4 (5, 3, 4, 2), satisfied 2 → 50%, average 3.5
    tasks from reports dispatched in the period: X1, K1 (zf001, done), K2 (zf002, handling) → 3, finished 2
    """
    clock_control.set(NOW)
    with app.app_context():
        street = _officer("zd001").jurisdiction_id
        other = _officer("zd101").jurisdiction_id
        s = {"jurisdiction_id": street}
        x1 = _complaint("JBX1", "2026-10-31T15:59:59", triaged_after_h=1, rating=5, **s)
        _task(x1, "zf001", "done")
        k1 = _complaint("JBK1", "2026-10-31T16:00:00", triaged_after_h=24, rating=5, **s)
        _task(k1, "zf001", "done")
        k2 = _complaint("JBK2", "2026-11-03T02:00:00", triaged_after_h=30, channel="hotline", **s)
        _task(k2, "zf002", "in_progress")
        k3 = _complaint("JBK3", "2026-11-05T02:00:00", triaged_after_h=1, rating=3, **s)
        _case(k3, "closed")
        _complaint("JBK4", "2026-11-06T02:00:00", triaged_after_h=5, status="rejected", reject_reason="不属于本队职责，已转住建部门", rating=4, **s)
        _complaint("JBK5", "2026-11-07T02:00:00", triaged_after_h=3, status="merged", merged_into_id=x1.id, **s)
        _complaint("JBK6", "2026-11-08T02:00:00", **s)
        k7 = _complaint("JBK7", "2026-11-15T15:59:59", triaged_after_h=10, rating=2, **s)
        _task(k7, "zf001", "closed")
        k8 = _complaint("JBK8", "2026-11-09T02:00:00", triaged_after_h=10, channel="department", department="区住建局", **s)
        _case(k8, "investigating")
        _complaint("JBK9", "2026-11-15T12:00:00", **s)
        _complaint("JBX2", "2026-11-15T16:00:00", **s)
        _complaint("JBY1", "2026-11-05T02:00:00", triaged_after_h=1, status="rejected", reject_reason="不属于本街道", rating=1,
                   jurisdiction_id=other)
        db.session.commit()
    return {"street": street, "other": other}


def _stats(client, session, query=PERIOD):
    resp = client.get(f"/api/v1/supervision/stats?{query}", headers=session.headers)
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()


def test_the_complaint_figures_match_the_hand_worked_answers(client, auth, dataset):
    s = _stats(client, auth.login("zd001"))
    assert s["complaint_response_hours"] == 24
    assert s["complaints_received"] == 9
    assert (s["complaints_responded_on_time"], s["complaints_response_due"], s["complaint_response_rate"]) == (6, 8, 0.75)
    assert (s["complaints_resolved"], s["complaint_resolution_rate"]) == (5, round(5 / 9, 4))
    assert (s["complaints_satisfied"], s["complaints_rated"], s["complaint_satisfaction_rate"]) == (2, 4, 0.5)
    assert s["complaint_rating_average"] == 3.5
    assert (s["complaint_tasks"], s["complaint_tasks_finished"]) == (3, 2)


def test_resolved_in_the_figures_is_what_the_resident_is_told(app, client, auth, dataset):
    """办结 on the console and 已处理 on the resident's page are one rule."""
    rows = client.get(f"/api/v1/supervision/stats/complaints_received?{PERIOD}", headers=auth.login("zd001").headers).get_json()["items"]
    with app.app_context():
        for r in rows:
            assert r["resolved"] == complaints.outcome(db.session.get(Complaint, r["id"]))["resolved"], r["complaint_code"]
    assert {r["complaint_code"] for r in rows if r["resolved"]} == {"JBK1", "JBK3", "JBK4", "JBK5", "JBK7"}


def test_each_complaint_figure_drills_down_to_the_reports_it_counts(client, auth, dataset):
    h = auth.login("zd001").headers

    def items(figure):
        answer = client.get(f"/api/v1/supervision/stats/{figure}?{PERIOD}", headers=h).get_json()
        return answer["columns"], {r["complaint_code"]: r for r in answer["items"]}

    columns, received = items("complaints_received")
    assert set(received) == {f"JBK{i}" for i in range(1, 10)}
    assert columns[:3] == ["complaint_code", "complaint_channel", "complaint_received_at"]
    assert received["JBK1"]["response_hours"] == 24.0 and received["JBK1"]["responded_on_time"] is True
    assert received["JBK2"]["assignee"] and received["JBK2"]["responded_on_time"] is False
    assert received["JBK9"]["responded_on_time"] is None  # not due yet
    _, due = items("complaint_response_rate")
    assert set(due) == set(received) - {"JBK9"} and sum(r["responded_on_time"] for r in due.values()) == 6
    _, resolution = items("complaint_resolution_rate")
    assert len(resolution) == 9 and sum(r["resolved"] for r in resolution.values()) == 5
    _, rated = items("complaint_satisfaction_rate")
    assert {k: (r["rating"], r["satisfied"]) for k, r in rated.items()} == {
        "JBK1": (5, True), "JBK3": (3, False), "JBK4": (4, True), "JBK7": (2, False)}
    _, tasks = items("complaint_tasks")
    assert {k: (r["assignee"], r["finished"]) for k, r in tasks.items()} == {"JBX1": ("张伟", True), "JBK1": ("张伟", True),
                                                                          "JBK2": ("李娜", False)}
    # the files speak Chinese like the other figures
    sheet = client.get(f"/api/v1/supervision/stats/complaint_response_rate?{PERIOD}&format=csv", headers=h)
    rows = list(csv.DictReader(io.StringIO(sheet.data.decode("utf-8-sig"))))
    assert len(rows) == 8 and {r["按时响应"] for r in rows} == {"是", "否"}
    k2 = next(r for r in rows if r["查询码"] == "JBK2")
    assert (k2["来源"], k2["分办结果"], k2["响应用时（小时）"], k2["受理时间"]) == ("12345热线", "已派遣", "30.0", "2026-11-03 10:00:00")
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/supervision/stats/complaint_tasks?{PERIOD}&format=xlsx", headers=h).data)).active
    assert [c.value for c in book[1]][:4] == ["编号", "任务", "查询码", "状态"] and book.max_row == 4
    words = client.get("/api/v1/supervision/dictionary", headers=h).get_json()
    assert words["columns"]["responded_on_time"]["zh-CN"] == "按时响应" and words["values"]["rejected"]["zh-CN"] == "不予受理"


def test_each_officer_sees_the_reports_handed_to_them_and_finished(client, auth, dataset):
    h = auth.login("zd001").headers
    per = {r["username"]: r for r in client.get(f"/api/v1/supervision/officers?{PERIOD}", headers=h).get_json()["items"]}
    assert (per["zf001"]["complaint_tasks"], per["zf001"]["complaint_tasks_finished"], per["zf001"]["complaint_finish_rate"]) == (2, 2, 1.0)
    assert (per["zf002"]["complaint_tasks"], per["zf002"]["complaint_tasks_finished"]) == (1, 0)
    assert per["zf003"]["complaint_tasks"] == 0 and per["zf003"]["complaint_finish_rate"] is None
    # K7's task was handed over on 11-16: the next day's figures have it
    nextday = {r["username"]: r for r in client.get("/api/v1/supervision/officers?from=2026-11-16&to=2026-11-16",
                                                    headers=h).get_json()["items"]}
    assert (nextday["zf001"]["complaint_tasks"], nextday["zf001"]["complaint_tasks_finished"]) == (1, 1)
    book = load_workbook(io.BytesIO(client.get(f"/api/v1/supervision/officers?{PERIOD}&format=xlsx", headers=h).data)).active
    assert {"交办举报", "办结举报"} <= {c.value for c in book[1]}


@pytest.mark.parametrize("period, codes", [
    ("from=2026-11-01&to=2026-11-01", {"JBK1"}),  # 00:00:00 local is in; X1 at 23:59:59 the night before is not
    ("from=2026-10-31&to=2026-10-31", {"JBX1"}),
    ("from=2026-11-15&to=2026-11-15", {"JBK7", "JBK9"}),  # 23:59:59 local is still the 15th; X2 at 00:00 the 16th is not
    ("from=2026-11-16&to=2026-11-16", {"JBX2"}),
])
def test_the_period_is_local_days_in_shanghai(client, auth, dataset, period, codes):
    h = auth.login("zd001").headers
    rows = client.get(f"/api/v1/supervision/stats/complaints_received?{period}", headers=h).get_json()["items"]
    assert {r["complaint_code"] for r in rows} == codes
    assert _stats(client, auth.login("zd001"), period)["complaints_received"] == len(codes)


def test_the_response_time_is_configuration(app, client, auth, dataset, monkeypatch):
    monkeypatch.setitem(app.config, "COMPLAINT_RESPONSE_HOURS", 48)
    s = _stats(client, auth.login("zd001"))
    # K2 (30 h) is in time now; K6 is still late; K9 (16 h old) is still not due
    assert s["complaint_response_hours"] == 48
    assert (s["complaints_responded_on_time"], s["complaints_response_due"]) == (7, 8)


def test_another_streets_reports_count_only_there_and_stay_hidden(client, auth, dataset):
    zd001, zd101 = auth.login("zd001"), auth.login("zd101")
    rows = client.get(f"/api/v1/supervision/stats/complaints_received?{PERIOD}", headers=zd001.headers).get_json()["items"]
    assert "JBY1" not in {r["complaint_code"] for r in rows}
    theirs = _stats(client, zd101)
    assert theirs["jurisdiction_id"] == dataset["other"]
    assert (theirs["complaints_received"], theirs["complaints_resolved"], theirs["complaint_rating_average"]) == (1, 1, 1.0)
    assert theirs["complaint_satisfaction_rate"] == 0.0 and theirs["complaint_tasks"] == 0
    assert_error(client.get(f"/api/v1/supervision/stats?{PERIOD}&jurisdiction_id={dataset['street']}", headers=zd101.headers),
                 403, "auth.other_jurisdiction")
    assert_error(client.get(f"/api/v1/supervision/stats/complaints_received?{PERIOD}&jurisdiction_id={dataset['street']}",
                            headers=zd101.headers), 403, "auth.other_jurisdiction")
    assert_error(client.get(f"/api/v1/supervision/stats/complaint_tasks?{PERIOD}", headers=auth.login("zf001").headers),
                 403, "auth.role_forbidden")


def test_a_day_without_reports_has_no_rates(client, auth, dataset):
    s = _stats(client, auth.login("zd001"), "from=2026-10-01&to=2026-10-01")
    assert s["complaints_received"] == 0
    assert (s["complaint_response_rate"], s["complaint_resolution_rate"], s["complaint_satisfaction_rate"],
            s["complaint_rating_average"]) == (None, None, None, None)
