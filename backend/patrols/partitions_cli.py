"""`flask fixes …`: the monthly partitions of the raw GPS fixes on PostgreSQL
(backend/patrols/partitions.py, docs/patrol-storage.md). Run `flask fixes ensure` daily
from cron or a systemd timer; `drop-before` when the retention rule says so."""
from __future__ import annotations

from datetime import date, datetime

import click
from flask.cli import AppGroup

fixes_group = AppGroup("fixes", help="Raw GPS fixes: monthly partitions of patrol_fix_batches on PostgreSQL.")


def _engine():
    from ..extensions import db

    return db.engine


def _sqlite_note(engine) -> bool:
    if engine.dialect.name != "postgresql":
        click.echo("SQLite keeps the fixes in one table: there are no partitions to manage.")
        return True
    return False


def _month(_ctx, _param, value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise click.BadParameter("expected YYYY-MM, e.g. 2025-01") from None


def _size(n: int) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


@fixes_group.command("partitions")
@click.option("--exact", is_flag=True, help="count rows and fixes (reads every row); otherwise rows are the planner's estimate")
def list_command(exact: bool) -> None:
    """List the month partitions with their rows and bytes."""
    from .partitions import list_partitions

    engine = _engine()
    if _sqlite_note(engine):
        return
    parts = list_partitions(engine, exact=exact)
    click.echo(f"{'partition':28} {'rows':>10} {'fixes':>12} {'table':>10} {'toast':>10} {'indexes':>10} {'total':>10}")
    for p in parts:
        fixes = "" if p.fixes is None else str(p.fixes)
        rows = str(p.rows) if exact or p.rows >= 0 else "?"
        flag = "  (detach pending)" if p.detach_pending else ""
        click.echo(f"{p.name:28} {rows:>10} {fixes:>12} {_size(p.table_bytes):>10} {_size(p.toast_bytes):>10} "
                   f"{_size(p.index_bytes):>10} {_size(p.total_bytes):>10}{flag}")
    total = sum(p.total_bytes for p in parts)
    click.echo(f"{len(parts)} partition(s), {_size(total)}")


@fixes_group.command("ensure")
@click.option("--months", default=3, show_default=True, type=click.IntRange(0, 120),
              help="months to make beyond the current one")
def ensure_command(months: int) -> None:
    """Make the current month's partition and the next MONTHS where missing (run daily)."""
    from .partitions import PartitionError, ensure_months

    engine = _engine()
    if _sqlite_note(engine):
        return
    try:
        made = ensure_months(engine, months)
    except PartitionError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"made {', '.join(made)}" if made else "every month is there")


@fixes_group.command("drop-before")
@click.argument("month", callback=_month, metavar="YYYY-MM")
@click.option("--keep-tables", is_flag=True, help="detach and rename to …_detached (for pg_dump -t) instead of dropping")
@click.confirmation_option(prompt="Drop every month of raw fixes before this one?")
def drop_command(month: date, keep_tables: bool) -> None:
    """Detach (concurrently) and drop every month before MONTH, past the retention period."""
    from .partitions import PartitionError, drop_months_before

    engine = _engine()
    if _sqlite_note(engine):
        return
    try:
        done = drop_months_before(engine, month, keep_tables=keep_tables)
    except PartitionError as exc:
        raise click.ClickException(str(exc)) from None
    verb = "detached" if keep_tables else "dropped"
    click.echo(f"{verb} {', '.join(done)}" if done else f"no month before {month:%Y-%m}")
