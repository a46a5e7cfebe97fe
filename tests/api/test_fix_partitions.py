"""Raw fixes in monthly partitions on PostGIS (issue #21; docs/patrol-storage.md): each batch
in its month's partition, tracks read whole across a month boundary, a missing month made
by ingest, months attached and dropped while an ingest transaction stays open — without
that ingest or the next one waiting —, the conflict rule on a batch id, the CLI and the
migration both ways. SQLite keeps one table and must ingest and read exactly as before."""
from __future__ import annotations

import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from flask import g
from flask_migrate import downgrade, upgrade
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import OperationalError

from backend import clock, create_app
from backend.auth.models import Officer
from backend.backup.service import create_backup, restore_backup
from backend.errors import ApiError
from backend.extensions import db
from backend.patrols import partitions, service
from backend.patrols.models import Patrol, PatrolFixBatch
from tests.api.test_backup import _restore_target
from tests.api.test_sync import push, rec
from tests.conftest import SESSION_OFFSET, make_config

LOCAL = timezone(timedelta(hours=8))


def officer(username: str) -> Officer:
    return db.session.query(Officer).filter_by(username=username).one()


def points(t: datetime, n: int = 12, since: datetime | None = None, step_s: int = 5) -> list[dict]:
    """A phone's batch: `n` fixes `step_s` apart from `t`, walking east at ~1.2 m/s since `since`."""
    ms, since_ms = int(t.timestamp() * 1000), int((since or t).timestamp() * 1000)
    return [{"t": ms + step_s * 1000 * i, "lat": 29.97, "lon": 121.615 + 0.000012 * (ms + step_s * 1000 * i - since_ms) / 1000,
             "accuracy": 6, "speed": 1.2} for i in range(n)]


def start(at: datetime, username: str = "zf001") -> str:
    patrol_id = str(uuid.uuid4())
    service.start_patrol(patrol_id=patrol_id, officer=officer(username), device_id="dev-part-0001",
                         started_at=at, captured_at=at)
    return patrol_id


def ingest(patrol_id: str, t: datetime, n: int = 12, username: str = "zf001", batch_id: str | None = None,
           since: datetime | None = None) -> str:
    batch_id = batch_id or str(uuid.uuid4())
    service.add_track_points(batch_id=batch_id, patrol_id=patrol_id, points=points(t, n, since), officer=officer(username),
                             device_id="dev-part-0001")
    return batch_id


def where_stored() -> dict[str, str]:
    """Batch id → the partition PostgreSQL put it in."""
    return dict(db.session.execute(text("SELECT id, tableoid::regclass::text FROM patrol_fix_batches")).all())


@pytest.fixture
def postgis(engine_name):
    if engine_name != "postgis":
        pytest.skip("SQLite keeps the fixes in one table")


def test_each_batch_lands_in_its_local_months_partition(app, demo, postgis):
    with app.app_context():
        sep = start(datetime(2026, 9, 15, 10, 0, tzinfo=LOCAL))
        in_sep = ingest(sep, datetime(2026, 9, 15, 10, 1, tzinfo=LOCAL))
        night = start(datetime(2026, 10, 31, 23, 50, tzinfo=LOCAL))
        # 23:58 on 31 October in Ningbo is still October; 00:01 is November, though both are 31 October in UTC
        before = ingest(night, datetime(2026, 10, 31, 23, 58, tzinfo=LOCAL))
        after = ingest(night, datetime(2026, 11, 1, 0, 1, tzinfo=LOCAL))
        stored = where_stored()
    assert stored == {in_sep: "patrol_fix_batches_2026_09", before: "patrol_fix_batches_2026_10",
                      after: "patrol_fix_batches_2026_11"}


def test_a_track_across_a_month_boundary_reads_whole_on_both_engines(app, client, demo, auth, engine_name):
    """20 minutes across local midnight of 31 October, in the phone's batches of 12 fixes."""
    t0 = datetime(2026, 10, 31, 23, 50, tzinfo=LOCAL)
    with app.app_context():
        patrol_id = start(t0)
        batch_ids = [ingest(patrol_id, t0 + timedelta(minutes=i), since=t0) for i in range(20)]
        service.end_patrol(patrol_id=patrol_id, officer=officer("zf001"), ended_at=t0 + timedelta(minutes=20))
        fixes = service.patrol_fixes(db.session.get(Patrol, patrol_id))
        if engine_name == "postgis":
            used = {where_stored()[b] for b in batch_ids}
            assert used == {"patrol_fix_batches_2026_10", "patrol_fix_batches_2026_11"}
        else:
            tables = db.session.scalars(text("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'patrol_fix_batches%'"))
            assert list(tables) == ["patrol_fix_batches"]
    assert len(fixes) == 240
    assert [f.t for f in fixes] == sorted(f.t for f in fixes)
    s = auth.login("zf001")
    body = client.get(f"/api/v1/patrols/{patrol_id}", headers=s.headers).get_json()
    assert body["fix_count"] == 240 and body["kept_count"] > 200
    assert 1300 < body["distance_m"] < 1500  # 20 minutes at 1.16 m/s
    track = client.get(f"/api/v1/patrols/{patrol_id}/track", headers=s.headers).get_json()
    assert track["geometry"]["type"] == "MultiLineString" and len(track["geometry"]["coordinates"]) == 1


