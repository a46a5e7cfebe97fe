"""Tasks: dispatch, field updates (online and as `task_update` sync records), review."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

from tests.conftest import assert_error


def dispatch(client, boss, **over):
    body = {"title": "核查占道经营投诉", "description": "群众反映某路口有流动摊贩", "assignee": "zf001", "lat": 29.97, "lon": 121.62}
    body.update(over)
    resp = client.post("/api/v1/tasks", json=body, headers=boss.headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def test_closed_loop_dispatch_handle_feedback_close(client, demo, auth):
    boss, officer = auth.login("zd001"), auth.login("zf001")
    task = dispatch(client, boss)
    assert task["status"] == "dispatched" and task["grid_id"]
    mine = client.get("/api/v1/tasks", headers=officer.headers).get_json()["items"]
    assert [t["id"] for t in mine] == [task["id"]]
    now = datetime.now(timezone.utc).isoformat()
    rec = {"id": str(uuid.uuid4()), "kind": "task_update", "captured_at": now,
           "payload": {"task_id": task["id"], "status": "done", "note": "已劝离，现场恢复", "photos": []}}
    body = {"device_id": officer.device_id, "records": [rec]}
    result = client.post("/api/v1/sync", json=body, headers=officer.headers).get_json()["results"][0]
    assert result["status"] == "created" and result["ref"] == str(task["id"])
    again = client.post("/api/v1/sync", json=body, headers=officer.headers).get_json()["results"][0]
    assert again["status"] == "duplicate"
    fed_back = client.get(f"/api/v1/tasks/{task['id']}", headers=boss.headers).get_json()
    assert fed_back["status"] == "done" and fed_back["dispatch_to_feedback_s"] >= 0
    assert len(fed_back["events"]) == 2  # the resend added nothing
    closed = client.post(f"/api/v1/tasks/{task['id']}/review", json={"status": "closed", "note": "核实完毕"}, headers=boss.headers)
    assert closed.get_json()["status"] == "closed" and closed.get_json()["closed_at"]


def test_task_rules(client, demo, auth):
    boss, officer, colleague = auth.login("zd001"), auth.login("zf001"), auth.login("zf002")
    task = dispatch(client, boss)
    assert_error(client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "done"}, headers=colleague.headers), 403, "task.not_yours")
    assert_error(client.post(f"/api/v1/tasks/{task['id']}/review", json={"status": "closed"}, headers=boss.headers), 422, "task.bad_transition")
    assert client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "in_progress"}, headers=officer.headers).status_code == 200
    assert_error(client.post(f"/api/v1/tasks/{task['id']}/status", json={"status": "closed"}, headers=officer.headers), 422, "task.bad_transition")
    assert_error(client.post("/api/v1/tasks", json={"title": "x", "assignee": "zf101"}, headers=boss.headers), 422, "task.unknown_assignee")
    assert_error(client.get(f"/api/v1/tasks/{task['id']}", headers=auth.login("zd101").headers), 403, "auth.other_jurisdiction")
    r = client.post("/api/v1/sync", json={"device_id": officer.device_id, "records": [
        {"id": str(uuid.uuid4()), "kind": "task_update", "captured_at": datetime.now(timezone.utc).isoformat(),
         "payload": {"task_id": 999999, "status": "done"}}]}, headers=officer.headers).get_json()["results"][0]
    assert r["status"] == "rejected" and r["code"] == "task.not_found"


def test_assigned_tasks_reach_the_phone_through_the_change_feed(client, demo, auth):
    boss, officer = auth.login("zd001"), auth.login("zf001")
    cursor = client.get("/api/v1/sync/changes?limit=1000", headers=officer.headers).get_json()["cursor"]
    task = dispatch(client, boss)
    fresh = client.get(f"/api/v1/sync/changes?since={cursor}", headers=officer.headers).get_json()["items"]
    assert [(i["kind"], i["id"]) for i in fresh] == [("task", str(task["id"]))]
