"""派遣复查: a rectification order's re-inspection dispatched as a task is remembered — the list
of re-inspections due names the task in hand, a second dispatch is refused naming it, the
task carries the order for the officer to start the re-inspection, and only a rectification
order of the street that still awaits its re-inspection can be dispatched."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy.exc import IntegrityError

from tests.api.test_subjects import AT, visit
from tests.conftest import assert_error

LATER = datetime(2026, 11, 6, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def street(demo, auth, clock_control):
    clock_control.set("2026-11-02T10:30:00+08:00")
    return auth


def dispatch(client, boss, order, assignee="zf003", **over):
    body = {"title": "复查：某某水果店", "description": "整改期限 2026年11月5日", "assignee": assignee, "reinspection_of": order,
            "due_at": "2026-11-06T15:59:00Z", **over}
    return client.post("/api/v1/tasks", json=body, headers=boss.headers)


def due(client, session):
    return {x["id"]: x for x in client.get("/api/v1/reinspections?due_before=2026-12-31", headers=session.headers).get_json()["items"]}


def test_a_dispatched_re_inspection_is_remembered_and_not_dispatched_twice(client, street):
    phone, boss = street.login("zf001"), street.login("zd001")
    order = visit(client, phone, result="rectify", rectify_by="2026-11-05", notes="店外摆放商品占用人行道")
    assert due(client, boss)[order]["task"] is None
    sent = dispatch(client, boss, order)
    assert sent.status_code == 201, sent.get_json()
    task = sent.get_json()
    assert task["reinspection_of"] == order and task["reinspection"]["subject"]["name"] == "某某水果店"
    # after a reload the console's list says who holds it, and its state
    held = due(client, boss)[order]["task"]
    assert held["id"] == task["id"] and held["assignee_name"] == "王磊" and held["status"] == "dispatched"
    assert held["due_at"].startswith("2026-11-06T15:59")
    again = assert_error(dispatch(client, boss, order, assignee="zf002"), 409, "task.reinspection_dispatched")
    assert again["details"]["task_id"] == task["id"] and again["details"]["assignee_name"] == "王磊"
    assert "王磊" in again["message"]["zh-CN"]
    # the officer it went to neither made the order nor holds its grid: the task brings it
    worker = street.login("zf003")
    assert order in due(client, worker)
    mine = client.get("/api/v1/tasks?mine=true", headers=worker.headers).get_json()["items"]
    [carried] = [x for x in mine if x["id"] == task["id"]]
    assert carried["reinspection"]["id"] == order and carried["reinspection"]["rectify_deadline"] == "2026-11-05"
    assert carried["reinspection"]["notes"] == "店外摆放商品占用人行道"


def test_the_re_inspection_arrives_and_the_task_closes_as_usual(client, street, clock_control):
    phone, boss = street.login("zf001"), street.login("zd001")
    order = visit(client, phone, result="rectify", rectify_by="2026-11-05")
    task = dispatch(client, boss, order).get_json()
    clock_control.set("2026-11-06T11:00:00+08:00")
    worker, boss = street.login("zf003"), street.login("zd001")
    visit(client, worker, result="compliant", at=LATER, follow_up_of=order)
    assert order not in due(client, boss)
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=worker.headers).get_json()["reinspection"] is None
    assert client.get(f"/api/v1/tasks/{task['id']}", headers=worker.headers).get_json()["status"] == "dispatched"  # not closed by itself
    done = client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "done", "note": "已复查，已整改"}, headers=worker.headers)
    assert done.status_code == 200
    assert client.post(f"/api/v1/tasks/{task['id']}/review", json={"status": "closed"}, headers=boss.headers).get_json()["status"] == "closed"
    assert_error(dispatch(client, boss, order), 409, "task.already_reinspected")


def test_a_closed_task_frees_the_order_and_a_fed_back_one_still_holds_it(client, street):
    phone, boss = street.login("zf001"), street.login("zd001")
    order = visit(client, phone, result="rectify", rectify_by="2026-11-05")
    task = dispatch(client, boss, order).get_json()
    worker = street.login("zf003")
    client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "done", "note": "店铺关门，未能复查"}, headers=worker.headers)
    assert due(client, boss)[order]["task"]["status"] == "done"  # fed back, not yet accepted: still held
    assert_error(dispatch(client, boss, order), 409, "task.reinspection_dispatched")
    client.post(f"/api/v1/tasks/{task['id']}/review", json={"status": "closed"}, headers=boss.headers)
    assert due(client, boss)[order]["task"] is None
    again = dispatch(client, boss, order, assignee="zf001")
    assert again.status_code == 201, again.get_json()
    assert due(client, boss)[order]["task"]["assignee_name"] == "张伟"


def test_only_a_rectification_order_of_the_street_awaiting_its_re_inspection_is_dispatched(client, street):
    phone, boss = street.login("zf001"), street.login("zd001")
    plain = visit(client, phone, result="compliant")
    assert_error(dispatch(client, boss, plain), 422, "task.bad_reinspection_of")
    assert_error(dispatch(client, boss, "no-such-inspection"), 422, "task.bad_reinspection_of")
    order = visit(client, phone, result="rectify", rectify_by="2026-11-05", at=AT)
    other = street.login("zd101")  # 招宝山街道's squad leader: another street's order
    assert_error(dispatch(client, other, order, assignee="zf101"), 422, "task.bad_reinspection_of")
    assert due(client, boss)[order]["task"] is None  # nothing was made by the refusals


def test_the_database_holds_one_open_task_per_order(app, client, street):
    """Two dispatches at the same instant: the partial unique index refuses the second."""
    from backend.auth.models import Officer
    from backend.extensions import db
    from backend.tasks.models import Task

    phone, boss = street.login("zf001"), street.login("zd001")
    order = visit(client, phone, result="rectify", rectify_by="2026-11-05")
    first = dispatch(client, boss, order).get_json()
    with app.app_context():
        zf = db.session.query(Officer).filter_by(username="zf001").one()
        held = db.session.get(Task, first["id"])
        db.session.add(Task(jurisdiction_id=held.jurisdiction_id, title="复查", dispatcher_id=held.dispatcher_id, assignee_id=zf.id,
                            reinspection_of=order))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        held = db.session.get(Task, first["id"])
        held.status = "closed"
        db.session.add(Task(jurisdiction_id=held.jurisdiction_id, title="复查", dispatcher_id=held.dispatcher_id, assignee_id=zf.id,
                            reinspection_of=order))
        db.session.flush()  # a closed task holds nothing
        db.session.rollback()
