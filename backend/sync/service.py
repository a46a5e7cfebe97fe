"""The push ledger: apply a batch of phone records in order, each exactly once.

Every record is applied in its own transaction by its feature's service (which is
idempotent on the phone's id), then its result is written to the ledger. A retry of a
record whose response was lost finds the ledger row and gets the same result back; a
crash between the domain write and the ledger write is healed by the service's own
idempotency on the next try. Rejected records may be sent again under the same id
(fixed, or once what they depend on has arrived); created ones may not change.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, NamedTuple

from sqlalchemy import Select, String, and_, bindparam, cast, func, literal_column, or_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from ..auth.access import Identity
from ..errors import ApiError
from ..errors import invalid as _reject
from ..extensions import db
from ..models_base import UTCDateTime, utcnow
from ..records import Waiting, check_sender, kinds, load_payload, unknown_kind
from .models import DeviceHealth, SyncConflict, SyncRecord

# codes that mean "not yet": the phone keeps the record and sends it again later
RETRYABLE = {"patrol.not_found", "sync.dependency_rejected", "ticket.number_unknown", "ticket.cosign_no_decision", "sync.busy"}


def _digest(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()


def _result(row: Any, status: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.id, "status": status or row.status}
    if row.ref:
        out["ref"] = row.ref
    if row.code:
        out["code"] = row.code
        out["message"] = {"zh-CN": row.message_zh, "en": row.message_en}
        if row.details:
            out["details"] = row.details
        out["retryable"] = row.retryable
    if row.missing_photos and row.status == "incomplete":
        out["missing_photos"] = row.missing_photos
    if status == "duplicate":
        out["original_status"] = row.status
    return out


def push(identity: Identity, batch: dict[str, Any], received_at: datetime | None = None) -> list[dict[str, Any]]:
    """Apply `batch["records"]` in order; one result per record.

    The whole batch is one transaction with a savepoint per record (the first record's is
    the transaction itself: `_WholeTransaction`): a refused record rolls back only its
    savepoint, and the answer is sent after the single commit, so an acknowledged record
    is always stored (and costs one fsync per batch, not per record).
    """
    from flask import g

    received_at = received_at or utcnow()
    skew = None
    if batch.get("sent_at"):
        skew = round((received_at - batch["sent_at"]).total_seconds(), 1)
    ctx = {"received_at": received_at, "skew": skew, "app_version": batch.get("app_version") or ""}
    rejected_in_batch: set[str] = set()
    results = []
    g.unit_of_work = True
    try:
        records = batch["records"]
        i = 0
        while i < len(records):
            # a run of inspections (the bulk of a day's records) goes through the batch path
            j = i
            while j < len(records) and records[j]["kind"] == "inspection":
                j += 1
            run = _push_inspections(identity, records[i:j], ctx, rejected_in_batch) if j - i >= 2 else None
            if run is not None:
                results.extend(run)
                i = j
            else:
                results.append(_push_one(identity, records[i], ctx, rejected_in_batch, first=not results))
                i += 1
        # the phone's health rides in the same transaction: one commit per sync request
        # (a second commit and the reloads after the first were ~10 % of the server's
        # database time under load; bench/load.py profile in docs/benchmarks.md)
        record_health(identity, batch.get("health"), ctx["app_version"], skew)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        g.unit_of_work = False
    return results


class _WholeTransaction:
    """The savepoint of a batch's first record: nothing else is in the request's transaction
    yet (authentication ended its own), so rolling the transaction back undoes exactly this
    record's work. A phone's minute is one record (its fixes), and SAVEPOINT and RELEASE
    were two of its round trips."""

    @staticmethod
    def rollback() -> None:
        db.session.rollback()

    @staticmethod
    def commit() -> None:
        pass


def _savepoint(first: bool) -> Any:
    return _WholeTransaction() if first else db.session.begin_nested()


def _push_one(identity: Identity, rec: dict[str, Any], ctx: dict[str, Any], rejected_in_batch: set[str],
              first: bool = False) -> dict[str, Any]:
    """One record, in a savepoint of the request's transaction (`first`: the whole
    transaction, see `_WholeTransaction`)."""
    from ..evidence import service as evidence

    rid, kind, payload = rec["id"], rec["kind"], rec["payload"]
    digest = _digest({"kind": kind, "payload": payload})
    for attempt in (1, 2):
        savepoint = _savepoint(first)
        try:
            existing = db.session.get(SyncRecord, rid)
            if existing is not None and existing.status != "rejected":
                if existing.payload_digest == digest and existing.kind == kind:
                    _refresh_completeness(existing)
                    savepoint.commit()
                    return _result(existing, "duplicate")
                db.session.add(SyncConflict(record_id=rid, device_id=identity.device_id, officer_id=identity.officer_id,
                                            payload={"kind": kind, "payload": payload}))
                savepoint.commit()
                return {"id": rid, "status": "conflict", "code": "sync.conflict", "ref": existing.ref,
                        "message": {"zh-CN": "该记录编号已用于不同内容，两份都已保留待核查",
                                    "en": "This record id was used with other content; both are kept for review"}}
            row = existing or SyncRecord(id=rid)
            _stamp(row, identity, kind, payload, digest, rec, ctx)
            try:
                spec = kinds().get(kind)
                if spec is None:
                    raise unknown_kind(kind)
                check_sender(spec, identity)
                if spec.depends_on and isinstance(payload, dict) and payload.get(spec.depends_on) in rejected_in_batch:
                    raise _reject("sync.dependency_rejected", "所依赖的记录未被接受", "A record this one depends on was rejected",
                                  depends_on=payload.get(spec.depends_on))
                applied = spec.apply(rid, load_payload(spec, payload), identity, rec["captured_at"])
            except ApiError as exc:
                savepoint.rollback()  # nothing of this record's work survives
                savepoint = _savepoint(first)
                row = db.session.get(SyncRecord, rid) or SyncRecord(id=rid)
                _stamp(row, identity, kind, payload, digest, rec, ctx)
                _fill_rejection(row, exc)
                rejected_in_batch.add(rid)
            else:
                row.ref = applied.ref
                _set_completeness(row, evidence.missing_photos(applied.photos), _waiting(kind, [applied.ref]).get(applied.ref))
            db.session.add(row)
            db.session.flush()
            savepoint.commit()
            return _result(row)
        except (IntegrityError, OperationalError):
            # the same record stored by a concurrent request (two tabs of one phone):
            # roll back this record and look again; the service then sees the stored copy
            savepoint.rollback()
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _push_inspections(identity: Identity, recs: list[dict[str, Any]], ctx: dict[str, Any],
                      rejected_in_batch: set[str]) -> list[dict[str, Any]] | None:
    """A run of inspection records at once (`patrols.service.record_inspections`): the
    same answers as `_push_one` record by record, in a few statements for the whole run.
    Ids the server has seen before (duplicates, conflicts, retries of refused records)
    still take `_push_one`; None when this path cannot take the run at all (an id twice
    in it, or a concurrent request storing the same ids: the caller then goes record by
    record, which sorts that out)."""
    from ..evidence import service as evidence
    from ..patrols import service as patrols
    from ..patrols.records import inspection_args

    spec = kinds()["inspection"]
    try:
        check_sender(spec, identity)
    except ApiError:
        return None  # record by record: each says why
    ids = [r["id"] for r in recs]
    if len(set(ids)) != len(ids):
        return None
    seen = set(db.session.connection().execute(_seen_statement(), {"ids": ids}).scalars())
    savepoint = db.session.begin_nested()
    try:
        # the run's ledger rows as plain attribute holders (no ORM objects): one executemany below
        rows: dict[int, SimpleNamespace] = {}
        items: list[tuple[int, dict[str, Any]]] = []
        for n, rec in enumerate(recs):
            if rec["id"] in seen:
                continue
            payload = rec["payload"]
            row = rows[n] = SimpleNamespace(id=rec["id"])
            _stamp(row, identity, "inspection", payload, _digest({"kind": "inspection", "payload": payload}), rec, ctx)
            try:
                if isinstance(payload, dict) and payload.get("patrol_id") in rejected_in_batch:
                    raise _reject("sync.dependency_rejected", "所依赖的记录未被接受", "A record this one depends on was rejected",
                                  depends_on=payload.get("patrol_id"))
                items.append((n, inspection_args(rec["id"], load_payload(spec, payload), rec["captured_at"])))
            except ApiError as exc:
                _fill_rejection(row, exc)
        try:
            outcomes: list[ApiError | None] = patrols.record_inspections(identity.actor, identity.device_id,
                                                                         [a for _, a in items])
        except ApiError as exc:  # refused for the officer (no jurisdiction): each record says so
            outcomes = [exc] * len(items)
        missing = set(evidence.missing_photos([p for _, a in items for p in a["photos"]]))
        now = utcnow()
        for (n, args), exc in zip(items, outcomes):
            row = rows[n]
            if exc is not None:
                _fill_rejection(row, exc)
                continue
            row.ref = args["inspection_id"]
            row.missing_photos = [p for p in args["photos"] if p in missing]
            row.status = "incomplete" if row.missing_photos else "created"
            row.completed_at = None if row.missing_photos else now
        if rows:
            for row in rows.values():
                row.updated_at = now
            db.session.connection().execute(SyncRecord.__table__.insert(), [vars(row) for row in rows.values()])  # one executemany
        savepoint.commit()
        rejected_in_batch.update(row.id for row in rows.values() if row.status == "rejected")
    except (IntegrityError, OperationalError):
        savepoint.rollback()
        return None
    results = {n: _result(row) for n, row in rows.items()}
    for n, rec in enumerate(recs):  # ids seen before: the general path, in their order
        if n not in results:
            results[n] = _push_one(identity, rec, ctx, rejected_in_batch)
    return [results[n] for n in range(len(recs))]


@lru_cache(maxsize=1)
def _seen_statement() -> Any:
    """Which of these ids the ledger or the inspections hold already: one statement, built once."""
    from sqlalchemy import bindparam, union_all

    from ..patrols.models import Inspection

    ids = bindparam("ids", expanding=True)
    return union_all(select(SyncRecord.id).where(SyncRecord.id.in_(ids)), select(Inspection.id).where(Inspection.id.in_(ids)))


def _stamp(row: Any, identity: Identity, kind: str, payload: Any, digest: str, rec: dict[str, Any], ctx: dict[str, Any]) -> None:
    row.device_id, row.officer_id, row.jurisdiction_id = identity.device_id, identity.officer_id, identity.jurisdiction_id
    row.kind, row.payload, row.payload_digest = kind, payload, digest
    row.captured_at, row.received_at = rec["captured_at"], ctx["received_at"]
    row.clock_skew_s, row.app_version = ctx["skew"], ctx["app_version"]
    row.code = row.message_zh = row.message_en = row.ref = None
    row.details, row.retryable, row.missing_photos, row.completed_at = {}, False, [], None


def _fill_rejection(row: Any, exc: ApiError) -> None:
    row.status, row.code, row.message_zh, row.message_en = "rejected", exc.code, exc.message_zh, exc.message_en
    row.details = json.loads(json.dumps(exc.details, default=str))
    row.retryable = exc.code in RETRYABLE or exc.status >= 500
    row.missing_photos, row.ref, row.completed_at = [], None, None


def _waiting(kind: str, refs: list[str]) -> dict[str, Waiting]:
    """What else keeps these records incomplete, asked of their kind (a query in the
    feature, e.g. a decision's missing consents) — the ledger holds no feature's rules."""
    spec = kinds().get(kind)
    return spec.waiting([r for r in refs if r]) if spec is not None and spec.waiting else {}


def _set_completeness(row: SyncRecord, missing: list[str], waiting: Waiting | None) -> None:
    """Created once every cited photo is here and nothing else is awaited; until then
    `incomplete`, with the awaited thing's code and message (photos need none: listed)."""
    row.missing_photos = missing
    if missing or waiting:
        row.status, row.completed_at = "incomplete", None
    elif row.status != "created" or row.completed_at is None:
        row.status, row.completed_at = "created", utcnow()
    if waiting:
        row.code, row.message_zh, row.message_en, row.details = waiting.code, waiting.message_zh, waiting.message_en, waiting.details
    else:
        row.code = row.message_zh = row.message_en = None
        row.details = {}


def _refresh_completeness(row: SyncRecord) -> None:
    from ..evidence import service as evidence

    if row.status == "incomplete":
        _set_completeness(row, evidence.missing_photos(row.missing_photos or []), _waiting(row.kind, [row.ref]).get(row.ref))


def refresh_incomplete(jurisdiction_id: int | None = None, device_id: str | None = None) -> None:
    """Records waiting for photos (or, per kind, for anything else: a decision for its
    second officer's consent) are complete once it is all here: one query over the stored
    photos and one per waiting kind, run by whoever reads the ledger (the incomplete
    list, the change feed, the figures) — `evidence/` and `tickets/` never call into `sync/`."""
    from ..evidence import service as evidence

    query = select(SyncRecord).where(SyncRecord.status == "incomplete")
    if jurisdiction_id is not None:
        query = query.where(SyncRecord.jurisdiction_id == jurisdiction_id)
    if device_id is not None:
        query = query.where(SyncRecord.device_id == device_id)
    rows = list(db.session.scalars(query))
    if not rows:
        return
    still = set(evidence.missing_photos([s for r in rows for s in (r.missing_photos or [])]))
    waiting: dict[tuple[str, str], Waiting] = {}
    for kind in {r.kind for r in rows}:
        waiting.update({(kind, ref): w for ref, w in _waiting(kind, [r.ref for r in rows if r.kind == kind]).items()})
    changed = False
    for row in rows:
        before = (row.status, list(row.missing_photos or []), row.code, row.details)
        _set_completeness(row, [s for s in row.missing_photos or [] if s in still], waiting.get((row.kind, row.ref)))
        changed |= before != (row.status, row.missing_photos, row.code, row.details)
    if changed:  # committed at once: the change feed orders by updated_at, which must move now
        db.session.commit()


def record_health(identity: Identity, health: dict[str, Any] | None, app_version: str, skew: float | None) -> None:
    """What the phone said about its queue, in the caller's transaction: one
    INSERT … ON CONFLICT DO UPDATE (both engines have it), so no read first, and a
    concurrent first sync from the same phone's other tab cannot fail the batch."""
    values: dict[str, Any] = {"device_pk": identity.device_pk, "jurisdiction_id": identity.jurisdiction_id,
                              "last_sync_at": utcnow(), "last_officer_id": identity.officer_id, "app_version": app_version or "",
                              "clock_skew_s": skew}
    if health:
        values.update(queue_depth=health.get("queue_depth", 0), oldest_unsynced_age_s=health.get("oldest_unsynced_age_s"),
                      storage_persistent=health.get("storage_persistent"), battery=health.get("battery"))
    connection = db.session.connection()
    connection.execute(_health_upsert(connection.dialect.name, tuple(values)), values)


@lru_cache(maxsize=8)
def _health_upsert(dialect: str, columns: tuple[str, ...]) -> Any:
    """The upsert of `record_health` for these columns, built once per process with bind
    parameters (building it cost more than running it, on every sync request)."""
    from sqlalchemy import bindparam
    from sqlalchemy.dialects.postgresql import insert as pg_insert
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    table = DeviceHealth.__table__
    upsert = (pg_insert if dialect == "postgresql" else sqlite_insert)(table).values(
        {k: bindparam(k, type_=table.c[k].type) for k in columns})
    changes = {k: upsert.excluded[k] for k in columns if k != "device_pk"}
    # an app that did not say its version keeps the one it said before
    changes["app_version"] = func.coalesce(func.nullif(upsert.excluded.app_version, ""), table.c.app_version, "")
    return upsert.on_conflict_do_update(index_elements=[table.c.device_pk], set_=changes)


def incomplete(jurisdiction_id: int | None) -> list[dict[str, Any]]:
    refresh_incomplete(jurisdiction_id)
    query = select(SyncRecord).where(SyncRecord.status == "incomplete").order_by(SyncRecord.received_at)
    if jurisdiction_id is not None:
        query = query.where(SyncRecord.jurisdiction_id == jurisdiction_id)
    now = utcnow()
    out = []
    for row in db.session.scalars(query):
        out.append({"id": row.id, "kind": row.kind, "ref": row.ref, "device_id": row.device_id, "officer_id": row.officer_id,
                    "missing_photos": row.missing_photos, "received_at": row.received_at,
                    "age_s": round((now - row.received_at).total_seconds()),
                    # besides photos: what else it waits for (a decision: whose consent), since received_at
                    "waiting_for": ({"code": row.code, "message": {"zh-CN": row.message_zh, "en": row.message_en},
                                     **(row.details or {})} if row.code else None)})
    return out


def devices_health(jurisdiction_id: int | None, stale_after_s: int, queue_alarm: int) -> list[dict[str, Any]]:
    from ..auth.models import Device

    query = select(DeviceHealth, Device).join(Device, Device.id == DeviceHealth.device_pk)
    if jurisdiction_id is not None:
        query = query.where(DeviceHealth.jurisdiction_id == jurisdiction_id)
    now = utcnow()
    out = []
    for health, device in db.session.execute(query):
        since = (now - health.last_sync_at).total_seconds()
        alarms = []
        if since > stale_after_s and health.queue_depth > 0:
            alarms.append("not_syncing")
        if health.queue_depth >= queue_alarm:
            alarms.append("queue_long")
        if health.storage_persistent is False:
            alarms.append("storage_not_persistent")
        if device.revoked:
            alarms.append("revoked")
        out.append({"device_id": device.device_id, "label": device.label, "last_sync_at": health.last_sync_at,
                    "seconds_since_sync": round(since), "queue_depth": health.queue_depth,
                    "oldest_unsynced_age_s": health.oldest_unsynced_age_s, "storage_persistent": health.storage_persistent,
                    "app_version": health.app_version, "clock_skew_s": health.clock_skew_s,
                    "last_officer_id": health.last_officer_id, "alarms": alarms})
    return sorted(out, key=lambda d: (-len(d["alarms"]), -d["seconds_since_sync"]))


# --- change feed ---------------------------------------------------------------------


# the feed's sources in the order they are read; a cursor's key names one of them
FEED_KINDS = ("matter", "grid", "ticket_book", "case", "task", "review", "record")


def _key(at: datetime, kind: str, ident: str) -> tuple[str, str, str]:
    return (at.astimezone(timezone.utc).isoformat(timespec="microseconds"), kind, ident)


def changes(identity: Identity, since: str | None, limit: int) -> dict[str, Any]:
    """What this phone must learn since its cursor: matters and grids changed, ticket
    books leased to it, and the status of the records it pushed. The cursor is the key
    (time, kind, id) of the last item seen; items come in key order, so paging resumes
    exactly where it stopped."""
    from ..pagination import decode_cursor, encode_cursor
    from ..reviews.service import describe as describe_reviewed

    after: tuple[str, str, str] = ("", "", "")
    if since:
        raw = decode_cursor(since)
        if not (isinstance(raw, list) and len(raw) == 3 and all(isinstance(x, str) for x in raw)):
            raise ApiError("bad_cursor", "分页游标无效", "Invalid paging cursor", status=400)
        after = tuple(raw)  # type: ignore[assignment]
    t0 = datetime.fromisoformat(after[0]) if after[0] else datetime(1970, 1, 1, tzinfo=timezone.utc)
    grid_scoped = identity.jurisdiction_id is not None
    params = {"t0": t0, "after_id": after[2], "device_id": identity.device_id, "device_pk": identity.device_pk,
              "officer_id": identity.officer_id, "jurisdiction_id": identity.jurisdiction_id, "n": (limit + 1) * 2}
    dialect = db.session.get_bind().dialect.name
    cursor_kind = after[1] if after[1] in FEED_KINDS else None  # None (no cursor yet): every source's rows from t0 on
    # a phone polls this every minute and mostly nothing changed: one statement says which
    # sources have rows, and only those are read
    found = _sources_to_read(params, dialect, grid_scoped, cursor_kind)
    if "incomplete" in found:
        refresh_incomplete(device_id=identity.device_id)  # this phone's records whose photos have arrived
        found.add("record")  # the refresh may just have moved some of them (their updated_at)
    # each source's first :n rows after the cursor in the key's order: its part of the page, exactly
    queries = _feed_queries(dialect, grid_scoped, cursor_kind)
    items: list[tuple[tuple[str, str, str], dict[str, Any]]] = []

    def add(at: datetime, kind: str, ident: str, data: dict[str, Any]) -> None:
        key = _key(at, kind, ident)
        if key > after:
            # times inside `data` are ISO 8601 like every time of the API (a plain dict would
            # otherwise go out in the HTTP date format)
            data = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}
            items.append((key, {"kind": kind, "id": ident, "at": at, "data": data}))

    def read(kind: str) -> Any:
        return db.session.scalars(queries[kind], params) if kind in found else ()

    for m in read("matter"):
        add(m.updated_at, "matter", m.code, {"code": m.code, "name": m.name, "active": m.active})
    for g in read("grid"):
        add(g.updated_at, "grid", g.code, {"code": g.code, "name": g.name})
    for b in read("ticket_book"):
        add(b.leased_at, "ticket_book", str(b.id), {"first_seq": b.first_seq, "last_seq": b.last_seq, "expires_at": b.expires_at})
    # cases of the tickets this phone issued: paid, closed, voided...
    case_rows = db.session.execute(queries["case"], params) if "case" in found else ()
    for at, case_id, stage, paid, amount, number in case_rows:
        add(at, "case", str(case_id), {"stage": stage, "paid_fen": paid, "amount_fen": amount, "ticket_number": number})
    for task in read("task"):
        add(task.updated_at, "task", str(task.id), {"title": task.title, "status": task.status, "lat": task.lat, "lon": task.lon,
                                                    "address": task.address, "due_at": task.due_at})
    # supervisors' reviews of this officer's records (督查意见), and when they were resolved
    for rv in read("review"):
        add(rv.resolved_at or rv.at, "review", str(rv.id), {"object_type": rv.object_type, "object_id": rv.object_id,
                                                            "verdict": rv.verdict, "comment": rv.comment, "resolved": rv.resolved_at is not None,
                                                            **describe_reviewed(rv.object_type, rv.object_id)})
    for r in read("record"):
        add(r.updated_at, "record", r.id, {"status": r.status, "ref": r.ref, "code": r.code, "missing_photos": r.missing_photos or []})
    items.sort(key=lambda kv: kv[0])
    page = items[:limit]
    last = page[-1][0] if page else after
    return {"items": [v for _, v in page], "next": encode_cursor(list(last)) if len(items) > limit else None,
            "cursor": encode_cursor(list(last))}


