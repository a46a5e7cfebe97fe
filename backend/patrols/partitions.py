"""Monthly partitions of `patrol_fix_batches` on PostgreSQL (issue #21, docs/patrol-storage.md).

Plain functions over an Engine: list the partitions with their rows and bytes, make sure
the coming months exist, drop the months past retention. None of them stops the day's
ingest (INSERT into the current month, UPDATE of its patrol):

- a month is made as a standalone table (LIKE the parent, with a CHECK constraint equal
  to its range, so attaching scans nothing) and then ATTACHed, which takes SHARE UPDATE
  EXCLUSIVE on the parent: no INSERT, UPDATE or SELECT waits for that (PostgreSQL ≥ 12).
  `CREATE TABLE … PARTITION OF` would take ACCESS EXCLUSIVE on the parent instead;
- an old month is DETACHed CONCURRENTLY (PostgreSQL ≥ 14: SHARE UPDATE EXCLUSIVE, then it
  waits for the transactions using the table rather than locking them out; it cannot
  run inside a transaction block) and then dropped: only readers of that month wait.

There is no DEFAULT partition. With one, every ATTACH must scan it under ACCESS EXCLUSIVE
(which stops the inserts routed there) and fails while rows of the new month sit in it,
which someone then has to move by hand — on the day a month was forgotten, that is where
the storm went. Instead the month of a batch is made when it is missing (`ensure_month`,
called by ingest in its own short transaction, serialised by an advisory lock), and the
daily `flask fixes ensure` keeps that path cold.

Months are calendar months in Asia/Shanghai, as officers and retention rules count them;
a partition is named `patrol_fix_batches_YYYY_MM`. SQLite keeps its one plain table and
every function here is a no-op there.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date, datetime
from typing import Iterator, NamedTuple

from sqlalchemy import Connection, Engine, column, exists, func, table, text, true
from sqlalchemy.sql.elements import ColumnElement

from ..clock import LOCAL_TZ, local_today

__all__ = [
    "PARENT", "MONTHS_AHEAD", "Partition", "PartitionError", "month_of", "add_months", "month_bounds",
    "partition_name", "month_ready", "is_partitioned", "list_partitions", "ensure_month", "ensure_months",
    "drop_months_before",
]

PARENT = "patrol_fix_batches"
MONTHS_AHEAD = 3  # what the migration and `flask fixes ensure` make beyond the current month
_NAME = re.compile(rf"^{PARENT}_(\d{{4}})_(\d{{2}})$")
_MAKER_LOCK = 0x7A73_6678  # advisory lock taken by whoever makes a month ("zsfx")
_pg_inherits = table("pg_inherits", column("inhrelid"), column("inhdetachpending"))


class PartitionError(Exception):
    """A month cannot be made or dropped as asked (its name is taken, it is being detached,
    or the cut-off would take the current month)."""


class Partition(NamedTuple):
    name: str
    month: date | None  # from the name; None for a partition made by hand under another name
    bounds: str  # PostgreSQL's own words: FOR VALUES FROM (…) TO (…)
    detach_pending: bool  # a DETACH … CONCURRENTLY that was interrupted: `drop_months_before` finishes it
    rows: int  # exact when listed with exact=True, else the planner's estimate (-1: never analysed)
    fixes: int | None  # exact=True only
    table_bytes: int  # heap, free-space and visibility maps
    toast_bytes: int  # out-of-line `data` (batches over ~2 kB packed) and its index
    index_bytes: int

    @property
    def total_bytes(self) -> int:
        return self.table_bytes + self.toast_bytes + self.index_bytes


def month_of(t: datetime | date) -> date:
    """The first day of the local (Asia/Shanghai) month `t` falls in."""
    if isinstance(t, datetime):
        t = t.astimezone(LOCAL_TZ)
    return date(t.year, t.month, 1)


def add_months(month: date, n: int) -> date:
    k = month.year * 12 + month.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """[start, end) of a local month as aware instants: the partition's range."""
    nxt = add_months(month, 1)
    return (datetime(month.year, month.month, 1, tzinfo=LOCAL_TZ), datetime(nxt.year, nxt.month, 1, tzinfo=LOCAL_TZ))


def partition_name(month: date) -> str:
    return f"{PARENT}_{month.year:04d}_{month.month:02d}"


def _month_from_name(name: str) -> date | None:
    m = _NAME.match(name)
    return date(int(m[1]), int(m[2]), 1) if m else None


def _literal(t: datetime) -> str:
    return f"'{t.isoformat(sep=' ')}'"


def month_ready(t: datetime, dialect_name: str) -> ColumnElement[bool]:
    """A column for ingest's patrol query: is the partition for `t`'s month attached? Two
    small catalogue look-ups inside a query ingest makes anyway, so the hot path pays no
    round trip and no cache can go stale; always true on SQLite."""
    if dialect_name != "postgresql":
        return true()
    return exists().where(_pg_inherits.c.inhrelid == func.to_regclass(partition_name(month_of(t))),
                          _pg_inherits.c.inhdetachpending.is_(False))


