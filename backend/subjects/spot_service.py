"""双随机、一公开: plans, the draw, its verification, results and publication.

Every entry point (REST today, the CLI tomorrow) comes through these functions, which check
who may act (a supervisor or an admin of the plan's street) themselves. The draw itself is
`draw.py` (pure); this module gathers its inputs from the register, the officers and the
earlier draws, records them, and dispatches one task per drawn subject through tasks/.
Results are read from patrols/ (`inspections.of_subjects`); nothing here writes another
feature's tables.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import service as audit
from ..auth import service as auth
from ..auth.access import Identity, other_jurisdiction, role_forbidden, scope_jurisdiction
from ..auth.models import Officer
from ..clock import LOCAL_TZ, local_today
from ..errors import ApiError, NotFound
from ..extensions import commit, db
from ..models_base import utcnow
from . import draw as drawing
from .models import Subject
from .spot_models import PUBLICATION_WORKING_DAYS, SpotCheckItem, SpotCheckPlan

MAX_COUNT = 200  # subjects in one plan
MAX_PERIOD_DAYS = 366
MANAGERS = ("supervisor", "admin")
PLAN_STATUSES = ("planned", "drawn", "published")
# whose name the public page masks: a person (and a 个体工商户, a natural person in law — domain.md)
PERSON_KINDS = ("individual", "individual_business")
KIND_ZH = {"shop": "商户", "company": "企业", "individual_business": "个体工商户", "site": "场所", "individual": "个人",
           "other": "其他"}
RESULT_ZH = {"compliant": "未发现问题", "rectify": "发现问题，已责令整改", "violation": "发现违法行为，依法处理"}
NOT_INSPECTED_ZH = "未检查"

# the feature's refusals, named once: code → (status, Chinese, English)
PROBLEMS: dict[str, tuple[int, str, str]] = {
    "spotcheck.not_found": (404, "抽查计划不存在", "Spot-check plan not found"),
    "spotcheck.jurisdiction_required": (422, "请指定乡镇（街道）：jurisdiction_id", "Name the jurisdiction the plan is for (jurisdiction_id)"),
    "spotcheck.unknown_jurisdiction": (422, "乡镇（街道）不存在：jurisdiction_id", "No such jurisdiction (jurisdiction_id)"),
    "spotcheck.domain_required": (422, "请指定门类（domain）或执法事项（matter_codes）", "Name a domain or matter codes"),
    "spotcheck.unknown_domain": (422, "本乡镇（街道）没有该门类的赋权事项：domain", "No matter of this domain is empowered here (domain)"),
    "spotcheck.unknown_matter": (422, "执法事项不存在或未赋权本乡镇（街道）：matter_codes",
                                 "Unknown matter, or not empowered here (matter_codes)"),
    "spotcheck.matters_outside_domain": (422, "一个抽查计划的执法事项须属同一门类：matter_codes",
                                         "The matters of a plan belong to its one domain (matter_codes)"),
    "spotcheck.unknown_grid": (422, "网格不存在或不属本乡镇（街道）：grids", "No such grid in this jurisdiction (grids)"),
    "spotcheck.bad_period": (422, "检查期限无效：结束日期不得早于开始日期，期限不超过一年（ends_on）",
                             "Bad period: ends_on not before starts_on, at most a year (ends_on)"),
    "spotcheck.period_past": (422, "检查期限已经结束：ends_on", "The period has already ended (ends_on)"),
    "spotcheck.already_drawn": (409, "该计划已经抽取，不能重复抽取", "This plan has been drawn already; a draw is made once"),
    "spotcheck.period_over": (409, "检查期限已过，不能再抽取", "The plan's period is over: it can no longer be drawn"),
    "spotcheck.not_enough_subjects": (422, "符合条件的检查对象少于抽取数量：count", "Fewer eligible subjects than the count (count)"),
    "spotcheck.not_enough_officers": (422, "符合条件的执法人员不足：每个对象须两名持有效执法证（覆盖该门类）、且未检查过其上次抽查的执法队员（domain）",
                                      "Not enough eligible officers: each subject needs two active officers certified for the "
                                      "domain who were not its previous spot check's pair (domain)"),
    "spotcheck.not_drawn": (409, "该计划尚未抽取", "This plan has not been drawn yet"),
    "spotcheck.already_published": (409, "该计划的抽查结果已经公示", "This plan's results are published already"),
    "spotcheck.not_finished": (409, "检查期限未满且仍有对象未检查，暂不能公示", "The period is not over and some subjects are not inspected yet"),
}


def problem(code: str, **details: Any) -> ApiError:
    status, zh, en = PROBLEMS[code]
    return ApiError(code, zh, en, status=status, details=details)


def _require_manager(identity: Identity) -> None:
    if identity.role not in MANAGERS:
        raise role_forbidden(needs="supervisor")


# --- plans ------------------------------------------------------------------------


def create_plan(identity: Identity, *, name: str, count: int, starts_on: date, ends_on: date, domain: str | None = None,
                matter_codes: Iterable[str] = (), kinds: Iterable[str] = (), risk_classes: Iterable[str] = (),
                grids: Iterable[str] = (), weighted: bool = False, publication_working_days: int = PUBLICATION_WORKING_DAYS,
                seed: str | None = None, jurisdiction_id: int | None = None) -> SpotCheckPlan:
    """抽查计划: what is checked (a domain, or matters of one domain), which subjects may be
    drawn, how many, when; a supervisor of the street (a district admin names the street)."""
    from ..catalog import service as catalog

    _require_manager(identity)
    jid = scope_jurisdiction(identity, jurisdiction_id)
    if jid is None:
        raise problem("spotcheck.jurisdiction_required", field="jurisdiction_id")
    try:
        catalog.get_jurisdiction(jid)
    except NotFound:
        raise problem("spotcheck.unknown_jurisdiction", field="jurisdiction_id") from None
    matter_codes, kinds, risk_classes, grids = (list(dict.fromkeys(x)) for x in (matter_codes, kinds, risk_classes, grids))
    domain = _plan_domain(jid, domain, matter_codes)
    for code in grids:
        grid = catalog.grid_by_code(code)
        if grid is None or grid.jurisdiction_id != jid:
            raise problem("spotcheck.unknown_grid", field="grids", grid=code)
    if ends_on < starts_on or (ends_on - starts_on).days >= MAX_PERIOD_DAYS:
        raise problem("spotcheck.bad_period", field="ends_on")
    if ends_on < local_today():
        raise problem("spotcheck.period_past", field="ends_on")
    plan = SpotCheckPlan(jurisdiction_id=jid, name=" ".join(name.split()), domain=domain, matter_codes=matter_codes, kinds=kinds,
                         risk_classes=risk_classes, grids=grids, count=count, weighted=weighted, starts_on=starts_on,
                         ends_on=ends_on, publication_working_days=publication_working_days, seed=seed,
                         seed_source="given" if seed else None, created_by_id=identity.officer_id, created_at=utcnow())
    db.session.add(plan)
    db.session.flush()
    audit.record("spotcheck.planned", "spot_check", str(plan.id), jurisdiction_id=jid, actor_id=identity.officer_id,
                 device_id=identity.device_id,
                 details={"name": plan.name, "domain": domain, "matter_codes": matter_codes, "kinds": kinds,
                          "risk_classes": risk_classes, "grids": grids, "count": count, "weighted": weighted,
                          "starts_on": starts_on, "ends_on": ends_on, "seed_given": bool(seed)})
    commit()
    return plan


def _plan_domain(jid: int, domain: str | None, matter_codes: list[str]) -> str:
    """The plan's one domain: as named, or the common domain of its matters, all empowered here."""
    from ..catalog import service as catalog

    if not domain and not matter_codes:
        raise problem("spotcheck.domain_required", field="domain")
    domains = set()
    for code in matter_codes:
        matter = catalog.matter_by_code(code)
        if matter is None or not matter.active or not catalog.is_empowered(jid, matter.id):
            raise problem("spotcheck.unknown_matter", field="matter_codes", matter=code)
        domains.add(matter.domain)
    if domain:
        if domains - {domain}:
            raise problem("spotcheck.matters_outside_domain", field="matter_codes", domains=sorted(domains))
        if not matter_codes and domain not in {m["domain"] for m in catalog.matters_catalog(jid) if m["empowered"]}:
            raise problem("spotcheck.unknown_domain", field="domain", domain=domain)
        return domain
    if len(domains) != 1:
        raise problem("spotcheck.matters_outside_domain", field="matter_codes", domains=sorted(domains))
    return domains.pop()