class _Source(NamedTuple):
    """One source of the change feed: the time and the id its items' keys are made of (the
    id as text, as the key writes it) and its rows for this phone, at any time."""

    at: Any
    ident: Any
    rows: Select


@lru_cache(maxsize=2)
def _feed_sources(grid_scoped: bool) -> dict[str, _Source]:
    """The feed's sources with bind parameters (:device_id, :device_pk, :officer_id,
    :jurisdiction_id when `grid_scoped`), built once. The queries and the probe are both
    made of these, with the same condition on the cursor (`_after_cursor`), so the probe
    cannot ask about other rows than the queries read."""
    from ..cases.models import Case, CaseEvent
    from ..catalog.models import Grid, Matter
    from ..reviews.models import Review
    from ..tasks.models import Task
    from ..tickets.models import Ticket, TicketBook

    device_id, officer_id = bindparam("device_id"), bindparam("officer_id")
    grids = select(Grid)
    if grid_scoped:
        grids = grids.where(Grid.jurisdiction_id == bindparam("jurisdiction_id"))
    return {
        "matter": _Source(Matter.updated_at, Matter.code, select(Matter)),
        "grid": _Source(Grid.updated_at, Grid.code, grids),
        "ticket_book": _Source(TicketBook.leased_at, cast(TicketBook.id, String),
                               select(TicketBook).where(TicketBook.device_pk == bindparam("device_pk"))),
        "case": _Source(CaseEvent.at, cast(Case.id, String),
                        select(CaseEvent.at, Case.id, Case.stage, Case.paid_fen, Case.amount_fen, Ticket.number)
                        .join(Case, Case.id == CaseEvent.case_id).join(Ticket, Ticket.id == Case.ticket_id)
                        .where(Ticket.device_id == device_id)),
        "task": _Source(Task.updated_at, cast(Task.id, String), select(Task).where(Task.assignee_id == officer_id)),
        # made once, read again when resolved: its key's time is then resolved_at
        "review": _Source(func.coalesce(Review.resolved_at, Review.at), cast(Review.id, String),
                          select(Review).where(Review.officer_id == officer_id)),
        "record": _Source(SyncRecord.updated_at, SyncRecord.id, select(SyncRecord).where(SyncRecord.device_id == device_id)),
    }


