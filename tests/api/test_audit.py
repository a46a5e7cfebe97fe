"""The hash-chained audit trail: appends, and the verifier catches edits, deletions,
reordering and truncation made directly in the database."""
from __future__ import annotations

from sqlalchemy import select, text

from backend.audit import service as audit
from backend.audit.models import AuditEntry
from backend.extensions import db


def _fill(app, n=5, jurisdiction_id=1):
    with app.app_context():
        for i in range(n):
            audit.record("test.event", "thing", f"t{i}", jurisdiction_id=jurisdiction_id, actor_id=None,
                         details={"i": i, "text": "现场检查"})
        audit.record("test.event", "thing", "district", jurisdiction_id=None)
        db.session.commit()


def _verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_intact_chains_verify(app, runner, demo):
    _fill(app)
    result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "chain 1: intact" in result.output and "chain 0: intact" in result.output


def test_sequence_and_links(app, demo):
    _fill(app, 3)
    with app.app_context():
        rows = db.session.execute(text("SELECT seq, prev_hash, hash FROM audit_entries WHERE chain = 1 ORDER BY id")).all()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == "0" * 64 and rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash


def test_an_edited_row_is_caught(app, runner, demo):
    _fill(app)
    with app.app_context():
        db.session.execute(text("UPDATE audit_entries SET object_id = 'forged' WHERE chain = 1 AND seq = 3"))
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert "chain 1: first broken link at seq 3" in result.output and "edited" in result.output
    assert "chain 0: intact" in result.output


def test_an_edited_detail_is_caught(app, runner, demo):
    _fill(app)
    with app.app_context():
        db.session.execute(text("UPDATE audit_entries SET details = :d WHERE chain = 1 AND seq = 2"), {"d": '{"i": 99}'})
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1 and "seq 2" in result.output


def test_a_deleted_row_is_caught(app, runner, demo):
    _fill(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_entries WHERE chain = 1 AND seq = 2"))
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1 and "first broken link at seq 2" in result.output


def test_reordered_rows_are_caught(app, runner, demo):
    _fill(app)
    with app.app_context():
        # swap the positions of entries 2 and 3 (their ids), leaving each row's content intact
        ids = dict(db.session.execute(text("SELECT seq, id FROM audit_entries WHERE chain = 1 AND seq IN (2, 3)")).all())
        db.session.execute(text("UPDATE audit_entries SET id = 999999 WHERE id = :a"), {"a": ids[2]})
        db.session.execute(text("UPDATE audit_entries SET id = :a WHERE id = :b"), {"a": ids[2], "b": ids[3]})
        db.session.execute(text("UPDATE audit_entries SET id = :b WHERE id = 999999"), {"b": ids[3]})
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1 and "first broken link at seq 2" in result.output


def test_a_truncated_chain_is_caught(app, runner, demo):
    _fill(app)
    with app.app_context():
        db.session.execute(text("DELETE FROM audit_entries WHERE chain = 1 AND seq = 5"))
        db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1 and "truncated" in result.output


def test_recording_a_forged_chain_head_is_caught(app, runner, demo):
    _fill(app)
    with app.app_context():
        db.session.execute(text("UPDATE audit_chains SET last_hash = :h WHERE chain = 1"), {"h": "f" * 64})
        db.session.commit()
    assert _verify(runner).exit_code == 1


def test_logins_failures_logouts_revocations_exports_and_prints_are_recorded(app, client, demo, auth):
    from tests.api.test_tickets import issue, lease

    phone = auth.login("zf001")
    client.post("/api/v1/auth/login", json={"username": "zf001", "password": "wrong-pass1", "device_id": "dev-guess-0001"},
                environ_base={"REMOTE_ADDR": "127.8.0.1"})
    (number,) = lease(client, phone, 1)
    issue(app, phone, number)
    assert client.get(f"/api/v1/tickets/{number}/print?format=html", headers=phone.headers).status_code == 200
    boss = auth.login("zd001")
    lost = auth.login("zf002")
    assert client.post(f"/api/v1/devices/{lost.device_id}/revoke", json={"reason": "手机丢失"}, headers=boss.headers).status_code == 200
    assert client.post("/api/v1/auth/logout", headers=phone.headers).status_code in (200, 204)
    with app.app_context():
        from backend.auth import service

        service.create_officer(username="zf009", name="新队员", role="auxiliary", password="abc12345", jurisdiction_id=1)
        actions = {e.action for e in db.session.scalars(select(AuditEntry))}
    assert {"officer.created", "auth.login", "auth.login_failed", "ticket.printed", "device.revoked", "auth.logout"} <= actions