def get_plan(plan_id: int, identity: Identity, *, for_update: bool = False) -> SpotCheckPlan:
    """A plan of the caller's street (a district admin: any), for a supervisor or an admin."""
    _require_manager(identity)
    query = select(SpotCheckPlan).where(SpotCheckPlan.id == plan_id)
    plan = db.session.scalar(query.with_for_update() if for_update else query)
    if plan is None:
        raise problem("spotcheck.not_found")
    if not identity.is_global_admin and plan.jurisdiction_id != identity.jurisdiction_id:
        raise other_jurisdiction()
    return plan


def list_plans(identity: Identity, jurisdiction_id: int | None, status: str | None = None):
    """The street's plans (a query for paging), newest first by the caller."""
    _require_manager(identity)
    query = select(SpotCheckPlan)
    if jurisdiction_id is not None:
        query = query.where(SpotCheckPlan.jurisdiction_id == jurisdiction_id)
    if status == "planned":
        query = query.where(SpotCheckPlan.drawn_at.is_(None))
    elif status == "drawn":
        query = query.where(SpotCheckPlan.drawn_at.is_not(None), SpotCheckPlan.published_at.is_(None))
    elif status == "published":
        query = query.where(SpotCheckPlan.published_at.is_not(None))
    return query


def status_of(plan: SpotCheckPlan) -> str:
    return "published" if plan.published_at else "drawn" if plan.drawn_at else "planned"