def _code_points(dialect: str) -> str:
    """The collation that compares text as the key does: code point by code point."""
    return "C" if dialect == "postgresql" else "BINARY"


def _after_cursor(source: _Source, kind: str, cursor_kind: str | None, dialect: str) -> Any:
    """The rows of `source` whose key (time, kind, id) is after the cursor's (:t0, its kind,
    :after_id): the test `changes` makes, as SQL. Ids compare as the key compares them, as
    text code point by code point (the "C" collation, SQLite's BINARY)."""
    t0, after_id = bindparam("t0", type_=UTCDateTime()), bindparam("after_id", type_=String())
    if cursor_kind is None:
        return source.at >= t0
    if kind < cursor_kind:
        return source.at > t0  # its items at t0 come before the cursor's
    if kind == cursor_kind:
        return and_(source.at >= t0, or_(source.at > t0, source.ident.collate(_code_points(dialect)) > after_id))
    return source.at >= t0


@lru_cache(maxsize=4 * (len(FEED_KINDS) + 1))
def _feed_queries(dialect: str, grid_scoped: bool, cursor_kind: str | None) -> dict[str, Select]:
    """Each source's rows after the cursor in the key's order (time, then id as text), :n at
    most; built once per shape. Rows at one instant (a batch of 500 records shares its
    updated_at) are ordered by id too, so a page can neither skip nor repeat them."""
    n = bindparam("n")
    return {kind: source.rows.where(_after_cursor(source, kind, cursor_kind, dialect))
            .order_by(source.at, source.ident.collate(_code_points(dialect))).limit(n)
            for kind, source in _feed_sources(grid_scoped).items()}


