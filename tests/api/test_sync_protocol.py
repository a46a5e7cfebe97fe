"""The sync protocol as a state machine (Hypothesis): any interleaving of sends,
resends, lost responses, reordered batches and server restarts ends with every record
stored exactly once, and every retry answered with the first answer."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test
from sqlalchemy import func, select

from backend import create_app
from backend.extensions import db
from tests.conftest import AuthActions, _truncate_all

T0 = datetime(2026, 11, 20, 1, 0, tzinfo=timezone.utc)
SETTINGS = settings(max_examples=12, stateful_step_count=12, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def make_outbox() -> list[dict]:
    """What a phone recorded offline: a patrol with three batches and an end, three inspections."""
    pid = str(uuid.uuid4())
    ms = int(T0.timestamp() * 1000)
    out = [{"id": pid, "kind": "patrol_start", "captured_at": T0.isoformat(), "payload": {"officers": ["zf001"], "started_at": T0.isoformat()}}]
    for b in range(3):
        pts = [{"t": ms + (b * 20 + i) * 5000, "lat": 29.97, "lon": 121.615 + 0.00006 * (b * 20 + i), "accuracy": 6} for i in range(20)]
        out.append({"id": str(uuid.uuid4()), "kind": "track_points", "captured_at": T0.isoformat(), "payload": {"patrol_id": pid, "points": pts}})
    out.append({"id": str(uuid.uuid4()), "kind": "patrol_end", "captured_at": T0.isoformat(),
                "payload": {"patrol_id": pid, "ended_at": (T0 + timedelta(minutes=6)).isoformat()}})
    for k in range(3):
        out.append({"id": str(uuid.uuid4()), "kind": "inspection", "captured_at": T0.isoformat(),
                    "payload": {"lat": 29.97, "lon": 121.62, "subject": {"name": f"店{k}"}, "result": "compliant", "photos": []}})
    return out


def run_machine(app_factory, engine_url: str) -> None:
    class SyncMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.app = app_factory()
            with self.app.app_context():
                _truncate_all()
                from backend.demo.seed import seed_demo

                seed_demo()
            self.client = self.app.test_client()
            self.session = AuthActions(self.client).login("zf001")
            self.outbox = make_outbox()
            self.by_id = {r["id"]: r for r in self.outbox}
            self.pending = [r["id"] for r in self.outbox]
            self.answers: dict[str, tuple[str, str | None]] = {}  # first accepted answer per record

        def _send(self, ids: list[str], lose: bool) -> None:
            body = {"device_id": self.session.device_id, "records": [self.by_id[i] for i in ids]}
            resp = self.client.post("/api/v1/sync", json=body, headers=self.session.headers)
            assert resp.status_code == 200, resp.get_json()
            if lose:  # the server stored them, the phone never heard back
                return
            for r in resp.get_json()["results"]:
                status = r.get("original_status", r["status"]) if r["status"] == "duplicate" else r["status"]
                assert status != "conflict", r
                if status == "rejected":
                    assert r["retryable"], r  # only "not yet" refusals happen to a well-formed outbox
                    continue
                first = self.answers.setdefault(r["id"], (status, r.get("ref")))
                assert first == (status, r.get("ref")), (first, r)  # a retry gets the same answer
                if r["id"] in self.pending:
                    self.pending.remove(r["id"])

        @precondition(lambda self: self.pending)
        @rule(data=st.data(), lose=st.booleans())
        def send_some_in_any_order(self, data, lose):
            ids = data.draw(st.lists(st.sampled_from(self.pending), min_size=1, max_size=len(self.pending), unique=True))
            self._send(ids, lose)

        @precondition(lambda self: self.answers)
        @rule(data=st.data())
        def resend_acknowledged(self, data):
            self._send(data.draw(st.lists(st.sampled_from(sorted(self.answers)), min_size=1, max_size=4, unique=True)), False)

        @rule()
        def restart_server(self):
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()
            self.app = app_factory()
            self.client = self.app.test_client()

        @invariant()
        def nothing_is_stored_twice(self):
            self._check_counts(final=False)

        def _check_counts(self, final: bool) -> None:
            from backend.patrols.models import Inspection, Patrol, PatrolFixBatch
            from backend.sync.models import SyncRecord

            with self.app.app_context():
                assert db.session.scalar(select(func.count()).select_from(Patrol)) <= 1
                batches = db.session.scalar(select(func.count()).select_from(PatrolFixBatch))
                inspections = db.session.scalar(select(func.count()).select_from(Inspection))
                ledger = db.session.scalar(select(func.count()).select_from(SyncRecord).where(SyncRecord.status != "rejected"))
                assert batches <= 3 and inspections <= 3 and ledger <= len(self.outbox)
                if final:
                    assert (batches, inspections, ledger) == (3, 3, len(self.outbox))
                    patrol = db.session.scalars(select(Patrol)).one()
                    assert patrol.fix_count == 60 and patrol.status == "ended"
                db.session.remove()

        def teardown(self):
            # the phone keeps sending what it has, in its own order, until its outbox is empty
            for _ in range(6):
                if not self.pending:
                    break
                self._send(list(self.pending), False)
            assert not self.pending
            self._check_counts(final=True)
            with self.app.app_context():
                db.session.remove()
                db.engine.dispose()

    run_state_machine_as_test(SyncMachine, settings=SETTINGS)


def test_sync_protocol_state_machine(app, database_url):
    from tests.conftest import make_config

    cfg = {k: v for k, v in app.config.items()}
    run_machine(lambda: _fresh_app(make_config(database_url, MEDIA_ROOT=cfg["MEDIA_ROOT"], SECRET_KEY=cfg["SECRET_KEY"])), database_url)


def _fresh_app(config):
    application = create_app(config)
    from tests.conftest import BufferedClient

    application.test_client_class = BufferedClient
    return application