# --- the draw -----------------------------------------------------------------------


def eligible_subjects(plan: SpotCheckPlan) -> list[Subject]:
    """Live subjects of the street (not merged into another) matching the plan's filters."""
    from ..catalog import service as catalog

    query = select(Subject).where(Subject.jurisdiction_id == plan.jurisdiction_id, Subject.merged_into_id.is_(None))
    if plan.kinds:
        query = query.where(Subject.kind.in_(plan.kinds))
    if plan.risk_classes:
        query = query.where(Subject.risk_class.in_(plan.risk_classes))
    if plan.grids:
        grid_ids = [g.id for g in (catalog.grid_by_code(c) for c in plan.grids) if g is not None and g.jurisdiction_id == plan.jurisdiction_id]
        query = query.where(Subject.grid_id.in_(grid_ids))
    return list(db.session.scalars(query.order_by(Subject.id)))


def eligible_officers(plan: SpotCheckPlan, day: date) -> list[Officer]:
    """Active officers (执法队员, never auxiliaries) of the street whose certificate covers the
    plan's domain on `day` — the rule of auth.can_decide_penalties."""
    query = auth.list_officers(plan.jurisdiction_id).options(selectinload(Officer.certificates)).order_by(Officer.id)
    return [o for o in db.session.scalars(query) if o.active and auth.can_decide_penalties(o, plan.domain, day)]