def _sources_to_read(params: dict[str, Any], dialect: str, grid_scoped: bool, cursor_kind: str | None) -> set[str]:
    """The sources that hold items after the cursor, and "incomplete" when the phone has
    records `refresh_incomplete` must look at: one statement."""
    statement = _probe_statement(dialect, grid_scoped, cursor_kind)
    row = db.session.execute(statement, params).one()
    return {name for name, present in row._mapping.items() if present}


@lru_cache(maxsize=4 * (len(FEED_KINDS) + 1))
def _probe_statement(dialect: str, grid_scoped: bool, cursor_kind: str | None) -> Select:
    """SELECT EXISTS(...) per source, each its query's own FROM and WHERE, plus
    refresh_incomplete's question for this device; built once per shape.

    Each source counts only rows whose key (time, kind, id) is after the cursor's
    (`_after_cursor`, as its query reads them): the source the cursor names must not count
    the cursor's own item, nor the rest of a batch stored at the same instant, or an idle
    phone would read it at every poll."""
    columns = []
    for kind, source in _feed_sources(grid_scoped).items():
        rows = source.rows.where(_after_cursor(source, kind, cursor_kind, dialect))
        columns.append(rows.with_only_columns(literal_column("1"), maintain_column_froms=True).exists().label(kind))
    incomplete = select(literal_column("1")).where(SyncRecord.status == "incomplete", SyncRecord.device_id == bindparam("device_id"))
    return select(*columns, incomplete.exists().label("incomplete"))
