"""A phone's minute is one record (its fixes) in a sync request. The batch's first record
needs no SAVEPOINT: nothing else is in the transaction yet, so rolling it back undoes
exactly that record's work — and a refused first record leaves nothing of it behind."""
from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import func, select

from backend.errors import invalid
from backend.extensions import db
from backend.patrols import service as patrols
from backend.patrols.models import Patrol, PatrolFixBatch
from backend.sync.models import SyncRecord
from tests.api.test_change_feed_statements import Statements
from tests.api.test_sync import T0, iso, phone, points, push, rec  # noqa: F401  (fixture)


def _stored(app, patrol_id: str) -> tuple[int, int]:
    with app.app_context():
        batches = db.session.scalar(select(func.count()).select_from(PatrolFixBatch).where(PatrolFixBatch.patrol_id == patrol_id))
        fixes = db.session.scalar(select(Patrol.fix_count).where(Patrol.id == patrol_id))
    return batches, fixes


def test_a_minute_of_fixes_needs_no_savepoint_and_a_refused_first_record_leaves_nothing(app, client, phone, monkeypatch):  # noqa: F811
    patrol_id = str(uuid.uuid4())
    assert push(client, phone, [rec("patrol_start", {"started_at": iso(T0)}, rid=patrol_id)])[0]["status"] == "created"

    with Statements(app) as statements:
        assert push(client, phone, [rec("track_points", {"patrol_id": patrol_id, "points": points(12)})])[0]["status"] == "created"
    assert not [s for s in statements.seen if "SAVEPOINT" in s.upper()], statements.seen
    assert _stored(app, patrol_id) == (1, 12)

    # the fixes stored, then the record refused: the whole transaction is rolled back, the
    # refusal alone is written (the ledger keeps it, the phone may send the record again)
    real = patrols.add_track_points

    def stored_then_refused(**kw):
        real(**kw)
        raise invalid("track.test_refusal", "测试拒收", "Refused after storing, for the test")

    monkeypatch.setattr(patrols, "add_track_points", stored_then_refused)
    refused = rec("track_points", {"patrol_id": patrol_id, "points": points(12, t=T0 + timedelta(minutes=1))})
    later = rec("track_points", {"patrol_id": patrol_id, "points": points(12, t=T0 + timedelta(minutes=2))})
    with Statements(app) as statements:
        results = push(client, phone, [refused])
    assert [(r["status"], r.get("code")) for r in results] == [("rejected", "track.test_refusal")]
    assert not [s for s in statements.seen if "SAVEPOINT" in s.upper()]
    assert _stored(app, patrol_id) == (1, 12)
    with app.app_context():
        assert db.session.get(SyncRecord, refused["id"]).status == "rejected"

    # a refused first record, then one that is accepted: the second has its savepoint, and
    # only the first's work is undone
    calls = []

    def first_refused(**kw):
        calls.append(kw["batch_id"])
        out = real(**kw)
        if kw["batch_id"] == refused["id"]:
            raise invalid("track.test_refusal", "测试拒收", "Refused after storing, for the test")
        return out

    monkeypatch.setattr(patrols, "add_track_points", first_refused)
    results = push(client, phone, [refused, later])
    assert [r["status"] for r in results] == ["rejected", "created"]
    assert calls == [refused["id"], later["id"]]
    assert _stored(app, patrol_id) == (2, 24)
