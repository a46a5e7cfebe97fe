"""Append to and verify the hash-chained audit trail.

Each entry's hash covers its own fields and the previous entry's hash, per chain (one
chain per jurisdiction). Editing, deleting or reordering rows breaks the chain at the
first tampered link, which `verify_chain` names.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterator

from sqlalchemy import bindparam, select

from ..extensions import db
from ..models_base import utcnow
from .models import AuditChain, AuditEntry

GENESIS = "0" * 64
DISTRICT_CHAIN = 0


def entry_hash(prev_hash: str, chain: int, seq: int, at: datetime, actor_id: int | None, device_id: str | None,
               action: str, object_type: str, object_id: str, details: dict[str, Any]) -> str:
    body = json.dumps(
        [prev_hash, chain, seq, at.isoformat(timespec="microseconds"), actor_id, device_id, action, object_type,
         object_id, details],
        ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(action: str, object_type: str, object_id: str, *, jurisdiction_id: int | None, actor_id: int | None = None,
           device_id: str | None = None, details: dict[str, Any] | None = None, at: datetime | None = None) -> None:
    """Append one entry in the current transaction (committed with the caller's work)."""
    record_many([{"action": action, "object_type": object_type, "object_id": object_id, "actor_id": actor_id,
                  "device_id": device_id, "details": details, "at": at}], jurisdiction_id=jurisdiction_id)


def record_many(entries: list[dict[str, Any]], *, jurisdiction_id: int | None) -> None:
    """Append entries to one chain under its lock (`SELECT … FOR UPDATE` on the head):
    each hashed on the one before, one head update and one insert for all of them.
    Each entry: action, object_type, object_id, actor_id, device_id, details[, at]."""
    if not entries:
        return
    chain_key = jurisdiction_id or DISTRICT_CHAIN
    read_head, create_head, move_head = _head_statements()
    db.session.flush()  # what the caller added goes first, as an ORM query would have flushed it
    connection = db.session.connection()  # the head is read and moved as rows (no ORM object to keep in step)
    head = connection.execute(read_head, {"b_chain": chain_key}).first()
    if head is None:
        seq, prev = 0, GENESIS
        connection.execute(create_head, {"b_chain": chain_key, "b_seq": 0, "b_hash": GENESIS})
    else:
        seq, prev = head
    rows = []
    now = utcnow()
    for e in entries:
        at = e.get("at") or now
        details = json.loads(json.dumps(e.get("details") or {}, default=str))  # what is stored is what is hashed
        seq += 1
        digest = entry_hash(prev, chain_key, seq, at, e.get("actor_id"), e.get("device_id"), e["action"], e["object_type"],
                            str(e["object_id"]), details)
        rows.append(dict(chain=chain_key, seq=seq, at=at, actor_id=e.get("actor_id"), device_id=e.get("device_id"),
                         action=e["action"], object_type=e["object_type"], object_id=str(e["object_id"]), details=details,
                         prev_hash=prev, hash=digest))
        prev = digest
    # one executemany of Core rows, in seq order (ids follow, as verify_chain reads them)
    connection.execute(AuditEntry.__table__.insert(), rows)
    connection.execute(move_head, {"b_chain": chain_key, "b_seq": seq, "b_hash": prev})


@lru_cache(maxsize=1)
def _head_statements() -> tuple[Any, Any, Any]:
    """Read (locked), create and move a chain's head: built once, with bind parameters."""
    t = AuditChain.__table__
    chain, seq, last = (bindparam(f"b_{k}", type_=c.type) for k, c in (("chain", t.c.chain), ("seq", t.c.last_seq), ("hash", t.c.last_hash)))
    return (select(t.c.last_seq, t.c.last_hash).where(t.c.chain == chain).with_for_update(),
            t.insert().values(chain=chain, last_seq=seq, last_hash=last),
            t.update().where(t.c.chain == chain).values(last_seq=seq, last_hash=last))


@dataclass
class Broken:
    chain: int
    seq: int
    entry_id: int | None
    reason: str

    def __str__(self) -> str:
        return f"chain {self.chain}: first broken link at seq {self.seq} (entry id {self.entry_id}): {self.reason}"


def verify_chain(chain_key: int) -> Broken | None:
    """Recompute a chain from its genesis; the first broken link, or None if intact."""
    prev, expected_seq = GENESIS, 1
    for e in db.session.scalars(select(AuditEntry).where(AuditEntry.chain == chain_key).order_by(AuditEntry.id)):

        if e.seq != expected_seq:
            return Broken(chain_key, expected_seq, e.id, f"expected seq {expected_seq}, found {e.seq} (deleted or reordered)")
        if e.prev_hash != prev:
            return Broken(chain_key, e.seq, e.id, "prev_hash does not match the previous entry (deleted or reordered)")
        recomputed = entry_hash(prev, e.chain, e.seq, e.at, e.actor_id, e.device_id, e.action, e.object_type,
                                e.object_id, e.details or {})
        if recomputed != e.hash:
            return Broken(chain_key, e.seq, e.id, "content does not match its hash (edited)")
        prev, expected_seq = e.hash, expected_seq + 1
    # read as a row: an ORM head in the session could lag behind record_many's Core update
    head = db.session.execute(select(AuditChain.last_seq, AuditChain.last_hash).where(AuditChain.chain == chain_key)).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev):
        return Broken(chain_key, expected_seq, None, "entries after the last one are missing (truncated)")
    return None


def verify_all() -> Iterator[tuple[int, Broken | None]]:
    chains = set(db.session.scalars(select(AuditChain.chain))) | set(db.session.scalars(select(AuditEntry.chain).distinct()))
    for chain_key in sorted(chains):
        yield chain_key, verify_chain(chain_key)


def entries_for(object_type: str, object_id: str) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.object_type == object_type, AuditEntry.object_id == object_id).order_by(AuditEntry.id)
    ))