def previous_pairs(jurisdiction_id: int, subject_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """The officers of each subject's latest spot check in this street: neither may inspect it in
    the next one. A duplicate since merged into the subject counts as the subject (if both were
    drawn in that check, both pairs are left out)."""
    wanted = set(subject_ids)
    merged = dict(db.session.execute(select(Subject.id, Subject.merged_into_id).where(
        Subject.jurisdiction_id == jurisdiction_id, Subject.merged_into_id.is_not(None))).all())

    def live(sid: int) -> int:
        for _ in range(10):
            if sid not in merged:
                break
            sid = merged[sid]
        return sid

    latest: dict[int, int] = {}  # subject → the plan of its latest spot check
    out: dict[int, set[int]] = {}
    rows = db.session.execute(
        select(SpotCheckItem.plan_id, SpotCheckItem.subject_id, SpotCheckItem.first_officer_id, SpotCheckItem.second_officer_id)
        .join(SpotCheckPlan, SpotCheckPlan.id == SpotCheckItem.plan_id)
        .where(SpotCheckPlan.jurisdiction_id == jurisdiction_id, SpotCheckPlan.drawn_at.is_not(None))
        .order_by(SpotCheckPlan.drawn_at.desc(), SpotCheckPlan.id.desc()))
    for plan_id, sid, first, second in rows:
        sid = live(sid)
        if sid in wanted and latest.setdefault(sid, plan_id) == plan_id:
            out.setdefault(sid, set()).update((first, second))
    return {sid: tuple(sorted(officers)) for sid, officers in out.items()}


def draw_plan(identity: Identity, plan_id: int) -> SpotCheckPlan:
    """The draw, once: gather the inputs, draw with the recorded (or a new) seed, dispatch a
    task per subject to its first officer, keep the items, and put it all on the audit trail."""
    plan = get_plan(plan_id, identity, for_update=True)
    if plan.drawn_at is not None:
        raise problem("spotcheck.already_drawn")
    day = local_today()
    if day > plan.ends_on:
        raise problem("spotcheck.period_over", ends_on=plan.ends_on.isoformat())
    subjects = eligible_subjects(plan)
    officers = eligible_officers(plan, day)
    inputs = drawing.make_inputs([(s.id, s.risk_class) for s in subjects], [o.id for o in officers],
                                 previous_pairs(plan.jurisdiction_id, [s.id for s in subjects]), plan.count, plan.weighted)
    seed = plan.seed or drawing.new_seed()
    try:
        items = drawing.draw(inputs, seed)
    except drawing.NotEnoughSubjects as exc:
        raise problem("spotcheck.not_enough_subjects", field="count", eligible=exc.eligible, wanted=exc.wanted) from exc
    except drawing.NotEnoughOfficers as exc:
        raise problem("spotcheck.not_enough_officers", field="domain", eligible=exc.eligible, subject_id=exc.subject_id) from exc
    by_subject = {s.id: s for s in subjects}
    by_officer = {o.id: o for o in officers}
    plan.seed, plan.seed_source = seed, plan.seed_source or "server"
    plan.inputs, plan.inputs_digest = drawing.inputs_to_json(inputs), drawing.inputs_digest(inputs)
    plan.drawn_at, plan.drawn_by_id = utcnow(), identity.officer_id
    for position, item in enumerate(items, start=1):
        subject = by_subject[item.subject_id]
        first, second = (by_officer[o] for o in item.officer_ids)
        task = _dispatch(identity, plan, subject, first, second)
        db.session.add(SpotCheckItem(plan=plan, position=position, subject_id=subject.id, first_officer_id=first.id,
                                     second_officer_id=second.id, task_id=task.id))
    db.session.flush()
    audit.record("spotcheck.drawn", "spot_check", str(plan.id), jurisdiction_id=plan.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details=_draw_record(plan))
    commit()
    return plan


def _draw_record(plan: SpotCheckPlan) -> dict[str, Any]:
    """What the audit trail keeps of a draw (and verify compares with)."""
    return {"seed": plan.seed, "seed_source": plan.seed_source, "inputs_digest": plan.inputs_digest,
            "eligible_subjects": len((plan.inputs or {}).get("subjects", [])), "eligible_officers": len((plan.inputs or {}).get("officers", [])),
            "items": [[i.subject_id, i.first_officer_id, i.second_officer_id, i.task_id] for i in plan.items]}


def _dispatch(identity: Identity, plan: SpotCheckPlan, subject: Subject, first: Officer, second: Officer):
    """One task (tasks/ has one assignee: the first officer); it names both and the subject."""
    from ..tasks import service as tasks

    title = f"双随机抽查：{subject.name}"[:128]
    description = (f"抽查计划「{plan.name}」（第 {plan.id} 号，门类：{plan.domain}）随机抽取的检查对象：{subject.name}，"
                   f"地址：{subject.address or '未登记'}。检查人员（随机选派）：{first.name}（{first.username}）、"
                   f"{second.name}（{second.username}），两人共同检查。检查期限：{plan.starts_on.isoformat()} 至 "
                   f"{plan.ends_on.isoformat()}；检查结果以检查记录为准，依法向社会公示。")
    due = datetime.combine(plan.ends_on, time(23, 59, 59), tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    return tasks.dispatch(identity, title=title, description=description, assignee=first.username, lat=subject.lat,
                          lon=subject.lon, address=(subject.address or "")[:255], due_at=due)


def verify(identity: Identity, plan_id: int) -> dict[str, Any]:
    """Re-run the draw from the recorded inputs and seed: does it give the recorded items? The
    stored inputs must still have their recorded digest, and the audit trail's record of the
    draw (hash-chained) must agree with what is stored."""
    plan = get_plan(plan_id, identity)
    if plan.drawn_at is None:
        raise problem("spotcheck.not_drawn")
    recorded = [{"subject_id": i.subject_id, "officer_ids": [i.first_officer_id, i.second_officer_id]} for i in plan.items]
    recomputed, digest_ok, error = None, False, None
    try:
        inputs = drawing.inputs_from_json(plan.inputs)
        digest_ok = drawing.inputs_digest(inputs) == plan.inputs_digest
        recomputed = [{"subject_id": i.subject_id, "officer_ids": list(i.officer_ids)} for i in drawing.draw(inputs, plan.seed or "")]
    except ValueError as exc:  # DrawError is a ValueError too: stored inputs that no longer draw
        error = str(exc)
    trail = [e for e in audit.entries_for("spot_check", str(plan.id)) if e.action == "spotcheck.drawn"]
    audit_ok = len(trail) == 1 and trail[0].details == _json_safe(_draw_record(plan))
    return {"matches": bool(digest_ok and audit_ok and recomputed == recorded), "seed": plan.seed,
            "inputs_digest": plan.inputs_digest, "inputs_digest_matches": digest_ok, "audit_matches": audit_ok,
            "recorded": recorded, "recomputed": recomputed, "error": error}


def _json_safe(value: Any) -> Any:
    import json

    return json.loads(json.dumps(value, default=str))


# --- results and publication --------------------------------------------------------


def live_result(plan: SpotCheckPlan, item: SpotCheckItem) -> dict[str, Any] | None:
    """The item's result: the first inspection of its subject (or a duplicate merged into it)
    by one of its pair, dated (Asia/Shanghai) within the plan's period; None while there is none."""
    from ..patrols import inspections

    from . import service as subjects

    subject = db.session.get(Subject, item.subject_id)
    pair = {item.first_officer_id, item.second_officer_id}
    visits = [v for v in inspections.of_subjects(subjects.merged_ids(subject))
              if v["officer_id"] in pair and plan.starts_on <= v["inspected_at"].astimezone(LOCAL_TZ).date() <= plan.ends_on]
    if not visits:
        return None
    v = min(visits, key=lambda x: (x["inspected_at"], x["id"]))
    return {"result": v["result"], "inspection_id": v["id"], "inspected_on": v["inspected_at"].astimezone(LOCAL_TZ).date(),
            "officer_id": v["officer_id"], "reinspection_result": (v.get("reinspection") or {}).get("result")}


def result_of(plan: SpotCheckPlan, item: SpotCheckItem) -> dict[str, Any] | None:
    """As published once published (the publication does not change), else as it stands."""
    if plan.published_at is None:
        return live_result(plan, item)
    if item.published_result is None:
        return None
    return {"result": item.published_result, "inspection_id": item.published_inspection_id,
            "inspected_on": item.published_inspected_on, "officer_id": None,
            "reinspection_result": item.published_reinspection_result}


def public_name(subject: Subject) -> str:
    """A subject's name as the public reads it: an organisation's is public, a person's masked."""
    from ..tickets.service import mask_name

    return mask_name(subject.name) if subject.kind in PERSON_KINDS else subject.name


def publish(identity: Identity, plan_id: int) -> SpotCheckPlan:
    """一公开: publish the plan's results on the public page, as they stand now (kept as published)."""
    plan = get_plan(plan_id, identity, for_update=True)
    if plan.drawn_at is None:
        raise problem("spotcheck.not_drawn")
    if plan.published_at is not None:
        raise problem("spotcheck.already_published")
    results = [(item, live_result(plan, item)) for item in plan.items]
    pending = [item.subject_id for item, r in results if r is None]
    if pending and local_today() <= plan.ends_on:
        raise problem("spotcheck.not_finished", pending=pending, ends_on=plan.ends_on.isoformat())
    for item, r in results:
        subject = db.session.get(Subject, item.subject_id)
        item.published_name, item.published_kind = public_name(subject)[:128], subject.kind
        if r is not None:
            item.published_result, item.published_inspection_id = r["result"], r["inspection_id"]
            item.published_inspected_on, item.published_reinspection_result = r["inspected_on"], r["reinspection_result"]
    plan.published_at, plan.published_by_id = utcnow(), identity.officer_id
    audit.record("spotcheck.published", "spot_check", str(plan.id), jurisdiction_id=plan.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id,
                 details={"results": [[i.subject_id, i.published_result, i.published_inspection_id] for i in plan.items]})
    commit()
    return plan


def publication_deadline(plan: SpotCheckPlan) -> tuple[date, bool]:
    """The last day to publish (working days after the period ends) and whether that date is
    provisional (counted over a year whose holiday notice is not known yet)."""
    from ..cases.holidays import current_calendar

    cal = current_calendar()
    due = cal.add_working_days(plan.ends_on, plan.publication_working_days)
    return due, cal.provisional(plan.ends_on, due)


def publication_overdue(plan: SpotCheckPlan, deadline: date | None = None) -> bool:
    """Not published and the deadline has passed: flagged on the console."""
    if plan.published_at is not None:
        return False
    return local_today() > (deadline or publication_deadline(plan)[0])


# --- shapes -------------------------------------------------------------------------


def _local_day(at: datetime | None) -> date | None:
    return at.astimezone(LOCAL_TZ).date() if at else None


def plan_to_dict(plan: SpotCheckPlan, *, with_items: bool = True) -> dict[str, Any]:
    deadline, provisional = publication_deadline(plan)
    out = {
        "id": plan.id, "jurisdiction_id": plan.jurisdiction_id, "name": plan.name, "domain": plan.domain,
        "matter_codes": list(plan.matter_codes or []), "kinds": list(plan.kinds or []), "risk_classes": list(plan.risk_classes or []),
        "grids": list(plan.grids or []), "count": plan.count, "weighted": bool(plan.weighted), "starts_on": plan.starts_on,
        "ends_on": plan.ends_on, "publication_working_days": plan.publication_working_days, "status": status_of(plan),
        "publication_deadline": deadline, "publication_deadline_provisional": provisional,
        "publication_overdue": publication_overdue(plan, deadline),
        # a seed the supervisor gave is shown to managers; a server seed only once it was used
        "seed": plan.seed, "seed_source": plan.seed_source, "inputs_digest": plan.inputs_digest,
        "created_at": plan.created_at, "created_by_id": plan.created_by_id, "drawn_at": plan.drawn_at, "drawn_by_id": plan.drawn_by_id,
        "published_at": plan.published_at, "published_by_id": plan.published_by_id,
    }
    if not with_items:
        return out
    officers = {o.id: o for o in auth.officers_by_ids({i.first_officer_id for i in plan.items} | {i.second_officer_id for i in plan.items})}
    subjects = {s.id: s for s in db.session.scalars(select(Subject).where(Subject.id.in_([i.subject_id for i in plan.items])))} \
        if plan.items else {}
    items, tally = [], {"pending": 0, "compliant": 0, "rectify": 0, "violation": 0}
    for i in plan.items:
        s = subjects[i.subject_id]
        r = result_of(plan, i)
        tally[r["result"] if r else "pending"] += 1
        items.append({
            "position": i.position,
            "subject": {"id": s.id, "name": s.name, "kind": s.kind, "address": s.address, "risk_class": s.risk_class},
            "officers": [{"id": o.id, "username": o.username, "name": o.name}
                         for o in (officers[i.first_officer_id], officers[i.second_officer_id])],
            "task_id": i.task_id,
            "result": None if r is None else {**r, "result_zh": RESULT_ZH[r["result"]]},
        })
    return {**out, "items": items, "tally": tally}


def published(limit: int = 50) -> list[dict[str, Any]]:
    """The public page: published plans, newest first, with their results as published. No
    personal data: names of persons masked, no addresses, credit codes, officers or phones."""
    from ..catalog import service as catalog

    plans = db.session.scalars(select(SpotCheckPlan).where(SpotCheckPlan.published_at.is_not(None))
                               .options(selectinload(SpotCheckPlan.items))
                               .order_by(SpotCheckPlan.published_at.desc(), SpotCheckPlan.id.desc()).limit(limit))
    agencies: dict[int, str] = {}
    out = []
    for p in plans:
        if p.jurisdiction_id not in agencies:
            agencies[p.jurisdiction_id] = catalog.get_jurisdiction(p.jurisdiction_id).agency_name
        out.append({
            "id": p.id, "name": p.name, "agency_name": agencies[p.jurisdiction_id], "domain": p.domain,
            "starts_on": p.starts_on.isoformat(), "ends_on": p.ends_on.isoformat(), "published_on": _local_day(p.published_at).isoformat(),
            "drawn_on": _local_day(p.drawn_at).isoformat(), "subjects_drawn": len(p.items), "seed": p.seed, "inputs_digest": p.inputs_digest,
            "results": [{
                "subject": i.published_name, "kind": i.published_kind, "kind_zh": KIND_ZH.get(i.published_kind or "", "其他"),
                "result": i.published_result,
                "result_zh": RESULT_ZH[i.published_result] if i.published_result else NOT_INSPECTED_ZH,
                "reinspection_zh": ("复查" + ("合格" if i.published_reinspection_result == "compliant" else "未合格"))
                if i.published_reinspection_result else None,
                "inspected_on": i.published_inspected_on.isoformat() if i.published_inspected_on else None,
            } for i in p.items],
        })
    return out

