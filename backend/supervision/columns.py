"""The one column dictionary (列名与取值) of the desk's tables: the console's drill-downs
(served as `GET /api/v1/supervision/dictionary`, read by pwa/src/lib/present.js), and the
CSV and XLSX files. Column keys and enum values never reach a person: headers in Chinese,
names instead of ids, local times with their date, results and stages in words, money in
yuan (fen kept in a machine column). Plain data and functions: no Flask, no database."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Sequence

from ..models_base import LOCAL_TZ

# key → (zh, en)
COLUMNS: dict[str, tuple[str, str]] = {
    "id": ("编号", "ID"), "procedure": ("程序", "Procedure"), "stage": ("阶段", "Stage"), "matter_code": ("事项编码", "Matter"),
    "party_name": ("当事人", "Party"), "amount_fen": ("罚款", "Fine"), "paid_fen": ("已缴", "Paid"),
    "surcharge_fen": ("加处罚款", "Surcharge"), "opened_at": ("立案/作出时间", "Opened"), "closed_at": ("结案时间", "Closed"),
    "on_time": ("按期", "On time"), "ticket_id": ("决定书", "Decision"), "ticket_number": ("决定书编号", "Decision no."),
    "case_id": ("案件", "Case"), "channel": ("缴款方式", "Channel"), "paid_on": ("缴款日期", "Paid on"), "receipt": ("票据号", "Receipt"),
    "code": ("编码", "Code"), "name": ("名称", "Name"), "domain": ("门类", "Domain"), "cases": ("案件数", "Cases"),
    "username": ("账号", "Account"), "inspected_at": ("检查时间", "Inspected"), "officer_id": ("人员编号", "Officer id"),
    "officer": ("执法人员", "Officer"), "subject_name": ("检查对象", "Subject"), "result": ("结果", "Result"),
    "grid_id": ("网格编号", "Grid id"), "grid": ("网格", "Grid"), "lat": ("纬度", "Latitude"), "lon": ("经度", "Longitude"),
    "photos": ("照片", "Photos"), "title": ("任务", "Task"), "status": ("状态", "Status"), "assignee_id": ("承办人编号", "Assignee id"),
    "assignee": ("承办人", "Assignee"), "dispatched_at": ("派遣时间", "Dispatched"), "feedback_at": ("反馈时间", "Feedback"),
    "dispatch_to_feedback_s": ("派遣至反馈（分钟）", "Dispatch → feedback (min)"), "kind": ("类型", "Kind"),
    "assigned": ("分包网格", "Assigned grids"), "covered": ("已巡网格", "Patrolled grids"), "missed": ("未巡网格", "Missed grids"),
    "device_id": ("设备", "Device"), "captured_at": ("记录时间", "Captured"), "received_at": ("上传时间", "Received"),
    "missing_photos": ("缺照片", "Photos missing"), "awaiting_consent": ("待确认的执法人员", "Consent awaited from"),
    "alarms": ("告警", "Alarms"), "last_sync_at": ("最近同步", "Last sync"), "queue_depth": ("待上传", "Queue"),
    "coverage_rate": ("覆盖率", "Coverage"),
    # the residents' reports (complaint_figures.py)
    "complaint_code": ("查询码", "Tracking code"), "complaint_channel": ("来源", "Source"), "department": ("移送部门", "Department"),
    "description": ("反映的问题", "Problem"), "address": ("地点", "Place"), "complaint_received_at": ("受理时间", "Received"),
    "triaged_at": ("分办时间", "Triaged"), "response_hours": ("响应用时（小时）", "Time to triage (h)"),
    "responded_on_time": ("按时响应", "Answered in time"), "complaint_status": ("分办结果", "Triage"), "task_id": ("任务编号", "Task"),
    "resolved": ("已办结", "Resolved"), "rating": ("评价（星）", "Rating (stars)"), "satisfied": ("满意", "Satisfied"),
    "finished": ("已办结", "Finished"), "complaint_tasks": ("交办举报", "Reports handed over"),
    "complaint_tasks_finished": ("办结举报", "Reports finished"), "complaint_finish_rate": ("举报办结率", "Reports finished (rate)"),
}

# enum value → (zh, en)
VALUES: dict[str, tuple[str, str]] = {
    "simple": ("简易程序", "simple"), "general": ("一般程序", "general"), "compliant": ("合格", "compliant"),
    "rectify": ("责令整改", "to rectify"), "violation": ("发现违法", "violation"), "proposed": ("立案审批中", "awaiting filing"),
    "filed": ("立案", "filed"),
    "investigating": ("调查取证", "investigating"), "notified": ("告知", "notified"), "reviewed": ("审核", "reviewed"),
    "decided": ("决定", "decided"), "served": ("送达", "served"), "executing": ("执行", "executing"), "closed": ("结案", "closed"),
    "dispatched": ("已派遣", "dispatched"), "accepted": ("已签收", "accepted"), "in_progress": ("处置中", "in progress"),
    "done": ("已反馈", "reported"), "returned": ("已退回", "returned"), "bank": ("银行", "bank"), "e_payment": ("电子缴款", "e-payment"),
    "on_the_spot": ("当场收缴", "on the spot"), "inspection": ("检查", "inspection"), "ticket": ("决定书", "decision"),
    "patrol_start": ("巡查开始", "patrol start"), "track_points": ("轨迹", "track"), "patrol_end": ("巡查结束", "patrol end"),
    "task_update": ("任务反馈", "task update"), "ticket_cosign": ("第二名执法人员确认", "second officer consent"),
    "ticket_void": ("作废编号", "void"), "stale": ("久未同步", "not synced lately"), "queue": ("积压", "queue backed up"),
    "not_syncing": ("久未同步", "not syncing"), "queue_long": ("积压过多", "queue backed up"),
    "storage_not_persistent": ("存储未持久", "storage not persistent"), "revoked": ("已停用", "revoked"),
    "inspection_amend": ("检查补充", "inspection amendment"), "ok": ("通过", "approved"), "comment": ("意见", "comment"),
    "needs_correction": ("需要整改", "needs correction"),
    # a report's source and what triage made of it
    "web": ("网上举报", "public page"), "hotline": ("12345热线", "12345 hotline"), "wechat": ("微信", "WeChat"),
    "department": ("部门移送", "department referral"), "received": ("待分办", "awaiting triage"), "case": ("已立案", "case opened"),
    "merged": ("已合并", "merged"), "rejected": ("不予受理", "rejected"),
}

# The columns a person sees for each figure, in order (ids stay in the JSON rows for programs).
FIGURE_COLUMNS: dict[str, list[str]] = {
    **{f: ["id", "procedure", "stage", "matter_code", "party_name", "amount_fen", "paid_fen", "opened_at", "closed_at", "on_time",
           "ticket_number"]
       for f in ("general_cases", "simple_cases", "fines_total_fen", "on_time_closure_rate")},
    "fines_collected_fen": ["id", "case_id", "amount_fen", "surcharge_fen", "channel", "paid_on", "receipt"],
    "matter_coverage_rate": ["code", "name", "domain", "cases"],
    "zero_case_matters": ["code", "name", "domain", "cases"],
    "officer_participation_rate": ["name", "username", "cases"],
    "inspections": ["inspected_at", "officer", "subject_name", "result", "grid", "lat", "lon", "photos"],
    "tasks_dispatched": ["id", "title", "status", "assignee", "dispatched_at", "feedback_at", "dispatch_to_feedback_s"],
    "records_incomplete": ["kind", "officer", "device_id", "captured_at", "received_at", "missing_photos", "awaiting_consent"],
    "records_late": ["kind", "officer", "device_id", "captured_at", "received_at", "missing_photos", "awaiting_consent"],
    "devices_unhealthy": ["device_id", "alarms", "last_sync_at", "queue_depth"],
    **{f: ["complaint_code", "complaint_channel", "complaint_received_at", "triaged_at", "response_hours", "responded_on_time",
           "complaint_status", "assignee", "resolved", "rating", "description", "address", "grid"]
       for f in ("complaints_received", "complaint_response_rate", "complaint_resolution_rate", "complaint_satisfaction_rate")},
    "complaint_tasks": ["id", "title", "complaint_code", "status", "assignee", "dispatched_at", "feedback_at", "finished"],
    "officers": ["name", "username", "assigned", "covered", "missed", "coverage_rate", "complaint_tasks", "complaint_tasks_finished",
                 "complaint_finish_rate"],
}


# what a figure's sheet is called
FIGURE_TITLES: dict[str, str] = {
    "general_cases": "一般程序案件", "simple_cases": "简易程序案件", "fines_total_fen": "罚款决定", "fines_collected_fen": "罚款收缴",
    "on_time_closure_rate": "结案", "matter_coverage_rate": "事项覆盖", "zero_case_matters": "零案件事项",
    "officer_participation_rate": "人员参与", "inspections": "检查", "tasks_dispatched": "派遣任务", "records_incomplete": "未完整上传记录",
    "records_late": "迟报记录", "devices_unhealthy": "异常设备", "officers": "分包覆盖",
    "complaints_received": "群众举报", "complaint_response_rate": "举报响应", "complaint_resolution_rate": "举报办结",
    "complaint_satisfaction_rate": "群众评价", "complaint_tasks": "交办举报",
}


def dictionary() -> dict[str, Any]:
    """What the console reads once: {columns: {key: {zh-CN, en}}, values: {…}}."""
    def pairs(d: dict[str, tuple[str, str]]) -> dict[str, dict[str, str]]:
        return {k: {"zh-CN": zh, "en": en} for k, (zh, en) in d.items()}
    return {"columns": pairs(COLUMNS), "values": pairs(VALUES)}


def header(key: str) -> list[str]:
    """The header(s) a column becomes in a file: money twice (yuan for people, fen for programs)."""
    zh = COLUMNS.get(key, (key.replace("_", " "), ""))[0]
    if key.endswith("_fen"):
        return [f"{zh}（元）", f"{zh}（分）"]
    return [zh]


def cells(key: str, value: Any, *, for_xlsx: bool) -> list[Any]:
    """One value as the cell(s) a person reads; XLSX keeps dates and times as real dates."""
    if key.endswith("_fen"):
        return [None, None] if value is None else [(Decimal(int(value)) / 100).quantize(Decimal("0.01")), int(value)]
    if value is None or value == "":
        return [None]
    if isinstance(value, bool):
        return ["是" if value else "否"]
    if key == "dispatch_to_feedback_s":
        return [round(float(value) / 60)]
    if isinstance(value, str) and key.endswith("_at"):
        value = datetime.fromisoformat(value)
    if isinstance(value, datetime):
        local = value.astimezone(LOCAL_TZ).replace(tzinfo=None) if value.tzinfo else value
        return [local if for_xlsx else local.strftime("%Y-%m-%d %H:%M:%S")]
    if isinstance(value, date):
        return [value if for_xlsx else value.isoformat()]
    if key == "alarms" and isinstance(value, str):
        return ["、".join(VALUES.get(a, (a, a))[0] for a in value.split(",") if a)]
    if isinstance(value, list):
        return ["、".join(map(str, value))]
    if isinstance(value, str) and value in VALUES:
        return [VALUES[value][0]]
    return [value]


def table(rows: Sequence[dict[str, Any]], columns: list[str], *, for_xlsx: bool) -> tuple[list[str], list[list[Any]]]:
    """(headers, rows) of a file for people; an empty table still has its header row."""
    heads = [h for c in columns for h in header(c)]
    body = [[x for c in columns for x in cells(c, r.get(c), for_xlsx=for_xlsx)] for r in rows]
    return heads, body
