"""Supervisor endpoints (中队长, 指挥室): figures with drill-down and exports, grid coverage,
officer coverage, the patrol log, device health. Supervisors see their street; a
district admin sees every street or picks one with `jurisdiction_id`. The views marked
@reads_replica read the streaming replica when DATABASE_REPLICA_URL is set (backend/replica.py)."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from geo.export import points_to_geojson, points_to_gpx, points_to_kml

from ..audit import service as audit
from ..auth.access import current_identity, roles, scope_jurisdiction
from ..patrols.schemas import PlausibleDate
from .. import rawjson
from ..models_base import LOCAL_TZ
from ..replica import reads_replica
from . import columns, exports, service

blp = Blueprint("supervision", __name__, url_prefix="/api/v1/supervision", description="督查 · Supervision")

MAX_DAYS = 366
TABLE_TYPES = {"csv": ("text/csv; charset=utf-8", "csv"),
               "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")}


def table_content(schema: Any) -> dict[str, Any]:
    """What an endpoint with `?format=json|csv|xlsx` answers, for the OpenAPI document."""
    return {"application/json": {"schema": schema}, "text/csv": {"schema": {"type": "string"}},
            TABLE_TYPES["xlsx"][0]: {"schema": {"type": "string", "format": "binary"}}}


class PeriodSchema(Schema):
    from_ = PlausibleDate(load_default=None, data_key="from", metadata={"description": "first local day (default today)"})
    to = PlausibleDate(load_default=None, metadata={"description": "last local day, inclusive (default: from)"})
    jurisdiction_id = fields.Integer(load_default=None, validate=validate.Range(1, 2**31 - 1))

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        start = data.get("from_") or service.now_local_date()
        end = data.get("to") or start
        if end < start:
            raise ValidationError("to must not be before from", "to")
        if (end - start).days >= MAX_DAYS:
            raise ValidationError(f"at most {MAX_DAYS} days", "to")


class CoverageQuerySchema(PeriodSchema):
    uncovered_after_days = fields.Integer(load_default=None, validate=validate.Range(1, 365), metadata={
        "description": "a grid not patrolled within this many days before the end of the period is uncovered (default: the period)"})


class ExportQuerySchema(PeriodSchema):
    format = fields.String(load_default="json", validate=validate.OneOf(["json", "csv", "xlsx"]))


class PlaceExportQuerySchema(PeriodSchema):
    format = fields.String(load_default="geojson", validate=validate.OneOf(["geojson", "gpx", "kml", "csv", "xlsx"]))


class PatrolLogQuerySchema(PeriodSchema):
    officer = fields.List(fields.String(validate=validate.Length(max=64)), load_default=list, metadata={"description": "usernames"})
    grid = fields.List(fields.String(validate=validate.Length(max=32)), load_default=list, metadata={"description": "grid codes"})
    simplify = fields.Float(load_default=5.0, validate=validate.Range(0, 500), metadata={"description": "metres (Douglas–Peucker) for the zoom level"})


class MatterRefSchema(Schema):
    code = fields.String(required=True)
    name = fields.String(required=True)


class StatsSchema(Schema):
    from_ = fields.Date(required=True, data_key="from", attribute="from")
    to = fields.Date(required=True)
    jurisdiction_id = fields.Integer(allow_none=True, required=True)
    general_cases = fields.Integer(required=True)
    simple_cases = fields.Integer(required=True)
    fines_total_fen = fields.Integer(required=True)
    fines_collected_fen = fields.Integer(required=True)
    cases_closed = fields.Integer(required=True)
    cases_closed_on_time = fields.Integer(required=True)
    on_time_closure_rate = fields.Float(allow_none=True, required=True, metadata={"description": "按期结案率; null when nothing closed"})
    empowered_matters = fields.Integer(required=True)
    matter_coverage_rate = fields.Float(allow_none=True, required=True)
    zero_case_matters = fields.List(fields.Nested(MatterRefSchema), required=True)
    certified_officers = fields.Integer(required=True)
    officer_participation_rate = fields.Float(allow_none=True, required=True)
    inspections = fields.Integer(required=True)
    inspections_by_result = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True)
    tasks_dispatched = fields.Integer(required=True)
    tasks_with_feedback = fields.Integer(required=True)
    median_dispatch_to_feedback_s = fields.Float(allow_none=True, required=True)
    records_incomplete = fields.Integer(required=True)
    records_late = fields.Integer(required=True)
    devices_unhealthy = fields.Integer(required=True)
    # the residents' reports received in the period, each as it stands now (complaint_figures.py);
    # each rate beside its numerator and denominator, so it reads 响应率 80%（8/10）
    complaint_response_hours = fields.Float(required=True, metadata={"description": "the time a report may wait for triage (分办)"})
    complaints_received = fields.Integer(required=True)
    complaints_response_due = fields.Integer(required=True, metadata={
        "description": "reports triaged, or whose time to be triaged is up: the response rate's denominator"})
    complaints_responded_on_time = fields.Integer(required=True)
    complaint_response_rate = fields.Float(allow_none=True, required=True, metadata={
        "description": "响应率: complaints_responded_on_time ÷ complaints_response_due; null when none is due"})
    complaints_resolved = fields.Integer(required=True)
    complaint_resolution_rate = fields.Float(allow_none=True, required=True, metadata={
        "description": "办结率: complaints_resolved ÷ complaints_received (task fed back or closed, case closed, or rejected with a reason)"})
    complaints_rated = fields.Integer(required=True)
    complaints_satisfied = fields.Integer(required=True)
    complaint_satisfaction_rate = fields.Float(allow_none=True, required=True, metadata={
        "description": "满意率: ratings of 4–5 stars ÷ complaints_rated"})
    complaint_rating_average = fields.Float(allow_none=True, required=True)
    complaint_tasks = fields.Integer(required=True, metadata={"description": "tasks made from reports, dispatched in the period"})
    complaint_tasks_finished = fields.Integer(required=True)


class RowsSchema(Schema):
    figure = fields.String(required=True)
    items = fields.List(fields.Dict(), required=True)
    columns = fields.List(fields.String(), metadata={"description": "the columns a person sees, in order (names in /supervision/dictionary)"})


class DictionarySchema(Schema):
    columns = fields.Dict(required=True, metadata={"description": "column key → {zh-CN, en}"})
    values = fields.Dict(required=True, metadata={"description": "enum value → {zh-CN, en}"})


class FeatureCollectionSchema(Schema):
    type = fields.String(required=True)
    features = fields.List(fields.Dict(), required=True)
    properties = fields.Dict()


class OfficerCoverageSchema(Schema):
    items = fields.List(fields.Dict(), required=True)


class PatrolLogSchema(Schema):
    tracks = fields.Nested(FeatureCollectionSchema, required=True)
    inspections = fields.List(fields.Dict(), required=True)
    tickets = fields.List(fields.Dict(), required=True)


def _period(args: dict[str, Any]) -> tuple[int | None, date, date]:
    identity = current_identity()
    start = args.get("from_") or service.now_local_date()
    end = args.get("to") or start
    return scope_jurisdiction(identity, args.get("jurisdiction_id")), start, end


def _health_cfg() -> dict[str, int]:
    cfg = current_app.config
    return {"stale_after_s": cfg["DEVICE_STALE_SECONDS"], "queue_alarm": cfg["DEVICE_QUEUE_ALARM"]}


def _figures_cfg() -> dict[str, float]:
    """What the figures read from the configuration: device health, and the time a resident's
    report may wait for triage (COMPLAINT_RESPONSE_HOURS, else the product's 24 hours)."""
    hours = current_app.config.get("COMPLAINT_RESPONSE_HOURS", service.COMPLAINT_RESPONSE_HOURS)
    return {**_health_cfg(), "response_s": float(hours) * 3600}


def _audit_export(what: str, fmt: str, jurisdiction_id: int | None, start: date, end: date, rows: int) -> None:
    identity = current_identity()
    audit.record("export", "report", what, jurisdiction_id=jurisdiction_id or identity.jurisdiction_id, actor_id=identity.officer_id,
                 device_id=identity.device_id, details={"format": fmt, "from": start.isoformat(), "to": end.isoformat(), "rows": rows})
    from ..extensions import db

    db.session.commit()


def _file(body: bytes, content_type: str, name: str) -> Response:
    return Response(body, content_type=content_type, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _table_file(rows: list[dict[str, Any]], fmt: str, title: str, name: str, figure: str) -> Response:
    """A table as CSV (with BOM) or XLSX for people (columns.py), ready to download."""
    heads, cells = columns.table(rows, columns.FIGURE_COLUMNS[figure], for_xlsx=fmt == "xlsx")
    body = exports.to_csv(heads, cells) if fmt == "csv" else exports.to_xlsx(heads, cells, title=title)
    content_type, ext = TABLE_TYPES[fmt]
    return _file(body, content_type, f"{name}.{ext}")


def _local_iso(value: Any) -> str:
    """A time in a machine-readable file: ISO 8601 with Shanghai's offset."""
    return value.astimezone(LOCAL_TZ).isoformat() if isinstance(value, datetime) and value.tzinfo else str(value)


def _json_safe(data: Any) -> Any:
    """Dates and datetimes as ISO strings for the schemaless (Dict) parts of an answer."""
    return json.loads(json.dumps(data, default=str, ensure_ascii=False))


@blp.route("/stats", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, StatsSchema)
@reads_replica
def stats(args: dict):
    """The team's figures (统计) for a period; each drills down under /stats/<figure>."""
    jurisdiction_id, start, end = _period(args)
    return service.stats(jurisdiction_id, start, end, **_figures_cfg())


@blp.route("/stats/<any(" + ", ".join(service.FIGURES) + "):figure>", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, RowsSchema)
@blp.doc(responses={"200": {"description": "the records behind a figure", "content": table_content(RowsSchema)}})
@reads_replica
def drill_down(args: dict, figure: str):
    """The records a figure counts, as JSON, CSV (UTF-8 with BOM) or XLSX."""
    jurisdiction_id, start, end = _period(args)
    rows = service.drill_down(figure, jurisdiction_id, start, end, **_figures_cfg())
    fmt = args["format"]
    if fmt == "json":
        return {"figure": figure, "items": _json_safe(rows), "columns": columns.FIGURE_COLUMNS[figure]}
    _audit_export(f"stats/{figure}", fmt, jurisdiction_id, start, end, len(rows))
    return _table_file(rows, fmt, columns.FIGURE_TITLES[figure], f"{figure}-{start}-{end}", figure)


class LiveSchema(Schema):
    items = fields.List(fields.Dict(), required=True, metadata={
        "description": "officers on an open patrol: username, name, patrol_id, with, lat, lon, accuracy, at, age_s, "
                       "queue_depth, battery (0–1 or null), last_sync_at"})


@blp.route("/live", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, LiveSchema)
@reads_replica
def live(args: dict):
    """The live layer: who is on patrol now, where their phone last said, how long ago (the console asks every 30 s)."""
    from .live import live_officers

    jurisdiction_id, _, _ = _period(args)
    return {"items": live_officers(jurisdiction_id)}


@blp.route("/dictionary", methods=["GET"])
@roles("supervisor", "admin")
@blp.response(200, DictionarySchema)
def dictionary():
    """The column dictionary of the desk's tables: the console shows what the files say."""
    return columns.dictionary()


@blp.route("/coverage", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(CoverageQuerySchema, location="query")
@blp.response(200, FeatureCollectionSchema)
@reads_replica
def coverage(args: dict):
    """Grids as GeoJSON with `last_patrolled_at`, `patrol_minutes`, `inspections`, `uncovered`."""
    jurisdiction_id, start, end = _period(args)
    days = args.get("uncovered_after_days") or (end - start).days + 1
    text = service.coverage_geojson(jurisdiction_id, start, end, uncovered_after_days=days)
    return Response(text, content_type="application/json")  # built as text: outlines are cached JSON


@blp.route("/officers", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(ExportQuerySchema, location="query")
@blp.response(200, OfficerCoverageSchema)
@blp.doc(responses={"200": {"description": "per officer: assigned and patrolled grids", "content": table_content(OfficerCoverageSchema)}})
@reads_replica
def officers(args: dict):
    """Per officer: assigned grids (分包) and which of them they patrolled in the period."""
    jurisdiction_id, start, end = _period(args)
    rows = service.officer_coverage(jurisdiction_id, start, end)
    if args["format"] == "json":
        return {"items": rows}
    _audit_export("officers", args["format"], jurisdiction_id, start, end, len(rows))
    return _table_file(rows, args["format"], "分包覆盖", f"officer-coverage-{start}-{end}", "officers")


@blp.route("/patrols", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(PatrolLogQuerySchema, location="query")
@blp.response(200, PatrolLogSchema)
@reads_replica
def patrol_log(args: dict):
    """Tracks (simplified for the zoom), stops and gaps of the period, with inspections and
    tickets as markers; filter by officer(s) and grid(s)."""
    jurisdiction_id, start, end = _period(args)
    data = service.patrol_log(jurisdiction_id, start, end, officer_usernames=args["officer"], grid_codes=args["grid"],
                              simplify_m=args["simplify"])
    # Stored tracks are spliced in as text (backend/rawjson.py); the schema documents the shape.
    return Response(rawjson.dumps(data), content_type="application/json")


@blp.route("/inspections/export", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(PlaceExportQuerySchema, location="query")
@blp.response(200)
@blp.doc(responses={"200": {"description": "the period's inspections as GeoJSON, GPX, KML, CSV or XLSX"}})
@reads_replica
def export_inspections(args: dict):
    jurisdiction_id, start, end = _period(args)
    rows = service.drill_down("inspections", jurisdiction_id, start, end, **_health_cfg())
    fmt = args["format"]
    _audit_export("inspections", fmt, jurisdiction_id, start, end, len(rows))
    name = f"inspections-{start}-{end}"
    # machine-readable times carry their offset: Shanghai's in GeoJSON and KML, UTC in GPX (its standard)
    utc_out = fmt == "gpx"
    points = [{**r, "name": r["subject_name"], "desc": columns.cells("result", r["result"], for_xlsx=False)[0],
               "time": (r["inspected_at"].astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if utc_out
                        else r["inspected_at"].astimezone(LOCAL_TZ).isoformat())} for r in rows]
    if fmt == "geojson":
        body = json.dumps(points_to_geojson(points), default=_local_iso, ensure_ascii=False).encode()
        return _file(body, "application/geo+json; charset=utf-8", f"{name}.geojson")
    if fmt == "gpx":
        return _file(points_to_gpx(points, name), "application/gpx+xml; charset=utf-8", f"{name}.gpx")
    if fmt == "kml":
        return _file(points_to_kml(points, name), "application/vnd.google-earth.kml+xml; charset=utf-8", f"{name}.kml")
    return _table_file(rows, fmt, "检查", name, "inspections")


@blp.route("/devices", methods=["GET"])
@roles("supervisor", "admin")
@blp.arguments(PeriodSchema, location="query")
@blp.response(200, OfficerCoverageSchema)
@reads_replica
def devices(args: dict):
    """Every phone's health: last sync, queue depth and age, storage, version, clock skew, alarms."""
    from ..sync import service as sync

    jurisdiction_id, _, _ = _period(args)
    cfg = _health_cfg()
    items = sync.devices_health(jurisdiction_id, cfg["stale_after_s"], cfg["queue_alarm"])
    return {"items": _json_safe(items)}

