"""patrol_fix_batches: monthly partitions on PostgreSQL (issue #21)

On PostgreSQL the table becomes a declaratively partitioned table, RANGE on `t_start`,
one partition per calendar month in Asia/Shanghai (`patrol_fix_batches_YYYY_MM`): the
primary key becomes (id, t_start), the patrol_id and t_start indexes become partitioned
indexes, and the rows move into the partitions of their months. Partitions are made for
every month that has data plus the current month and the next three; later months are
made by `flask fixes ensure` (daily, cron or a systemd timer) and, as a last resort, by
ingest itself (backend/patrols/partitions.py, docs/patrol-storage.md).

The partitioned table has no foreign key to `patrols`: attaching a partition to a table
with one takes SHARE ROW EXCLUSIVE on `patrols`, and dropping a detached month's copy of
it ACCESS EXCLUSIVE, so each monthly attach or drop would queue behind and then in front
of every ingest transaction (each updates its patrol). Ingest checks the patrol in the
same transaction, and patrols are never deleted.

SQLite keeps its one table: nothing changes there.

Revision ID: 0033_fix_partitions
Revises: 0032_complaint_subjects_tasks
"""
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from alembic import op


revision = "0033_fix_partitions"
down_revision = "0032_complaint_subjects_tasks"
branch_labels = None
depends_on = None

TABLE = "patrol_fix_batches"
LOCAL = timezone(timedelta(hours=8))  # Asia/Shanghai (no daylight saving): the product's months
MONTHS_AHEAD = 3


def _columns():
    return [
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("patrol_id", sa.String(length=36), nullable=False),
        sa.Column("device_id", sa.String(length=64), nullable=False),
        sa.Column("t_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("t_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    ]


COPY = "id, patrol_id, device_id, t_start, t_end, count, digest, data, received_at"


def _month_after(month: datetime) -> datetime:
    return month.replace(year=month.year + month.month // 12, month=month.month % 12 + 1)


def _is_partitioned(bind) -> bool:
    return bind.execute(sa.text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": TABLE}).scalar() == "p"


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or _is_partitioned(bind):
        return
    op.rename_table(TABLE, f"{TABLE}_unpartitioned")
    op.execute(f"ALTER TABLE {TABLE}_unpartitioned RENAME CONSTRAINT pk_{TABLE} TO pk_{TABLE}_unpartitioned")
    for column in ("patrol_id", "t_start"):
        op.execute(f"ALTER INDEX ix_{TABLE}_{column} RENAME TO ix_{TABLE}_unpartitioned_{column}")

    op.create_table(TABLE, *_columns(), sa.PrimaryKeyConstraint("id", "t_start", name=f"pk_{TABLE}"),
                    postgresql_partition_by="RANGE (t_start)")
    op.create_index(f"ix_{TABLE}_patrol_id", TABLE, ["patrol_id"])
    op.create_index(f"ix_{TABLE}_t_start", TABLE, ["t_start"])

    # every month that holds fixes, the current one and the next few (local calendar months)
    now = datetime.now(LOCAL).replace(tzinfo=None)
    months = {datetime(now.year, now.month, 1)}
    for _ in range(MONTHS_AHEAD):
        months.add(_month_after(max(months)))
    months |= set(bind.execute(sa.text(
        f"SELECT DISTINCT date_trunc('month', t_start AT TIME ZONE 'Asia/Shanghai') FROM {TABLE}_unpartitioned"
    )).scalars())
    for month in sorted(months):
        lo, hi = month.replace(tzinfo=LOCAL), _month_after(month).replace(tzinfo=LOCAL)
        op.execute(f"CREATE TABLE {TABLE}_{month.year:04d}_{month.month:02d} PARTITION OF {TABLE} "
                   f"FOR VALUES FROM ('{lo.isoformat(sep=' ')}') TO ('{hi.isoformat(sep=' ')}')")

    op.execute(f"INSERT INTO {TABLE} ({COPY}) SELECT {COPY} FROM {TABLE}_unpartitioned")
    op.drop_table(f"{TABLE}_unpartitioned")  # with its foreign key to patrols


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or not _is_partitioned(bind):
        return
    op.rename_table(TABLE, f"{TABLE}_partitioned")
    op.execute(f"ALTER TABLE {TABLE}_partitioned RENAME CONSTRAINT pk_{TABLE} TO pk_{TABLE}_partitioned")
    for column in ("patrol_id", "t_start"):
        op.execute(f"ALTER INDEX ix_{TABLE}_{column} RENAME TO ix_{TABLE}_partitioned_{column}")

    # the table as 0002_patrols made it; a batch id stored twice (the partitioned key allows
    # it, ingest never does it) or a batch of a missing patrol fails here loudly
    op.create_table(TABLE, *_columns(),
                    sa.ForeignKeyConstraint(["patrol_id"], ["patrols.id"], name=f"fk_{TABLE}_patrol_id_patrols", ondelete="CASCADE"),
                    sa.PrimaryKeyConstraint("id", name=f"pk_{TABLE}"))
    op.create_index(f"ix_{TABLE}_patrol_id", TABLE, ["patrol_id"])
    op.create_index(f"ix_{TABLE}_t_start", TABLE, ["t_start"])
    op.execute(f"INSERT INTO {TABLE} ({COPY}) SELECT {COPY} FROM {TABLE}_partitioned")
    op.drop_table(f"{TABLE}_partitioned")  # and every partition with it
