"""The working-day calendar of the product: the State Council's yearly holiday notices loaded
as data, over the `chinese-calendar` package and the statutory floor (cases.deadlines).

An administrator loads a year's notice (`PUT /api/v1/holiday-calendar/<year>` or
`flask holidays load FILE`); deadlines counted over that year before it was known were
provisional and are recomputed for every open case at once (docs/tickets.md)."""
from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select

from ..audit import service as audit
from ..errors import invalid as _invalid
from ..extensions import commit, db
from ..models_base import LOCAL_TZ, utcnow
from . import deadlines
from .models import Case, HolidayNotice

_cache: dict[str, Any] = {"key": None, "calendar": deadlines.WorkCalendar()}


def current_calendar() -> deadlines.WorkCalendar:
    """The calendar with every loaded notice (one small query; rebuilt when a notice changes,
    in every process, since the key is read from the database)."""
    key = tuple(db.session.execute(select(func.count(), func.max(HolidayNotice.loaded_at))).one())
    if key != _cache["key"]:
        notices = {n.year: deadlines.Notice(n.year, frozenset(map(date.fromisoformat, n.holidays)),
                                            frozenset(map(date.fromisoformat, n.workdays)), n.source)
                   for n in db.session.scalars(select(HolidayNotice))}
        _cache["calendar"], _cache["key"] = deadlines.WorkCalendar(notices), key
    return _cache["calendar"]


def years(first: int, last: int) -> list[dict[str, Any]]:
    """Which source decides each year's working days; 'statutory' years are provisional."""
    cal = current_calendar()
    return [{"year": y, "source": cal.source(y), "provisional": not cal.known(y),
             "notice": cal.notices[y].source if y in cal.notices else None} for y in range(first, last + 1)]


def _dates(values: list[str], year: int, name: str) -> frozenset[date]:
    out = set()
    for v in values:
        try:
            d = date.fromisoformat(v)
        except (TypeError, ValueError):
            raise _invalid("holidays.bad_date", f"{name} 中的日期无效：{v}", f"Invalid date in {name}: {v}", field=name) from None
        if d.year != year:
            raise _invalid("holidays.other_year", f"{name} 中的日期不属于 {year} 年：{v}", f"{v} in {name} is not in {year}", field=name)
        out.add(d)
    return frozenset(out)


def load_notice(year: int, holidays: list[str], workdays: list[str], source: str, actor_id: int | None = None) -> dict[str, Any]:
    """Store a year's notice and recompute the provisional deadlines it settles."""
    rest, work = _dates(holidays, year, "holidays"), _dates(workdays, year, "workdays")
    if rest & work:
        raise _invalid("holidays.overlap", "同一天不能既放假又上班", "A day cannot be both a holiday and a working day",
                       field="workdays", days=sorted(d.isoformat() for d in rest & work))
    if any(d.weekday() < 5 for d in work):
        raise _invalid("holidays.workday_not_weekend", "调休上班日应为周末", "Make-up working days fall on weekends", field="workdays")
    missing = deadlines.statutory_holidays(year) - rest
    if missing:  # the law fixes these: a notice cannot make them working days
        raise _invalid("holidays.statutory_missing", "通知须包含法定节假日", "The notice must include the statutory holidays",
                       field="holidays", days=sorted(d.isoformat() for d in missing))
    row = db.session.get(HolidayNotice, year) or HolidayNotice(year=year)
    row.holidays, row.workdays = sorted(d.isoformat() for d in rest), sorted(d.isoformat() for d in work)
    row.source, row.loaded_at, row.loaded_by_id = source.strip(), utcnow(), actor_id
    db.session.add(row)
    db.session.flush()
    audit.record("holidays.loaded", "holiday_notice", str(year), jurisdiction_id=None, actor_id=actor_id,
                 details={"source": row.source, "holidays": len(rest), "workdays": len(work)})
    changed = recompute_provisional()
    commit()
    return {"year": year, "source": row.source, "recomputed_cases": changed}


def stamp(case: Case, cal: deadlines.WorkCalendar | None = None) -> None:
    """Compute a case's deadlines from their base dates on the current calendar (the one
    place they are computed), and note which of them are provisional."""
    from flask import current_app

    cal = cal or current_calendar()
    cfg = current_app.config
    flags = []
    opened = case.opened_at.astimezone(LOCAL_TZ).date() if case.opened_at else None

    def put(name: str, base: date | None, compute) -> None:
        if base is None:
            setattr(case, name, None)
            return
        value = compute(base)
        setattr(case, name, value)
        if cal.provisional(base, value):
            flags.append(name)

    owes = (case.amount_fen or 0) > 0  # (None until the row is flushed)
    if case.procedure == "simple":
        put("filing_due", opened, lambda b: cal.add_working_days(b, filing_days(case.matter_code)))
        put("payment_due", case.decided_on if owes else None, lambda b: cal.period_end(b, 15))
    else:
        filed = case.filed_at.astimezone(LOCAL_TZ).date() if case.filed_at else None
        put("decision_due", filed, lambda b: cal.period_end(b, cfg["DECISION_DAYS"]))
        put("service_due", case.decided_on, lambda b: cal.add_working_days(b, cfg["SERVICE_WORKING_DAYS"]))
        put("payment_due", case.served_on if owes else None, lambda b: cal.period_end(b, 15))
    case.provisional = flags


def filing_days(matter_code: str) -> int:
    """备案 within this many working days: the matter's domain's own rule, else the default."""
    from flask import current_app

    from ..catalog import service as catalog

    by_domain = current_app.config.get("FILING_WORKING_DAYS_BY_DOMAIN") or {}
    matter = catalog.matter_by_code(matter_code) if by_domain else None
    return by_domain.get(matter.domain, current_app.config["FILING_WORKING_DAYS"]) if matter else current_app.config["FILING_WORKING_DAYS"]


def recompute_provisional() -> int:
    """Open cases whose deadlines were provisional, counted again on today's calendar."""
    cal = current_calendar()
    n = 0
    for case in db.session.scalars(select(Case).where(Case.stage != "closed")):
        if case.provisional:
            stamp(case, cal)
            n += 1
    return n
