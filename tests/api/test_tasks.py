"""Tasks: dispatch, field updates (online and as `task_update` sync records), review."""
from __future__ import annotations

import uuid

from backend import clock
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
    now = clock.now().isoformat()
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
        {"id": str(uuid.uuid4()), "kind": "task_update", "captured_at": clock.now().isoformat(),
         "payload": {"task_id": 999999, "status": "done"}}]}, headers=officer.headers).get_json()["results"][0]
    assert r["status"] == "rejected" and r["code"] == "task.not_found"


def test_assigned_tasks_reach_the_phone_through_the_change_feed(client, demo, auth):
    boss, officer = auth.login("zd001"), auth.login("zf001")
    cursor = client.get("/api/v1/sync/changes?limit=1000", headers=officer.headers).get_json()["cursor"]
    task = dispatch(client, boss)
    fresh = client.get(f"/api/v1/sync/changes?since={cursor}", headers=officer.headers).get_json()["items"]
    assert [(i["kind"], i["id"]) for i in fresh] == [("task", str(task["id"]))]


def _grid_officers(app) -> dict[str, list[str]]:
    """Grid code → its officers (分包) in 蛟川, from the database."""
    from sqlalchemy import select

    from backend.auth.models import Officer
    from backend.catalog.models import Grid, grid_officers
    from backend.extensions import db

    with app.app_context():
        rows = db.session.execute(select(Grid.code, Officer.username).join(grid_officers, grid_officers.c.grid_id == Grid.id)
                                  .join(Officer, Officer.id == grid_officers.c.officer_id)
                                  .where(Grid.code.like("JC-%"), Officer.role.in_(("officer", "auxiliary")))).all()
    out: dict[str, list[str]] = {}
    for code, username in rows:
        out.setdefault(code, []).append(username)
    return out


def test_a_task_dispatched_to_a_grid_goes_to_its_least_busy_officer(app, client, demo, auth):
    boss = auth.login("zd001")
    staffed = _grid_officers(app)
    code, names = next((c, sorted(n)) for c, n in sorted(staffed.items()) if len(n) >= 2)
    first = dispatch(client, boss, assignee=None, grid=code, lat=None, lon=None)
    users = {u["id"]: u["username"] for u in client.get("/api/v1/team", headers=boss.headers).get_json()["items"]}
    # nobody has an open task yet: the tie goes by username
    assert users[first["assignee_id"]] == names[0] and first["via_grid"] and first["grid_code"] == code
    second = dispatch(client, boss, assignee=None, grid=code, lat=None, lon=None)
    assert users[second["assignee_id"]] != names[0] and users[second["assignee_id"]] in names  # the first one is busier now
    # a point dispatched to an officer still names the grid it falls in, but not "via grid"
    direct = dispatch(client, boss)
    assert direct["via_grid"] is False and direct["grid_code"]
    from sqlalchemy import delete, select

    from backend.catalog.models import Grid, grid_officers
    from backend.extensions import db

    unstaffed = sorted(staffed)[-1]
    with app.app_context():  # its officers are moved elsewhere
        gid = db.session.scalar(select(Grid.id).where(Grid.code == unstaffed))
        db.session.execute(delete(grid_officers).where(grid_officers.c.grid_id == gid))
        db.session.commit()
    assert_error(client.post("/api/v1/tasks", json={"title": "x", "grid": unstaffed}, headers=boss.headers), 422, "task.grid_without_officer")
    other_street = next(g["properties"]["code"] for g in client.get("/api/v1/grids", headers=auth.login("zd101").headers).get_json()["features"])
    assert_error(client.post("/api/v1/tasks", json={"title": "x", "grid": other_street}, headers=boss.headers), 422, "task.unknown_grid")
    for body in ({"title": "x"}, {"title": "x", "assignee": "zf001", "grid": code}, {"title": "x", "assignee": "zf001", "lat": 29.9}):
        assert_error(client.post("/api/v1/tasks", json=body, headers=boss.headers), 422, "validation_error")


def test_a_task_has_an_address_and_the_dispatchers_photos_which_its_officer_may_see(app, client, demo, auth):
    import hashlib

    from tests import images

    boss, officer = auth.login("zd001"), auth.login("zf001")
    data = images.jpeg_without_exif(120, 90)
    digest = hashlib.sha256(data).hexdigest()
    missing = hashlib.sha256(b"never uploaded").hexdigest()
    resp = client.post("/api/v1/tasks", json={"title": "x", "assignee": "zf001", "photos": [missing]}, headers=boss.headers)
    assert_error(resp, 422, "task.photo_missing")
    assert resp.get_json()["details"]["missing"] == [missing]
    assert client.put(f"/api/v1/media/{digest}", data=data, headers=boss.headers).status_code == 201
    # before the task cites it, the photo is the supervisor's alone
    assert_error(client.get(f"/api/v1/media/{digest}/thumb", headers=officer.headers), 403, "media.forbidden")
    task = dispatch(client, boss, lat=None, lon=None, address="蛟川街道骆驼桥菜场东门", photos=[digest, digest])
    assert task["address"] == "蛟川街道骆驼桥菜场东门" and task["photos"] == [digest] and task["grid_id"] is None
    (mine,) = client.get("/api/v1/tasks?mine=true", headers=officer.headers).get_json()["items"]
    assert mine["address"] == task["address"] and mine["photos"] == [digest]
    assert client.get(f"/api/v1/media/{digest}/thumb", headers=officer.headers).status_code == 200
    assert_error(client.get(f"/api/v1/media/{digest}/thumb", headers=auth.login("zf101").headers), 403, "media.forbidden")
    # the officer's feedback photo, sent with the task update, is the supervisor's to see
    feedback = images.jpeg_without_exif(100, 80)
    fdigest = hashlib.sha256(feedback).hexdigest()
    rec = {"id": str(uuid.uuid4()), "kind": "task_update", "captured_at": clock.now().isoformat(),
           "payload": {"task_id": task["id"], "status": "done", "note": "已处理", "photos": [fdigest]}}
    assert client.post("/api/v1/sync", json={"device_id": officer.device_id, "records": [rec]},
                       headers=officer.headers).get_json()["results"][0]["status"] == "incomplete"  # its photo follows
    assert client.put(f"/api/v1/media/{fdigest}", data=feedback, headers=officer.headers).status_code == 201
    assert client.get(f"/api/v1/media/{fdigest}/thumb", headers=boss.headers).status_code == 200
    custody = client.get(f"/api/v1/media/{fdigest}/custody", headers=boss.headers).get_json()
    captured = [e for e in custody["items"] if e["action"] == "media.captured"]
    assert [(e["details"]["record_kind"], e["details"]["record_id"]) for e in captured] == [("task", str(task["id"]))]


def test_the_task_list_costs_the_same_statements_for_one_task_or_many(app, client, demo, auth):
    """Events and grid are loaded for the whole page (a list of 200 tasks must not run 400
    extra queries)."""
    from sqlalchemy import event

    from backend.extensions import db

    boss = auth.login("zd001")

    def statements() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get("/api/v1/tasks?limit=200", headers=boss.headers).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    dispatch(client, boss)
    one = statements()
    for _ in range(5):
        dispatch(client, boss, assignee="zf002")
    assert statements() == one
