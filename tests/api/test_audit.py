"""The hash-chained audit trail: appends, and the verifier catches edits, deletions,
reordering and truncation made directly in the database."""
from __future__ import annotations

from sqlalchemy import text

from backend.audit import service as audit
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