def is_partitioned(conn: Connection) -> bool:
    if conn.dialect.name != "postgresql":
        return False
    return conn.execute(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": PARENT}).scalar() == "p"


@contextmanager
def _autocommit(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        yield conn.execution_options(isolation_level="AUTOCOMMIT")


def list_partitions(engine: Engine, *, exact: bool = False) -> list[Partition]:
    """The attached partitions, oldest first, with their size. `exact` counts rows and
    fixes (reads every row of every month); otherwise rows are the planner's estimate."""
    with engine.connect() as conn:
        if not is_partitioned(conn):
            return []
        rows = conn.execute(text(
            "SELECT c.relname, pg_get_expr(c.relpartbound, c.oid), i.inhdetachpending, c.reltuples::bigint,"
            " pg_table_size(c.oid) - coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),"
            " coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0), pg_indexes_size(c.oid)"
            " FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(:parent) ORDER BY c.relname"), {"parent": PARENT}).all()
        out = []
        for name, bounds, pending, estimate, table_bytes, toast_bytes, index_bytes in rows:
            count, fixes = estimate, None
            if exact:
                count, fixes = conn.execute(text(f'SELECT count(*), coalesce(sum("count"), 0) FROM ONLY "{name}"')).one()
            out.append(Partition(name, _month_from_name(name), bounds, pending, int(count),
                                 None if fixes is None else int(fixes), table_bytes, toast_bytes, index_bytes))
        return out


def _state(conn: Connection, name: str) -> str | None:
    """'attached', 'pending' (detach under way), 'standalone' (a table of that name that is
    not a partition) or None (no such table)."""
    row = conn.execute(text(
        "SELECT i.inhrelid IS NOT NULL, coalesce(i.inhdetachpending, false) FROM pg_class c"
        " LEFT JOIN pg_inherits i ON i.inhrelid = c.oid AND i.inhparent = to_regclass(:parent)"
        " WHERE c.oid = to_regclass(:name)"), {"parent": PARENT, "name": name}).first()
    if row is None:
        return None
    return ("pending" if row[1] else "attached") if row[0] else "standalone"


def ensure_month(engine: Engine, month: date, *, lock_timeout_ms: int = 5000) -> bool:
    """Make and attach `month`'s partition unless it is there; True when it was made.

    One short transaction of its own (never the caller's): an advisory lock so that two
    workers (or ingest and the timer) do not both make it; CREATE TABLE (LIKE …) with
    the parent's defaults, constraints and indexes; a CHECK of the month's range; ATTACH.
    The waits are bounded by `lock_timeout_ms` (ingest calls this inside a request)."""
    if engine.dialect.name != "postgresql":
        return False
    month = month_of(month)
    name = partition_name(month)
    lo, hi = month_bounds(month)
    with engine.connect() as conn, conn.begin():
        conn.execute(text(f"SET LOCAL lock_timeout = {int(lock_timeout_ms)}"))
        if not is_partitioned(conn):
            return False
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MAKER_LOCK})
        state = _state(conn, name)
        if state == "attached":
            return False
        if state is not None:
            raise PartitionError(f"{name} exists but is {'being detached' if state == 'pending' else 'not a partition'}; "
                                 f"finish `flask fixes drop-before` or rename it")
        conn.execute(text(f'CREATE TABLE "{name}" (LIKE "{PARENT}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                          f'INCLUDING INDEXES INCLUDING STORAGE INCLUDING COMPRESSION)'))
        conn.execute(text(f'ALTER TABLE "{name}" ADD CONSTRAINT "{name}_month" '
                          f'CHECK (t_start >= {_literal(lo)} AND t_start < {_literal(hi)})'))
        conn.execute(text(f'ALTER TABLE "{PARENT}" ATTACH PARTITION "{name}" '
                          f'FOR VALUES FROM ({_literal(lo)}) TO ({_literal(hi)})'))
    return True


def ensure_months(engine: Engine, months: int = MONTHS_AHEAD, *, today: date | None = None) -> list[str]:
    """Make the current month's partition and the next `months` ones where missing; the
    names made. Safe to run at any time and as often as liked (the daily timer)."""
    first = month_of(today or local_today())
    return [partition_name(m) for m in (add_months(first, n) for n in range(months + 1)) if ensure_month(engine, m)]


def drop_months_before(engine: Engine, cutoff: date, *, keep_tables: bool = False, today: date | None = None) -> list[str]:
    """Detach (CONCURRENTLY) every month before `cutoff`'s and drop it, or with
    `keep_tables` rename it `…_detached` for archiving (`pg_dump -t`) instead; the names.
    Re-runnable: a detach left pending is finalised, a detached table left over is dropped.
    Refuses a cut-off after the current month (it would drop the day's fixes)."""
    cutoff = month_of(cutoff)
    current = month_of(today or local_today())
    if cutoff > current:
        raise PartitionError(f"the cut-off {cutoff:%Y-%m} is after the current month {current:%Y-%m}")
    done: list[str] = []
    with _autocommit(engine) as conn:
        if not is_partitioned(conn):
            return done
        attached = dict(conn.execute(text(
            "SELECT c.relname, i.inhdetachpending FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid"
            " WHERE i.inhparent = to_regclass(:parent)"), {"parent": PARENT}).all())
        leftover = set(conn.scalars(text(
            "SELECT c.relname FROM pg_class c WHERE c.relkind = 'r' AND c.relname LIKE :like"
            " AND c.relnamespace = (SELECT relnamespace FROM pg_class WHERE oid = to_regclass(:parent))"
            " AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)"),
            {"like": f"{PARENT}_%", "parent": PARENT}))
        for name in sorted(set(attached) | leftover):
            month = _month_from_name(name)
            if month is None or month >= cutoff:
                continue
            if name in attached:
                how = "FINALIZE" if attached[name] else "CONCURRENTLY"
                conn.execute(text(f'ALTER TABLE "{PARENT}" DETACH PARTITION "{name}" {how}'))
            if keep_tables:
                conn.execute(text(f'ALTER TABLE "{name}" RENAME TO "{name}_detached"'))
            else:
                conn.execute(text(f'DROP TABLE "{name}"'))
            done.append(name)
    return done