def test_reading_a_patrols_fixes_reads_only_its_months(app, demo, postgis, clock_control):
    clock_control.set("2026-09-15T10:30:00+08:00")  # the patrol as it happened: received that day
    with app.app_context():
        patrol_id = start(datetime(2026, 9, 15, 10, 0, tzinfo=LOCAL))
        ingest(patrol_id, datetime(2026, 9, 15, 10, 1, tzinfo=LOCAL))
    clock.set_offset(SESSION_OFFSET)  # read today (the suite's today)
    with app.app_context():
        patrol = db.session.get(Patrol, patrol_id)
        stmt = select(PatrolFixBatch.data).where(*service.batches_of(patrol)).order_by(PatrolFixBatch.t_start)
        compiled = stmt.compile(dialect=db.engine.dialect)
        plan = "\n".join(r[0] for r in db.session.connection().exec_driver_sql("EXPLAIN (COSTS OFF) " + str(compiled),
                                                                                 compiled.params))
        months = set(db.session.scalars(text(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = 'patrol_fix_batches'::regclass")))
        assert len(months) >= 5  # September, the current month and the months ahead
        assert {m for m in months if m in plan} == {"patrol_fix_batches_2026_09"}, plan

        # a batch of that day that comes in only now is read too: the bound moves with the patrol's
        # last write, which every batch makes (the rule `batches_of` rests on)
        ingest(patrol_id, datetime(2026, 9, 15, 10, 2, tzinfo=LOCAL))
        db.session.expire_all()
        patrol = db.session.get(Patrol, patrol_id)
        assert patrol.updated_at >= db.session.scalar(select(func.max(PatrolFixBatch.received_at)))
        assert len(service.patrol_fixes(patrol)) == 24


def test_a_repeated_batch_id_is_a_duplicate_or_a_conflict_across_months(app, demo, engine_name):
    with app.app_context():
        patrol_id = start(datetime(2026, 10, 31, 23, 0, tzinfo=LOCAL))
        other_patrol = start(datetime(2026, 10, 31, 23, 0, tzinfo=LOCAL), "zf002")
        batch_id = ingest(patrol_id, datetime(2026, 10, 31, 23, 55, tzinfo=LOCAL))
        again, created = service.add_track_points(batch_id=batch_id, patrol_id=patrol_id, officer=officer("zf001"),
                                                  points=points(datetime(2026, 10, 31, 23, 55, tzinfo=LOCAL)),
                                                  device_id="dev-part-0001")
        assert created is False and again["count"] == 12
        # other fixes under the same id, starting in the next month: (id, t_start) would take them on PostgreSQL
        for pid, user in ((patrol_id, "zf001"), (other_patrol, "zf002")):
            with pytest.raises(ApiError) as exc:
                ingest(pid, datetime(2026, 11, 1, 0, 5, tzinfo=LOCAL), username=user, batch_id=batch_id)
            assert exc.value.code == "track.conflict"
            db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(PatrolFixBatch).where(PatrolFixBatch.id == batch_id)) == 1


def test_a_month_without_a_partition_is_made_by_the_sync_and_never_fails_it(app, client, demo, auth, postgis):
    phone = auth.login("zf001")
    t0 = datetime(2025, 3, 10, 9, 0, tzinfo=LOCAL)
    with app.app_context():
        partitions.drop_months_before(db.engine, date(2025, 4, 1))  # March 2025 has no partition now
        assert "patrol_fix_batches_2025_03" not in {p.name for p in partitions.list_partitions(db.engine)}
    patrol_id = str(uuid.uuid4())
    results = push(client, phone, [
        rec("patrol_start", {"officers": [], "started_at": t0.isoformat()}, rid=patrol_id),
        rec("track_points", {"patrol_id": patrol_id, "points": points(t0 + timedelta(minutes=1))}),
    ])
    assert [r["status"] for r in results] == ["created", "created"]
    with app.app_context():
        assert set(where_stored().values()) == {"patrol_fix_batches_2025_03"}

    # a table of February's name that is not a partition (a detach whose drop was cut short):
    # the batch is refused as retryable, the phone keeps it, and it goes in once that is cleared
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE patrol_fix_batches_2025_02 (LIKE patrol_fix_batches)"))
    feb = datetime(2025, 2, 10, 9, 0, tzinfo=LOCAL)
    feb_patrol = str(uuid.uuid4())
    batch = rec("track_points", {"patrol_id": feb_patrol, "points": points(feb + timedelta(minutes=1))})
    results = push(client, phone, [rec("patrol_start", {"officers": [], "started_at": feb.isoformat()}, rid=feb_patrol), batch])
    assert results[0]["status"] == "created"
    assert results[1]["status"] == "rejected" and results[1]["code"] == "track.month_unavailable"
    assert results[1]["retryable"] is True
    with app.app_context():
        assert partitions.drop_months_before(db.engine, date(2025, 3, 1)) == ["patrol_fix_batches_2025_02"]
    assert push(client, phone, [batch])[0]["status"] == "created"
    with app.app_context():
        assert sorted(set(where_stored().values())) == ["patrol_fix_batches_2025_02", "patrol_fix_batches_2025_03"]


def next_unmade_month(now: datetime) -> date:
    """The month after the last one made, and after the current one (which ingest makes)."""
    last = max([p.month for p in partitions.list_partitions(db.engine) if p.month] + [partitions.month_of(now)])
    return partitions.add_months(last, 1)


class OpenIngest(threading.Thread):
    """A sync request in the middle of its transaction: it has stored a batch of the current
    month and updated its patrol (services only flush inside a unit of work) and holds
    those locks until told to commit."""

    def __init__(self, app, patrol_id: str, t: datetime) -> None:
        super().__init__(daemon=True)
        self.app, self.patrol_id, self.t = app, patrol_id, t
        self.holding, self.release = threading.Event(), threading.Event()
        self.batch_id = str(uuid.uuid4())
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with self.app.app_context():
                g.unit_of_work = True
                ingest(self.patrol_id, self.t, batch_id=self.batch_id)
                self.holding.set()
                self.release.wait(60)
                db.session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc
            self.holding.set()


def impatient_ingest(app, patrol_id: str, t: datetime, username: str, lock_timeout_ms: int = 500) -> None:
    """The next phone's batch, as ingest does it, in a transaction that gives up on any lock
    it waits for longer than `lock_timeout_ms`: a blocked ingest is an error, not a slow pass."""
    with app.app_context():
        db.session.execute(text(f"SET LOCAL lock_timeout = {lock_timeout_ms}"))
        ingest(patrol_id, t, username=username)


def wait_until_waiting(app, timeout_s: float = 15) -> str:
    """Until a session waits for a lock; what it waits for: 'virtualxid' (other transactions
    to end, as DETACH … CONCURRENTLY does) or 'relation' (a table lock)."""
    deadline = time.monotonic() + timeout_s
    with app.app_context(), db.engine.connect() as conn:
        while time.monotonic() < deadline:
            waits = conn.scalar(text("SELECT min(wait_event) FROM pg_stat_activity WHERE datname = current_database()"
                                     " AND wait_event_type = 'Lock'"))
            if waits:
                return waits
            time.sleep(0.05)
        sessions = conn.execute(text("SELECT state, wait_event_type, wait_event, left(query, 80) FROM pg_stat_activity"
                                     " WHERE datname = current_database()")).all()
    raise AssertionError(f"no session waits for a lock: {sessions}")


class Maintenance(threading.Thread):
    def __init__(self, app, work) -> None:
        super().__init__(daemon=True)
        self.app, self.work = app, work
        self.result, self.error = None, None

    def run(self) -> None:
        try:
            with self.app.app_context():
                self.result = self.work(db.engine)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc


def test_months_are_attached_and_dropped_while_an_ingest_transaction_stays_open(app, demo, postgis):
    now = clock.now()
    with app.app_context():
        old = start(datetime(2025, 6, 10, 9, 0, tzinfo=LOCAL))
        old_batch = ingest(old, datetime(2025, 6, 10, 9, 1, tzinfo=LOCAL))
        first, second = start(now - timedelta(minutes=30)), start(now - timedelta(minutes=30), "zf002")
        new_month = next_unmade_month(now)
        ahead = (new_month.year - partitions.month_of(now).year) * 12 + new_month.month - partitions.month_of(now).month
        db.session.remove()  # nothing of this thread stays open on the table

    holder = OpenIngest(app, first, now - timedelta(minutes=10))
    holder.start()
    assert holder.holding.wait(30) and holder.error is None, holder.error

    def maintain(engine):
        made = partitions.ensure_months(engine, ahead)
        return made, partitions.drop_months_before(engine, date(2025, 7, 1))

    maintenance = Maintenance(app, maintain)
    maintenance.start()
    try:
        # the new month is attached at once; the detach waits for the open transaction without
        # stopping anyone, and the next phone's batch goes in as if nothing were happening
        wait_until_waiting(app)  # DETACH … CONCURRENTLY, for the open ingest to end
        with app.app_context():
            attached = {p.name for p in partitions.list_partitions(db.engine)}
        assert partitions.partition_name(new_month) in attached
        impatient_ingest(app, second, now - timedelta(minutes=9), "zf002")
        assert maintenance.is_alive() and holder.is_alive()
    finally:
        holder.release.set()
        holder.join(30)
        maintenance.join(60)
    assert holder.error is None and maintenance.error is None, (holder.error, maintenance.error)
    made, dropped = maintenance.result
    assert partitions.partition_name(new_month) in made
    assert "patrol_fix_batches_2025_06" in dropped and all(n < "patrol_fix_batches_2025_07" for n in dropped)
    with app.app_context():
        stored = where_stored()
        assert old_batch not in stored and holder.batch_id in stored and len(stored) == 2
        assert db.session.get(Patrol, first).fix_count == 12 and db.session.get(Patrol, second).fix_count == 12


@pytest.mark.parametrize("ddl", ["detach", "create"])
def test_the_open_ingest_check_catches_a_blocking_statement(app, demo, postgis, ddl):
    """The negative control of the test above: a plain DETACH, or CREATE TABLE … PARTITION OF,
    takes ACCESS EXCLUSIVE on the parent, queues behind the open ingest and stops the next."""
    now = clock.now()
    with app.app_context():
        first, second = start(now - timedelta(minutes=30)), start(now - timedelta(minutes=30), "zf002")
        spare = next_unmade_month(now)
        db.session.remove()
    name = partitions.partition_name(spare)
    lo, hi = (f"'{b.isoformat(sep=' ')}'" for b in partitions.month_bounds(spare))
    statement = {
        "detach": f'ALTER TABLE patrol_fix_batches DETACH PARTITION "{partitions.partition_name(partitions.month_of(now))}"',
        "create": f'CREATE TABLE "{name}" PARTITION OF patrol_fix_batches FOR VALUES FROM ({lo}) TO ({hi})',
    }[ddl]

    def blocking(engine):
        with engine.begin() as conn:
            conn.execute(text("SET LOCAL lock_timeout = 3000"))
            conn.execute(text(statement))
            raise AssertionError("the statement should have waited for the open ingest")

    holder = OpenIngest(app, first, now - timedelta(minutes=10))
    holder.start()
    assert holder.holding.wait(30) and holder.error is None, holder.error
    ddl_thread = Maintenance(app, blocking)
    ddl_thread.start()
    try:
        assert wait_until_waiting(app) == "relation"
        with pytest.raises(OperationalError, match="lock timeout"):
            impatient_ingest(app, second, now - timedelta(minutes=9), "zf002")
        ddl_thread.join(30)
        assert isinstance(ddl_thread.error, OperationalError)  # gave up too: nothing changed
    finally:
        holder.release.set()
        holder.join(30)
    assert holder.error is None


def test_dropping_months_removes_exactly_their_fixes(app, runner, demo, postgis):
    with app.app_context():
        batches = {}
        for month in (4, 5, 6):
            p = start(datetime(2025, month, 10, 9, 0, tzinfo=LOCAL))
            batches[month] = {ingest(p, datetime(2025, month, 10, 9, m, tzinfo=LOCAL)) for m in (1, 2, 3)}
        before = {p.name: (p.rows, p.fixes) for p in partitions.list_partitions(db.engine, exact=True)}
        db.session.remove()
    assert before["patrol_fix_batches_2025_04"] == (3, 36) and before["patrol_fix_batches_2025_05"] == (3, 36)

    out = runner.invoke(args=["fixes", "drop-before", "2025-05", "--yes"])
    assert out.exit_code == 0 and "patrol_fix_batches_2025_04" in out.output, out.output
    with app.app_context():
        after = {p.name: (p.rows, p.fixes) for p in partitions.list_partitions(db.engine, exact=True)}
        stored = set(where_stored())
    assert "patrol_fix_batches_2025_04" not in after
    assert {n: v for n, v in before.items() if n >= "patrol_fix_batches_2025_05"} == after
    assert stored == batches[5] | batches[6]

    # keeping the table for the archive: detached and renamed, its rows intact
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS patrol_fix_batches_2025_05_detached"))  # left by an interrupted run
    out = runner.invoke(args=["fixes", "drop-before", "2025-06", "--keep-tables", "--yes"])
    assert out.exit_code == 0 and "detached patrol_fix_batches_2025_05" in out.output, out.output
    with app.app_context(), db.engine.begin() as conn:
        assert set(where_stored()) == batches[6]
        assert set(conn.scalars(text("SELECT id FROM patrol_fix_batches_2025_05_detached"))) == batches[5]
        conn.execute(text("DROP TABLE patrol_fix_batches_2025_05_detached"))


def test_the_fixes_cli(app, runner, engine_name):
    listed = runner.invoke(args=["fixes", "partitions", "--exact"])
    assert listed.exit_code == 0, listed.output
    if engine_name == "sqlite":
        assert "SQLite keeps the fixes in one table" in listed.output
        assert runner.invoke(args=["fixes", "ensure"]).exit_code == 0
        return
    this_month = partitions.partition_name(partitions.month_of(clock.now()))
    ensured = runner.invoke(args=["fixes", "ensure", "--months", "2"])
    assert ensured.exit_code == 0, ensured.output
    listed = runner.invoke(args=["fixes", "partitions"])
    assert this_month in listed.output and "partition(s)" in listed.output
    too_late = runner.invoke(args=["fixes", "drop-before", "2099-01", "--yes"])
    assert too_late.exit_code != 0 and "after the current month" in too_late.output
    assert runner.invoke(args=["fixes", "drop-before", "2025-13", "--yes"]).exit_code == 2


def test_the_migration_moves_the_fixes_both_ways(app, demo, engine_name):
    with app.app_context():
        patrol_id = start(datetime(2026, 10, 31, 23, 50, tzinfo=LOCAL))
        ids = {ingest(patrol_id, datetime(2026, 10, 31, 23, 50, tzinfo=LOCAL) + timedelta(minutes=m)) for m in range(0, 20, 4)}
        db.session.remove()
        downgrade(revision="0032_complaint_subjects_tasks")
        with db.engine.connect() as conn:
            assert not partitions.is_partitioned(conn)
            assert set(conn.scalars(text("SELECT id FROM patrol_fix_batches"))) == ids
            fks = inspect(conn).get_foreign_keys("patrol_fix_batches")
            assert [(f["referred_table"], f["options"].get("ondelete")) for f in fks] == [("patrols", "CASCADE")]
        upgrade()
        with db.engine.connect() as conn:
            assert partitions.is_partitioned(conn) == (engine_name == "postgis")
            assert set(conn.scalars(text("SELECT id FROM patrol_fix_batches"))) == ids
        if engine_name == "postgis":
            assert set(where_stored().values()) == {"patrol_fix_batches_2026_10", "patrol_fix_batches_2026_11"}
        assert len(service.patrol_fixes(db.session.get(Patrol, patrol_id))) == 60


def test_a_backup_restores_the_fixes_into_their_partitions(app, demo, database_url, tmp_path, engine_name):
    tables = [t.name for t in db.metadata.sorted_tables]
    with app.app_context():
        patrol_id = start(datetime(2026, 10, 31, 23, 50, tzinfo=LOCAL))
        ids = {ingest(patrol_id, datetime(2026, 10, 31, 23, 50, tzinfo=LOCAL) + timedelta(minutes=m)) for m in range(0, 20, 4)}
        db.session.remove()
    create_backup(database_url, Path(app.config["MEDIA_ROOT"]), tmp_path / "backup", tables)
    target = _restore_target(database_url, tmp_path)
    result = restore_backup(tmp_path / "backup", target, tmp_path / "media", tables, force=engine_name == "postgis")
    assert result["restored_rows"]["patrol_fix_batches"] == 5
    restored = create_app(make_config(target, MEDIA_ROOT=str(tmp_path / "media")))
    with restored.app_context():
        try:
            assert set(db.session.scalars(select(PatrolFixBatch.id))) == ids
            assert len(service.patrol_fixes(db.session.get(Patrol, patrol_id))) == 60
            if engine_name == "postgis":
                assert set(where_stored().values()) == {"patrol_fix_batches_2026_10", "patrol_fix_batches_2026_11"}
                # and the restored table takes the next month as the live one does
                assert partitions.ensure_months(db.engine, 0, today=date(2024, 1, 5)) == ["patrol_fix_batches_2024_01"]
        finally:
            db.session.remove()
            db.engine.dispose()
